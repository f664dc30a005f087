# keras-zoo: two commands do all the set-up on a fresh machine.
#   make demo   create .venv if needed, then run the main job (a grid search on a bundled dataset)
#   make test   create .venv if needed, then run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.keras-zoo-installed

.PHONY: demo test venv bench clean

venv: $(STAMP)

# The stamp depends on pyproject.toml, so a changed dependency list refreshes the environment.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/keras-zoo train ann --dataset breast_cancer --epochs 60 --output runs/demo/ann.keras

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ann.py

clean:
	rm -rf $(VENV) runs build *.egg-info .pytest_cache
