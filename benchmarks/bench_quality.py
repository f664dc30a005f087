"""The zoo's estimators at their defaults against scikit-learn's, by score (issue 13).

What a user comparing libraries does: the default estimator of each, in a StandardScaler
pipeline, under repeated cross-validation (5 folds x 3 repeats, stratified for classifiers) on
every bundled tabular dataset. Every contender sees the same folds, and the fold index seeds it.

Contenders (all at their defaults but the seed):
  zoo      kz.zoo.ann_pipeline(task=...): StandardScaler -> ANNClassifier / ANNRegressor
  mlp      StandardScaler -> MLPClassifier() / MLPRegressor() (hidden (100,), adam, 200 epochs)
  linear   StandardScaler -> LogisticRegression(max_iter=1000) / Ridge()

Scores: accuracy for classifiers, R^2 for regression, on each held-out fold. Prints a table:
mean and standard deviation over the 15 folds, the zoo's mean paired difference against the
MLP with its standard error, a verdict (``ok``: the difference is above -2 standard errors, the
zoo is at least as good within noise), and the wall time of the 15 fits of each contender.
``--json PATH`` writes every fold's score.

Run:  python benchmarks/bench_quality.py [--datasets iris wine] [--repeats 3] [--folds 5]
          [--set key=value ...]   (zoo estimator parameters, to try other defaults)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import keras_zoo as kz

TABULAR = ("breast_cancer", "iris", "wine", "digits", "diabetes")


def whole_dataset(name: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Every row of a bundled dataset (its train, val and test splits together) and its task."""
    data = kz.load(name, seed=0)
    x = np.concatenate([data.x_train, data.x_val, data.x_test]).astype("float64")
    y = np.concatenate([data.y_train, data.y_val, data.y_test])
    return x, y, data.task


def contenders(task: str, zoo_params: dict) -> dict:
    if task == "regression":
        return {"zoo": kz.zoo.ann_pipeline(task="regression", **zoo_params),
                "mlp": make_pipeline(StandardScaler(), MLPRegressor()),
                "linear": make_pipeline(StandardScaler(), Ridge())}
    return {"zoo": kz.zoo.ann_pipeline(task=task, **zoo_params),
            "mlp": make_pipeline(StandardScaler(), MLPClassifier()),
            "linear": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))}


def _seeded(estimator, seed: int):
    names = [k for k in estimator.get_params() if k.endswith("random_state")]
    return clone(estimator).set_params(**dict.fromkeys(names, seed))


def run(name: str, folds: int, repeats: int, zoo_params: dict) -> dict:
    x, y, task = whole_dataset(name)
    splitter = (RepeatedKFold if task == "regression" else RepeatedStratifiedKFold)(
        n_splits=folds, n_repeats=repeats, random_state=0)
    models = contenders(task, zoo_params)
    scores = {k: [] for k in models}
    seconds = dict.fromkeys(models, 0.0)
    for i, (train, test) in enumerate(splitter.split(x, y)):
        for key, estimator in models.items():  # interleaved: timing noise hits all alike
            est = _seeded(estimator, i)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(x[train], y[train])
            seconds[key] += time.perf_counter() - start
            scores[key].append(float(est.score(x[test], y[test])))
    diff = np.subtract(scores["zoo"], scores["mlp"])
    se = float(diff.std(ddof=1) / math.sqrt(len(diff)))
    return {"dataset": name, "task": task, "metric": "r2" if task == "regression" else "accuracy",
            "scores": scores, "seconds": seconds, "zoo_minus_mlp": float(diff.mean()),
            "zoo_minus_mlp_se": se, "ok": bool(diff.mean() >= -2 * se)}


def _value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def zoo_params(items: list[str]) -> dict:
    """``--set KEY=VALUE`` items as estimator parameters (JSON values; lists become tuples).
    bench_tables.py reads its ``--set`` with this too."""
    params = {}
    for item in items:
        key, _, value = item.partition("=")
        params[key] = _value(value)
        if isinstance(params[key], list):
            params[key] = tuple(params[key])
    return params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(TABULAR))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a zoo estimator parameter (JSON value), e.g. --set patience=20")
    parser.add_argument("--json", help="write every fold's score to this file")
    args = parser.parse_args()
    params = zoo_params(args.set)
    results = [run(name, args.folds, args.repeats, params) for name in args.datasets]
    print(f"{args.folds} folds x {args.repeats} repeats; zoo parameters: {params or 'defaults'}")
    print(f"{'dataset':14} {'metric':8} {'zoo':>15} {'mlp':>15} {'linear':>15} "
          f"{'zoo-mlp':>16} {'verdict':7} {'seconds zoo/mlp/linear':>24}")
    for r in results:
        cells = [f"{statistics.mean(r['scores'][k]):.4f} ± {statistics.stdev(r['scores'][k]):.4f}"
                 for k in ("zoo", "mlp", "linear")]
        secs = "/".join(f"{r['seconds'][k]:.1f}" for k in ("zoo", "mlp", "linear"))
        print(f"{r['dataset']:14} {r['metric']:8} {cells[0]:>15} {cells[1]:>15} {cells[2]:>15} "
              f"{r['zoo_minus_mlp']:+.4f} ± {r['zoo_minus_mlp_se']:.4f} "
              f"{'ok' if r['ok'] else 'BELOW':7} {secs:>24}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"zoo_params": zoo_params, "results": results}, handle, indent=1)


if __name__ == "__main__":
    main()
