"""Raw tables as model inputs: what each column holds (:class:`TableSpec`), and rows encoded for
a model's graph.

A :class:`TableSpec` is learned on the training rows (:meth:`TableSpec.learn`) and travels with
the model (its config is plain JSON), so a saved model takes raw rows: a pandas DataFrame, a dict
of columns or a list of dict records. :meth:`TableSpec.encode` turns them into *encoded rows*,
the float32 matrix the model's graph takes, one column per table column in the spec's order:

* a number (float, integer or boolean column): its value, ``NaN`` where it is missing;
* a category (text, pandas ``category``, or a column named in ``categorical=``): ``1 + `` its
  index in the column's categories, ``0`` where the value is missing or was never seen in
  training (one bucket for both: a model has learned nothing about an unseen category).

The model's first layer (``keras_zoo.zoo.layers.TablePreprocessing``) does the rest inside the
graph, with Keras' own layers: ``Normalization`` with the training statistics, missing numbers
imputed with the training mean plus a missing-indicator for columns that had missing values in
training, and ``CategoryEncoding`` (one-hot) or ``Embedding`` for categories.

Why the text -> id step is written here and not with ``keras.layers.StringLookup``: string
tensors exist only on the TensorFlow backend, so on JAX and PyTorch a lookup layer would have to
run outside the graph anyway; a dict lookup in NumPy is the same code on every backend, keeps the
vocabulary in the model's JSON config, and needs no TensorFlow at prediction time.

Dates (``datetime64`` columns and Python date objects) are refused with the fix (turn them into
numbers, e.g. ``df[c].dt.year``); complex numbers and containers (lists, dicts) likewise. An
object column of numbers (``Decimal`` from a database, a dict of columns with ``None``) is a
number column. A whole number that names a category is written without a decimal point, so a
code column read as floats in training (it had a gap) and as integers later encodes the same.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.base.names import closest

__all__ = ["MAX_CATEGORIES", "Column", "TableSpec", "as_frame", "mean_variance"]

MAX_CATEGORIES = 1000
"""Categories kept per column (the most frequent); rarer ones share the unseen bucket."""
_SHOWN = 5


def mean_variance(values: Any) -> tuple[list[float], list[float]]:
    """Per column (axis 0) mean and variance of ``values``, ignoring NaN; a column that is
    constant up to rounding gets variance 0 (scikit-learn's rule for ``StandardScaler``: a float
    column of 0.1s has a variance of 7.7e-34, not 0, and ``x / sqrt(var)`` would then turn a new
    0.2 into about 1e15), which ``Normalization`` layers here take as 1."""
    a = np.asarray(values, dtype="float64")
    a = a.reshape(len(a), -1)
    n = np.maximum((~np.isnan(a)).sum(axis=0), 1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: mean 0, variance 0
        mean = np.nan_to_num(np.nanmean(a, axis=0))
        variance = np.nan_to_num(np.nanvar(a, axis=0))
    eps = np.finfo("float64").eps
    constant = variance <= n * eps * variance + (n * mean * eps) ** 2
    variance = np.where(constant, 0.0, variance)
    return mean.tolist(), variance.tolist()


def _listed(values: Sequence[Any], shown: int = _SHOWN) -> str:
    values = list(values)
    more = f", ... ({len(values)} in all)" if len(values) > shown else ""
    return ", ".join(repr(v) for v in values[:shown]) + more


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a table, as learned on the training rows.

    Attributes:
        name: The column's name.
        kind: ``"number"`` or ``"category"``.
        source: What it held in training: ``"float"``, ``"int"``, ``"bool"``, ``"text"``,
            ``"category"`` (a pandas categorical) or ``"empty"`` (no value at all: a category
            column without categories, every value in the missing bucket).
        missing: Training rows without a value. A number column with missing values gets a
            missing-indicator input in the model.
        mean, variance: A number column's statistics over the training values it has.
        categories: A category column's kept values (as strings, sorted), id ``1 + index``.
        seen: Distinct values in training (more than ``categories`` when some were cut).
    """

    name: str
    kind: str
    source: str
    missing: int = 0
    mean: float = 0.0
    variance: float = 1.0
    categories: tuple[str, ...] = ()
    seen: int = 0

    def describe(self, rows: int) -> str:
        """One line for a dataset summary."""
        missing = f", {self.missing} missing ({self.missing / max(rows, 1):.1%})" if self.missing \
            else ""
        if self.source == "empty":
            return f"{self.name}: empty in training (every value is taken as missing)"
        if self.kind == "number":
            return (f"{self.name}: number ({self.source}), mean {self.mean:.4g}, "
                    f"std {np.sqrt(self.variance):.4g}{missing}")
        cut = f", {self.seen - len(self.categories)} rare ones unseen" if \
            self.seen > len(self.categories) else ""
        return (f"{self.name}: category ({self.source}), {len(self.categories)} values "
                f"[{_listed(self.categories)}]{cut}{missing}")


def as_frame(rows: Any, argument: str = "x") -> pd.DataFrame:
    """Raw rows as a DataFrame: a DataFrame (as is), a dict of columns, a list of dict records,
    or a pandas Series (one row, indexed by column).

    Raises:
        InputTypeError: Anything else (the message lists what is accepted).
    """
    if isinstance(rows, pd.DataFrame):
        return rows
    if isinstance(rows, pd.Series):
        return rows.to_frame().T.infer_objects()
    if isinstance(rows, Mapping):
        try:
            return pd.DataFrame({str(k): np.asarray(v).reshape(-1) if np.ndim(v) else [v]
                                 for k, v in rows.items()}).infer_objects()
        except ValueError as err:
            raise InputValueError(f"`{argument}`: the columns of a dict of columns must have the "
                                  f"same length ({err}).") from None
    if isinstance(rows, (list, tuple)) and rows and all(isinstance(r, Mapping) for r in rows):
        return pd.DataFrame.from_records(list(rows)).infer_objects()
    raise InputTypeError(
        f"`{argument}` must hold table rows: a pandas DataFrame, a dict of columns "
        "({'age': [...], 'plan': [...]}) or a list of dict records ([{'age': 31, 'plan': "
        f"'gold'}}, ...]). Received: {type(rows).__name__}")


def _number_values(series: pd.Series, column: str, argument: str) -> np.ndarray:
    """A column as float64 (NaN where missing); text that is not a number, infinities and dates
    are refused naming the column."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise InputValueError(_dates(column, dtype))
    if pd.api.types.is_bool_dtype(dtype) or (pd.api.types.is_numeric_dtype(dtype)
                                             and not pd.api.types.is_complex_dtype(dtype)):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    else:
        present = series.notna().to_numpy()
        converted = pd.to_numeric(series, errors="coerce")
        bad = present & converted.isna().to_numpy()
        if bad.any():
            examples = sorted({str(v) for v in series[bad].tolist()})
            raise InputValueError(
                f"`{argument}`: column {column!r} holds numbers in training, but here "
                f"{int(bad.sum())} value(s) are not numbers: {_listed(examples)}. Pass numbers "
                f"(missing values as NaN or None). Received: {argument}[{column!r}] of dtype "
                f"{dtype}")
        values = converted.to_numpy(dtype="float64", na_value=np.nan)
    infinite = np.isinf(values)
    if infinite.any():
        raise InputValueError(
            f"`{argument}`: column {column!r} holds {int(infinite.sum())} infinite value(s); "
            "a value is a number or missing (NaN/None). Replace them, e.g. "
            "df.replace([np.inf, -np.inf], np.nan).")
    return values


def _dates(column: str, dtype: Any) -> str:
    return (f"Column {column!r} holds dates or durations ({dtype}), which a model cannot take "
            f"as they are. Turn them into numbers first, e.g. df[{column + '_year'!r}] = "
            f"df[{column!r}].dt.year (and .dt.month, .dt.dayofweek ...), or "
            f"(df[{column!r}] - df[{column!r}].min()).dt.days; then drop the column "
            f"(drop=[{column!r}]).")


def _category_name(value: Any) -> str:
    """One category's name: its text; a whole number is written without a decimal point, so
    the code 1 is "1" whether its column was read as integers or, with a gap, as floats."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


def _category_names(series: pd.Series) -> pd.Series:
    """A category column's values as names (:func:`_category_name`; missing ones stay missing)."""
    present = series.notna()
    names = series.astype(object).where(present, None)
    return names.map(lambda v: v if v is None else _category_name(v))


_OBJECTS = (list, tuple, dict, set)


def _object_kind(series: pd.Series, column: str) -> str:
    """An object column's values: ``"number"`` (all numbers, e.g. ``Decimal`` from a database),
    ``"text"``; dates and containers are refused with the fix."""
    import datetime
    import decimal

    values = series.dropna().tolist()
    if any(isinstance(v, (datetime.date, datetime.time, datetime.timedelta, np.datetime64,
                          np.timedelta64, pd.Timestamp, pd.Timedelta)) for v in values):
        raise InputValueError(_dates(column, "Python date or time objects"))
    if any(isinstance(v, _OBJECTS) for v in values):
        kind = next(type(v).__name__ for v in values if isinstance(v, _OBJECTS))
        raise InputValueError(f"Column {column!r} holds Python {kind}s, which a model cannot take; "
                              f"turn them into numbers or text, or drop it (drop=[{column!r}]).")
    numbers = (int, float, decimal.Decimal, np.number)
    if values and all(isinstance(v, numbers) and not isinstance(v, (bool, np.bool_))
                      for v in values):
        return "number"
    return "text"


def _source(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    return "text"


@dataclasses.dataclass(frozen=True)
class TableSpec:
    """The columns a table model takes, learned on its training rows (see the module docstring).

    Attributes:
        columns: One :class:`Column` per input column, in the encoded rows' order.
        target: The target column(s) the rows were learned beside, if known: :meth:`encode`
            ignores them when present, so a model predicts on a frame that still holds them.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"age": [31, None, 45, 52], "plan": ["gold", "basic", None, "gold"]})
        >>> spec = TableSpec.learn(df)
        >>> [(c.name, c.kind, c.missing) for c in spec.columns]
        [('age', 'number', 1), ('plan', 'category', 1)]
        >>> spec.encode([{"age": 40, "plan": "gold"}, {"age": None, "plan": "platinum"}]).tolist()
        [[40.0, 2.0], [nan, 0.0]]
    """

    columns: tuple[Column, ...]
    target: tuple[str, ...] = ()

    # --- learning --------------------------------------------------------------------------

    @classmethod
    def learn(cls, rows: Any, *, categorical: Sequence[str] = (), target: Sequence[str] = (),
              max_categories: int = MAX_CATEGORIES, argument: str = "x",
              categorical_argument: str = "categorical") -> TableSpec:
        """The spec of these training rows.

        Args:
            rows: A DataFrame, a dict of columns or a list of dict records (the features only).
            categorical: Columns to take as categories although they hold numbers (integer
                codes such as a region number); text and pandas ``category`` columns always are.
            target: The target column name(s), recorded so that :meth:`encode` skips them.
            max_categories: Categories kept per column, the most frequent first; the rest
                share the unseen bucket.

        Raises:
            InputValueError: No columns, a date column, a column of other objects, or an
                unknown name in ``categorical``.
        """
        frame = as_frame(rows, argument)
        if frame.shape[1] == 0:
            raise InputValueError(f"`{argument}` has no columns to learn from.")
        if not isinstance(max_categories, (int, np.integer)) or max_categories < 1:
            raise InputValueError("`max_categories` must be a positive integer. "
                                  f"Received: max_categories={max_categories!r}")
        names = [str(c) for c in frame.columns]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise InputValueError(f"`{argument}` has columns with the same name: {_listed(twice)}. "
                                  "Rename them.")
        categorical = [str(c) for c in ([categorical] if isinstance(categorical, str)
                                        else categorical)]
        for name in categorical:
            if name not in names:
                hint = closest(name, names)
                raise InputValueError(
                    f"`{categorical_argument}` names no feature column of the table: {name!r}."
                    + (f" Did you mean {hint!r}?" if hint else "")
                    + f" Feature columns: {_listed(names, 20)}")
        columns = []
        for raw, name in zip(frame.columns, names):
            series = frame[raw]
            dtype, missing = series.dtype, int(series.isna().sum())
            if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
                    dtype):
                raise InputValueError(_dates(name, dtype))
            numeric = (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)) \
                and not isinstance(dtype, pd.CategoricalDtype)
            if dtype == object and not numeric:
                numeric = _object_kind(series, name) == "number"
            if missing == len(series):  # nothing to learn from: every value shares bucket 0
                columns.append(Column(name, "category", "empty", missing))
                continue
            if pd.api.types.is_complex_dtype(dtype):
                raise InputValueError(f"Column {name!r} holds complex numbers ({dtype}); split them "
                                      f"into real and imaginary parts, or drop it.")
            if numeric and name not in categorical:
                (mean,), (variance,) = mean_variance(_number_values(series, name, argument))
                columns.append(Column(name, "number", _source(dtype), missing, mean, variance))
                continue
            labels = _category_names(series)
            counts = labels.dropna().value_counts()
            ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            kept = tuple(sorted(str(k) for k, _ in ordered[:max_categories]))
            columns.append(Column(name, "category", _source(dtype), missing, categories=kept,
                                  seen=len(counts)))
        return cls(tuple(columns), tuple(str(t) for t in target))

    # --- encoding --------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def encode(self, rows: Any, argument: str = "x") -> np.ndarray:
        """Raw rows -> the encoded float32 matrix (see the module docstring).

        Columns are matched by name, in any order; the target column(s) are skipped when present.

        Raises:
            InputValueError: A column missing or one the model does not know (each named, with
                the known ones), or a number column holding text.
            InputTypeError: Rows in a form that is not accepted (see :func:`as_frame`).
        """
        frame = as_frame(rows, argument)
        given = {str(c): c for c in frame.columns}
        if len(given) != frame.shape[1]:
            twice = sorted({str(c) for c in frame.columns
                            if [str(d) for d in frame.columns].count(str(c)) > 1})
            raise InputValueError(f"`{argument}` has columns with the same name: {_listed(twice)}. "
                                  "Rename them.")
        names = self.names
        missing = [n for n in names if n not in given]
        extra = [n for n in given if n not in names and n not in self.target]
        if missing or extra:
            parts = []
            if missing:
                hints = {n: closest(n, list(given)) for n in missing}
                parts.append("missing column(s) " + ", ".join(
                    repr(n) + (f" (is {hints[n]!r} it?)" if hints[n] else "") for n in missing))
            if extra:
                parts.append(f"column(s) the model was not trained on: {_listed(extra, 20)} "
                             "(drop them)")
            raise InputValueError(
                f"`{argument}` does not have the model's columns: {'; '.join(parts)}. The model "
                f"takes: {_listed(names, 40)}.")
        out = np.empty((len(frame), len(self.columns)), dtype="float32")
        for j, column in enumerate(self.columns):
            series = frame[given[column.name]]
            if column.kind == "number":
                out[:, j] = _number_values(series, column.name, argument)
            else:
                index = {name: i + 1 for i, name in enumerate(column.categories)}
                labels = _category_names(series)
                out[:, j] = np.fromiter((index.get(v, 0) if v is not None else 0 for v in labels),
                                        dtype="float32", count=len(labels))
        return out

    def __len__(self) -> int:
        return len(self.columns)

    # --- config ----------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """Plain JSON (part of a model's config)."""
        return {"columns": [dict(dataclasses.asdict(c), categories=list(c.categories))
                            for c in self.columns], "target": list(self.target)}

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | TableSpec) -> TableSpec:
        if isinstance(config, TableSpec):
            return config
        if not isinstance(config, Mapping) or not isinstance(config.get("columns"), list):
            raise InputTypeError("`table` must be a TableSpec or its get_config() dict (as "
                                 "Dataset.model_kwargs() gives it). Received: "
                                 f"{type(config).__name__}")
        columns = []
        for entry in config["columns"]:
            entry = dict(entry)
            entry["categories"] = tuple(str(c) for c in entry.get("categories", ()))
            try:
                columns.append(Column(**entry))
            except TypeError as err:
                raise InputValueError(f"`table`: a column entry is not valid ({err}). Received: "
                                      f"{entry!r}") from None
            if columns[-1].kind not in ("number", "category"):
                raise InputValueError(f"`table`: column {columns[-1].name!r} has kind "
                                      f"{columns[-1].kind!r}; 'number' or 'category' is accepted.")
        return cls(tuple(columns), tuple(str(t) for t in config.get("target", ())))

    def describe(self, rows: int) -> list[str]:
        """One line per column (for ``Dataset.summary()``)."""
        return [column.describe(rows) for column in self.columns]
