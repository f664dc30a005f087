"""Tabular data: scikit-learn's bundled sets, CSV files and pandas DataFrames."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from keras_zoo.base import closest
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.datasets.core import Dataset, from_arrays, read_csv_table

__all__ = ["SKLEARN_DATASETS", "from_csv", "from_dataframe", "load_sklearn"]

SKLEARN_DATASETS = {
    "breast_cancer": ("load_breast_cancer", "Breast cancer Wisconsin: 569 tumours, 30 features, "
                      "malignant vs benign (binary)."),
    "iris": ("load_iris", "Iris: 150 flowers, 4 measurements, 3 species (multiclass)."),
    "wine": ("load_wine", "Wine: 178 wines, 13 chemical measurements, 3 cultivars (multiclass)."),
    "digits": ("load_digits", "Digits: 1,797 8x8 handwritten digits as 64 pixel features, 10 "
               "classes (multiclass)."),
    "diabetes": ("load_diabetes", "Diabetes: 442 patients, 10 features, disease progression "
                 "after one year (regression)."),
}


def _with_tabular_kwargs(data: Dataset) -> Dataset:
    """Record the training split's feature (and regression target) mean and variance, so tabular
    factories standardise inside the model (``normalization=``, ``target_normalization=``) and a
    saved model takes raw features and predicts in the targets' units."""
    kwargs = data.metadata.setdefault("model_kwargs", {})
    kwargs["normalization"] = _mean_var(data.x_train)
    if data.task == "regression":
        kwargs["target_normalization"] = _mean_var(np.reshape(data.y_train, (len(data.y_train), -1)))
    return data


def _mean_var(a: np.ndarray) -> tuple[list[float], list[float]]:
    a = np.asarray(a, dtype="float64")
    return a.mean(axis=0).tolist(), a.var(axis=0).tolist()


def load_sklearn(name: str, *, seed: int | None = 0, test_size: float = 0.2,
                 val_size: float = 0.1) -> Dataset:
    """One of scikit-learn's bundled datasets, split with a seed (stratified for classes).

    Names: breast_cancer, iris, wine, digits, diabetes. No download is needed.
    """
    import sklearn.datasets as skd

    loader, description = SKLEARN_DATASETS[name]
    bunch = getattr(skd, loader)()
    task = "regression" if name == "diabetes" else None
    class_names = [str(c) for c in bunch.target_names] if hasattr(bunch, "target_names") else None
    data = from_arrays(bunch.data, bunch.target, name=name, task=task,
                       feature_names=[str(f) for f in bunch.feature_names],
                       test_size=test_size, val_size=val_size, seed=seed,
                       metadata={"source": f"sklearn.datasets.{loader}", "description": description})
    if class_names is not None and data.task != "regression":
        data.class_names = class_names
    return _with_tabular_kwargs(data)


def _encode_features(df: pd.DataFrame, categorical: str) -> tuple[pd.DataFrame, dict[str, list]]:
    categories: dict[str, list] = {}
    columns = []
    for col in df.columns:
        series = df[col]
        kind = series.dtype.kind
        if kind in "biuf":
            columns.append(series.astype("float32"))
        elif kind in "OSU" or isinstance(series.dtype, (pd.CategoricalDtype, pd.StringDtype)):
            cats = sorted(series.dropna().astype(str).unique().tolist())
            categories[str(col)] = cats
            if categorical == "ordinal":
                mapping = {c: i for i, c in enumerate(cats)}
                columns.append(series.astype(str).map(mapping).astype("float32").rename(col))
            else:
                dummies = pd.get_dummies(series.astype(str), prefix=str(col), dtype="float32")
                columns.extend(dummies[c] for c in dummies.columns)
        else:
            raise InputValueError(
                f"Column {col!r} has dtype {series.dtype}, which cannot be used as a feature; "
                "numeric, boolean, string and categorical columns are accepted. Convert or drop it "
                f"(drop=[{col!r}])."
            )
    return pd.concat(columns, axis=1) if columns else pd.DataFrame(index=df.index), categories


def from_dataframe(df: pd.DataFrame, target: str | Sequence[str], *, task: str | None = None,
                   drop: Sequence[str] = (), categorical: str = "onehot", name: str = "dataframe",
                   seed: int | None = 0, test_size: float = 0.2, val_size: float = 0.1) -> Dataset:
    """A :class:`Dataset` from a DataFrame: ``target`` column(s) -> labels, the rest -> features.

    String, boolean and categorical feature columns are encoded (``categorical="onehot"``, the
    default, or ``"ordinal"``); the categories are kept in ``metadata["categories"]``.

    Raises:
        ValueError: A missing target column (the message lists the columns), NaN/inf values
            (naming the columns and counts), an empty frame, a single class, or a column type
            that cannot be a feature.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"size": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        ...                    "colour": list("rgbrgbrgbr"), "label": [0, 1] * 5})
        >>> data = from_dataframe(df, target="label", test_size=0.2, val_size=0.2)
        >>> data.feature_names
        ['size', 'colour_b', 'colour_g', 'colour_r']
    """
    if not isinstance(df, pd.DataFrame):
        raise InputTypeError(f"Expected a pandas DataFrame. Received: {type(df).__name__}")
    if categorical not in ("onehot", "ordinal"):
        raise InputValueError("`categorical` must be 'onehot' or 'ordinal'. "
                         f"Received: categorical={categorical!r}")
    if df.empty:
        raise InputValueError(f"{name}: the table is empty (no rows or no columns).")
    targets = [target] if isinstance(target, str) else list(target)
    columns = [str(c) for c in df.columns]
    for col in [*targets, *drop]:
        if col not in df.columns:
            hint = closest(str(col), columns)
            raise InputValueError(
                f"{name}: no column {col!r}." + (f" Did you mean {hint!r}?" if hint else "")
                + f" Columns: {', '.join(columns)}."
            )
    y_frame = df[targets]
    missing = y_frame.isna().sum()
    if missing.any():
        detail = ", ".join(f"{c!r} ({n} missing)" for c, n in missing.items() if n)
        raise InputValueError(f"{name}: the target has missing values: {detail}. Drop those rows first.")
    features = df.drop(columns=[*targets, *drop])
    if features.shape[1] == 0:
        raise InputValueError(f"{name}: no feature columns are left besides the target {targets}.")
    nan_counts = features.isna().sum()
    numeric = features.select_dtypes(include=[np.number])
    inf_counts = np.isinf(numeric).sum() if not numeric.empty else pd.Series(dtype=int)
    bad = {c: (int(nan_counts.get(c, 0)), int(inf_counts.get(c, 0))) for c in features.columns
           if nan_counts.get(c, 0) or inf_counts.get(c, 0)}
    if bad:
        detail = "; ".join(
            f"{c!r} (" + ", ".join(f"{n} {k}" for n, k in zip(v, ("NaN", "inf")) if n) + ")"
            for c, v in bad.items())
        raise InputValueError(
            f"{name}: features hold missing or infinite values: {detail}. Fill or drop them "
            "first (e.g. df.dropna() or df.fillna(...))."
        )
    encoded, categories = _encode_features(features, categorical)
    y = y_frame.iloc[:, 0] if len(targets) == 1 else y_frame
    data = from_arrays(encoded.to_numpy(dtype="float32"), y, name=name, task=task,
                       feature_names=[str(c) for c in encoded.columns], seed=seed,
                       test_size=test_size, val_size=val_size,
                       metadata={"target": targets[0] if len(targets) == 1 else targets,
                                 "categories": categories, "source": name})
    return _with_tabular_kwargs(data)


def from_csv(path: str | os.PathLike[str], target: str | Sequence[str], *, task: str | None = None,
             drop: Sequence[str] = (), categorical: str = "onehot", seed: int | None = 0,
             test_size: float = 0.2, val_size: float = 0.1, **read_csv_kwargs: Any) -> Dataset:
    """A :class:`Dataset` from a CSV file (see :func:`from_dataframe`).

    Extra keyword arguments go to ``pandas.read_csv`` (``sep=";"``, ``na_values=...``).

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file is empty, or any error of :func:`from_dataframe`.
    """
    path = os.fspath(path)
    df = read_csv_table(path, **read_csv_kwargs)
    name = os.path.splitext(os.path.basename(path))[0]
    return from_dataframe(df, target, task=task, drop=drop, categorical=categorical, name=name,
                          seed=seed, test_size=test_size, val_size=val_size)


def _register() -> None:
    from keras_zoo.datasets.registry import register_dataset

    for name, (_, description) in SKLEARN_DATASETS.items():
        register_dataset(name, lambda _n=name, **kw: load_sklearn(_n, **kw), description)


_register()
