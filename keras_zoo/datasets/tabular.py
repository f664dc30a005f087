"""Tabular data: scikit-learn's bundled sets, CSV files and pandas DataFrames."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from keras_zoo.base import closest
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.base.table import TableSpec, mean_variance
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
    kwargs["normalization"] = mean_variance(data.x_train)
    if data.task == "regression":
        kwargs["target_normalization"] = mean_variance(np.reshape(data.y_train, (len(data.y_train), -1)))
    return data


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


CATEGORICAL = ("model", "onehot", "ordinal")
MISSING = ("keep", "refuse")


def from_dataframe(df: pd.DataFrame, target: str | Sequence[str], *, task: str | None = None,
                   drop: Sequence[str] = (), categorical: str = "model",
                   category_columns: Sequence[str] = (), missing: str = "keep",
                   name: str = "dataframe", seed: int | None = 0, test_size: float = 0.2,
                   val_size: float = 0.1) -> Dataset:
    """A :class:`Dataset` from a DataFrame: ``target`` column(s) -> labels, the rest -> features.

    With ``categorical="model"`` (the default) the table goes into the model as it is: the
    features are *encoded rows* (:mod:`keras_zoo.base.table`: numbers with ``NaN`` where
    missing, text and ``category`` columns as category ids, 0 for missing or unseen), and
    ``model_kwargs()`` hands ``kz.zoo.ann`` the table's :class:`~keras_zoo.base.table.TableSpec`
    (``table=``, learned on the training split only) and the class names (``classes=``). The
    model then standardises, imputes and encodes inside itself and takes raw rows
    (``model.predict(new_frame)``), also after a ``.keras`` save. ``summary()`` lists what each
    column holds.

    ``categorical="onehot"`` or ``"ordinal"`` encode text columns here instead, as before
    (``metadata["categories"]``); the model then takes the encoded floats, and missing values
    are refused.

    Args:
        df: The table.
        target: The target column, or several for a multi-output regression or multilabel.
        task: ``binary``, ``multiclass``, ``multilabel``, ``regression``; ``None`` reads it off
            the target.
        drop: Columns to leave out (ids, free text, leaks).
        categorical: ``"model"``, ``"onehot"`` or ``"ordinal"`` (see above).
        category_columns: Number columns to take as categories (integer codes such as a region
            number); text and pandas ``category`` columns always are. With ``categorical="model"``.
        missing: ``"keep"`` (the model imputes; ``categorical="model"`` only) or ``"refuse"``
            (missing or infinite feature values raise, naming the columns).
        name: The dataset's name.
        seed, test_size, val_size: The seeded, stratified splits (fractions of all rows).

    Raises:
        ValueError: A missing target or dropped column (the message lists the columns), missing
            target values, an empty frame, a single class, a date column (with the fix), or
            missing values with ``missing="refuse"``.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"size": [1.0, 2, None, 4, 5, 6, 7, 8, 9, 10],
        ...                    "colour": list("rgbrgbrgbr"), "label": ["no", "yes"] * 5})
        >>> data = from_dataframe(df, target="label", test_size=0.2, val_size=0.2)
        >>> data.feature_names, data.class_names
        (['size', 'colour'], ['no', 'yes'])
        >>> sorted(data.model_kwargs())
        ['classes', 'input_dim', 'input_shape', 'table', 'task']
    """
    if not isinstance(df, pd.DataFrame):
        raise InputTypeError(f"Expected a pandas DataFrame. Received: {type(df).__name__}")
    if categorical not in CATEGORICAL:
        raise InputValueError("`categorical` must be 'model', 'onehot' or 'ordinal'. "
                              f"Received: categorical={categorical!r}")
    if missing not in MISSING:
        raise InputValueError(f"`missing` must be 'keep' or 'refuse'. Received: missing={missing!r}")
    if df.empty:
        raise InputValueError(f"{name}: the table is empty (no rows or no columns).")
    targets = [target] if isinstance(target, str) else list(target)
    category_columns = [category_columns] if isinstance(category_columns, str) else list(
        category_columns)
    _check_columns(df, [*targets, *drop, *category_columns], name)
    if category_columns and categorical != "model":
        raise InputValueError("`category_columns` applies with categorical='model'. "
                              f"Received: categorical={categorical!r}")
    y_frame = df[targets]
    missing_y = y_frame.isna().sum()
    if missing_y.any():
        detail = ", ".join(f"{c!r} ({n} missing)" for c, n in missing_y.items() if n)
        raise InputValueError(f"{name}: the target has missing values: {detail}. Drop those rows "
                              f"first (df.dropna(subset={targets!r})).")
    features = df.drop(columns=[*targets, *drop])
    if features.shape[1] == 0:
        raise InputValueError(f"{name}: no feature columns are left besides the target {targets}.")
    if missing == "refuse" or categorical != "model":
        _refuse_missing(features, name, keep_possible=categorical == "model")
    y = y_frame.iloc[:, 0] if len(targets) == 1 else y_frame
    metadata = {"target": targets[0] if len(targets) == 1 else targets, "source": name}
    if categorical != "model":
        encoded, categories = _encode_features(features, categorical)
        data = from_arrays(encoded.to_numpy(dtype="float32"), y, name=name, task=task,
                           feature_names=[str(c) for c in encoded.columns], seed=seed,
                           test_size=test_size, val_size=val_size,
                           metadata={**metadata, "categories": categories})
        return _with_tabular_kwargs(data)
    return _table_dataset(features, y, targets, category_columns, name=name, task=task,
                          seed=seed, test_size=test_size, val_size=val_size, metadata=metadata)


def _check_columns(df: pd.DataFrame, wanted: list, name: str) -> None:
    columns = [str(c) for c in df.columns]
    for col in wanted:
        if col not in df.columns:
            hint = closest(str(col), columns)
            raise InputValueError(
                f"{name}: no column {col!r}." + (f" Did you mean {hint!r}?" if hint else "")
                + f" Columns: {', '.join(columns)}."
            )


def _table_dataset(features: pd.DataFrame, y: Any, targets: list, category_columns: list, *,
                   name: str, task: str | None, seed: int | None, test_size: float,
                   val_size: float, metadata: dict) -> Dataset:
    """``categorical="model"``: encoded rows, and the spec learned on the training split."""
    # the splits first (rows by index), so the table's statistics come from the training rows
    # row numbers as two columns that float32 holds exactly (from_arrays casts to float32,
    # whose integers are exact up to 2**24 only): row = high * 4096 + low
    n = np.arange(len(features), dtype="int64")
    index = np.stack([n // 4096, n % 4096], axis=1).astype("float32")
    data = from_arrays(index, y, name=name, task=task, seed=seed, test_size=test_size,
                       val_size=val_size, metadata=metadata)
    rows = {part: (data.split(part)[0].astype("int64") * [4096, 1]).sum(axis=1)
            for part in ("train", "val", "test")}
    spec = TableSpec.learn(features.iloc[rows["train"]], categorical=category_columns,
                           target=targets, argument=name, categorical_argument="category_columns")
    encoded = spec.encode(features, name)
    data.x_train, data.x_val, data.x_test = (encoded[rows[p]] for p in ("train", "val", "test"))
    data.feature_names = spec.names
    data.metadata["table"] = spec.get_config()
    kwargs = data.metadata.setdefault("model_kwargs", {})
    kwargs["table"] = spec.get_config()
    if data.task in ("binary", "multiclass") and data.class_names:
        kwargs["classes"] = list(data.class_names)
    if data.task == "regression":
        kwargs["target_normalization"] = mean_variance(
            np.reshape(data.y_train, (len(data.y_train), -1)))
    return data


def _refuse_missing(features: pd.DataFrame, name: str, *, keep_possible: bool) -> None:
    nan_counts = features.isna().sum()
    numeric = features.select_dtypes(include=[np.number])
    inf_counts = np.isinf(numeric).sum() if not numeric.empty else pd.Series(dtype=int)
    bad = {c: (int(nan_counts.get(c, 0)), int(inf_counts.get(c, 0))) for c in features.columns
           if nan_counts.get(c, 0) or inf_counts.get(c, 0)}
    if not bad:
        return
    detail = "; ".join(
        f"{c!r} (" + ", ".join(f"{n} {k}" for n, k in zip(v, ("NaN", "inf")) if n) + ")"
        for c, v in bad.items())
    keep = ("missing='keep' (the default) lets the model impute missing values; "
            if keep_possible else "categorical='model' (the default) keeps missing values for "
            "the model to impute; ")
    raise InputValueError(
        f"{name}: features hold missing or infinite values: {detail}. {keep}or fill or drop "
        "them first (e.g. df.dropna() or df.fillna(...))."
    )


def from_csv(path: str | os.PathLike[str], target: str | Sequence[str], *, task: str | None = None,
             drop: Sequence[str] = (), categorical: str = "model",
             category_columns: Sequence[str] = (), missing: str = "keep",
             seed: int | None = 0, test_size: float = 0.2, val_size: float = 0.1,
             **read_csv_kwargs: Any) -> Dataset:
    """A :class:`Dataset` from a CSV file (see :func:`from_dataframe`: missing values and text
    columns go into the model by default).

    Extra keyword arguments go to ``pandas.read_csv`` (``sep=";"``, ``na_values=...``).

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file is empty, or any error of :func:`from_dataframe`.
    """
    path = os.fspath(path)
    df = read_csv_table(path, **read_csv_kwargs)
    name = os.path.splitext(os.path.basename(path))[0]
    return from_dataframe(df, target, task=task, drop=drop, categorical=categorical,
                          category_columns=category_columns, missing=missing, name=name,
                          seed=seed, test_size=test_size, val_size=val_size)


def _register() -> None:
    from keras_zoo.datasets.registry import register_dataset

    for name, (_, description) in SKLEARN_DATASETS.items():
        register_dataset(name, lambda _n=name, **kw: load_sklearn(_n, **kw), description)


_register()
