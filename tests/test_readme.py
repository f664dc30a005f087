"""Every ```python block of README.md runs as printed, in order, offline, on a CPU.

The README reads as one session: later blocks use names earlier ones defined (``kz``, ``data``,
``model``), so the blocks run one after another in one namespace. They run in a temporary
working directory, so what they save (``cancer.keras``, ``runs/ann``, ``dates.keras``) lands
there. The few things an example names but the README cannot ship are created first, in that
directory: ``customers.csv`` (a small table with a ``churned`` column), a ``photos/`` folder (two
class subfolders of small PNGs) and a Keras cache holding a small ``mnist.npz`` (``KERAS_HOME``
points at it; keras_zoo reads it at each load, see ``keras_zoo/datasets/keras_cache.py``).
Bash, YAML and plain blocks are not run.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

README = Path(__file__).parents[1] / "README.md"
_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(first code line, code)`` of every ```python block, in order."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _FENCE.finditer(text)]


def test_the_readme_has_python_blocks():
    blocks = python_blocks(README.read_text(encoding="utf8"))
    assert len(blocks) >= 6
    assert all(code.strip() for _, code in blocks)


def _customers_csv(path: Path) -> None:
    """A small churn table: numbers, a text category, and a ``churned`` label they decide."""
    rng = np.random.default_rng(0)
    n = 300
    tenure = rng.integers(1, 72, n)
    monthly = rng.normal(70, 20, n).round(2)
    plan = rng.choice(["basic", "plus", "pro"], n)
    tickets = rng.poisson(1.5, n)
    risk = -0.06 * tenure + 0.03 * (monthly - 70) + 0.6 * tickets + (plan == "basic") * 0.8
    churned = np.where(risk + rng.normal(0, 0.5, n) > np.median(risk), "yes", "no")
    frame = pd.DataFrame({"tenure_months": tenure, "monthly_fee": monthly, "plan": plan,
                          "support_tickets": tickets, "churned": churned})
    frame.loc[rng.random(n) < 0.08, "monthly_fee"] = np.nan  # as real tables come: some gaps
    frame.loc[rng.random(n) < 0.05, "plan"] = None
    frame.to_csv(path, index=False)


def _photos(root: Path, per_class: int = 6) -> None:
    """``photos/cat`` and ``photos/dog``: small PNGs, reddish and bluish."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    for k, cls in enumerate(("cat", "dog")):
        (root / cls).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 100, (20, 24, 3)).astype(np.uint8)
            pixels[..., 2 * k] += 150
            (root / cls / f"{i}.png").write_bytes(tf.io.encode_png(pixels).numpy())


def _mnist_cache(keras_home: Path) -> None:
    """A small ``mnist.npz`` in Keras' layout, where ``kz.load("mnist")`` looks before it
    downloads (as tests/datasets/test_images.py does)."""
    rng = np.random.default_rng(0)
    (keras_home / "datasets").mkdir(parents=True)
    np.savez(keras_home / "datasets" / "mnist.npz",
             x_train=rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
             y_train=np.arange(100) % 10,
             x_test=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
             y_test=np.arange(20) % 10)


@pytest.mark.large
def test_readme_python_blocks_run_as_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    _customers_csv(tmp_path / "customers.csv")
    _photos(tmp_path / "photos")
    _mnist_cache(tmp_path / "keras-home")

    namespace: dict = {"__name__": "__readme__"}
    timings = []
    for line, code in python_blocks(README.read_text(encoding="utf8")):
        start = time.perf_counter()
        exec(compile(code, f"README.md:{line}", "exec"), namespace)  # noqa: S102 - our README
        timings.append((line, time.perf_counter() - start))
    printed = capsys.readouterr().out
    print("\n".join(f"README.md:{line}: {s:.1f} s" for line, s in timings), file=sys.stderr)

    import matplotlib.pyplot as plt

    plt.close("all")
    ns = namespace
    kz = ns["kz"]

    # Quick tour: the saved model reloads (safe mode) and predicts what the trained one does.
    tour, x_test = ns["model"], kz.load("breast_cancer", seed=0).x_test
    reloaded = keras.saving.load_model(tmp_path / "cancer.keras")
    np.testing.assert_allclose(kz.zoo.predict(reloaded, x_test), kz.zoo.predict(tour, x_test),
                               rtol=1e-5, atol=1e-6)
    assert len(ns["history"].history["loss"]) >= 1

    # scikit-learn: every combination was tried and the best one predicts the labels.
    grid, X, y = ns["grid"], ns["X"], ns["y"]
    assert len(grid.cv_results_["params"]) == 4
    assert set(grid.best_params_) == {"ann__activation", "ann__learning_rate"}
    assert grid.score(X, y) > 0.8
    assert grid.predict_proba(X[:3]).shape == (3, len(np.unique(y)))

    # Your own data: the CSV's label column became the target; the pipeline yields batches.
    customers = kz.datasets.from_csv(tmp_path / "customers.csv", target="churned")
    assert sorted(customers.class_names) == ["no", "yes"]
    features, labels = next(iter(ns["ds"]))
    assert features.shape[0] == labels.shape[0] == 64
    assert "plan: category (text), 3 values ['basic', 'plus', 'pro']" in printed  # summary()
    churn = ns["churn"]
    assert churn.evaluate(customers.x_test, customers.y_test, verbose=0,
                          return_dict=True)["accuracy"] > 0.75
    again = keras.saving.load_model(tmp_path / "churn.keras", safe_mode=True)
    new = ns["new_customers"]
    np.testing.assert_allclose(kz.zoo.predict(again, new), kz.zoo.predict(churn, new), rtol=1e-5)
    assert set(again.predict_classes(new)) <= {"yes", "no"}
    table = ns["table"]
    assert ns["churn_clf"].score(table.drop(columns="churned"), table["churned"]) > 0.75

    # The search: as many trials as asked, all completed, the best model on disk reloads.
    result = ns["result"]
    code = "".join(block for _, block in python_blocks(README.read_text(encoding="utf8")))
    spec = re.search(r"max_trials=(\d+)", code)
    assert spec and len(result.leaderboard) == int(spec.group(1))
    assert set(result.leaderboard["status"]) == {"completed"}
    assert set(result.best_params) >= {"activation", "hidden_units", "learning_rate",
                                       "batch_size"}
    assert (tmp_path / "runs" / "ann" / "search.png").exists()
    assert (tmp_path / "runs" / "ann" / "leaderboard.csv").exists()
    best = result.best_model  # the search ran on the customers Dataset, the README's `data` then
    assert kz.zoo.predict(best, customers.x_test).shape == (len(customers.x_test), 1)
    again = kz.tuning.SearchResult.load("runs/ann")
    assert len(again.leaderboard) == len(result.leaderboard)

    # A strategy of one's own: its order, not the grid's, in search.json by its name.
    mine = ns["last_first"].leaderboard.sort_values("trial")
    assert mine["learning_rate"].tolist() == [0.03, 0.02, 0.01]
    assert (mine["status"] == "completed").all()
    assert "[0.03, 0.02, 0.01]" in printed
    assert json.loads((tmp_path / "runs" / "last_first" / "search.json").read_text()
                      )["strategy"] == "last_first"

    # Text: the classifier learned word order and gives probabilities; the seq2seq model learned
    # the dates in the README's few epochs, writes strings, and the saved one translates the same.
    words = kz.load("word_order", seed=0)
    assert ns["clf"].evaluate(words.x_test, words.y_test, return_dict=True,
                              verbose=0)["accuracy"] > 0.9
    proba = kz.zoo.predict(ns["clf"], ["the cat saw a red dog and a blue house"])
    assert proba.shape == (1, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    s2s, pairs = ns["s2s"], ns["pairs"]
    scores = s2s.evaluate(pairs.x_val, pairs.y_val, return_dict=True, verbose=0)
    assert scores["sequence_accuracy"] >= 0.98  # the README's figure (1.0 measured)
    out = s2s.translate(["3 March 1998", "Tuesday, March 3, 1998"], beam_width=3)
    assert out == ["1998-03-03", "1998-03-03"]  # the README's example, right
    weights = np.asarray(s2s.attention("3 March 1998").weights)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-4)
    loaded = keras.saving.load_model(tmp_path / "dates.keras")
    assert loaded.translate(["3 March 1998"], beam_width=3) == s2s.translate(["3 March 1998"],
                                                                          beam_width=3)

    # Errors: the refused activation was caught as kz.InputValueError and its message printed.
    assert "Unknown activation 'relu7'. Did you mean 'relu'?" in printed
    assert "Dataset 'breast_cancer'" in printed  # the quick tour's summary

    # Images: the CNN learned the digits; the fake cache and the photos folder loaded.
    digits = kz.load("digits", as_images=True, seed=0)
    assert ns["cnn"].evaluate(digits.x_test, digits.y_test, return_dict=True,
                              verbose=0)["accuracy"] > 0.9
    assert ns["mnist"].input_shape == (28, 28, 1) and ns["mnist"].num_classes == 10
    assert ns["photos"].class_names == ["cat", "dog"]
    assert ns["photos"].input_shape == (64, 64, 3)

    # The registry's lists are the ones the README prints.
    assert kz.zoo.list_models("*lstm*") == ["bilstm", "lstm"]
    assert kz.zoo.list_models(family="cnn")[:3] == ["cnn", "efficientnet_b0", "lenet5"]
