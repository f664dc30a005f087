"""Raw tables in the scikit-learn estimators: what decides that ``X`` goes into the network as a
table, and the scaler of ``ann_pipeline`` that leaves text columns alone.

``ANNClassifier``/``ANNRegressor`` take a DataFrame as it is, as scikit-learn's
``HistGradientBoosting*`` do with ``categorical_features="from_dtype"``: when ``X`` has a column
that is not numeric (text, pandas ``category``) or a missing value, the estimator learns a
:class:`~keras_zoo.base.table.TableSpec` on it (``table_``) and its network starts with
:class:`~keras_zoo.zoo.layers.table.TablePreprocessing`; ``predict`` encodes new rows with the
same spec (unseen categories share the missing bucket). A NumPy array with ``NaN`` is a table of
number columns ``x0, x1, ...``. Other ``X`` trains as before (``table_`` is ``None``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from keras_zoo.base.table import TableSpec

__all__ = ["NumericScaler", "as_table_frame", "needs_table"]


def as_table_frame(X: Any, names: list[str] | None = None) -> pd.DataFrame | None:
    """``X`` as a DataFrame when it can be a table (a DataFrame, or a 2-D array), else ``None``;
    an array's columns are named ``x0, x1, ...`` (or ``names``)."""
    if isinstance(X, pd.DataFrame):
        return X
    try:
        array = np.asarray(X)
    except (TypeError, ValueError):
        return None
    if array.ndim != 2:
        return None
    return pd.DataFrame(array, columns=names or [f"x{i}" for i in range(array.shape[1])])


def needs_table(X: Any) -> bool:
    """Whether ``X`` holds a non-numeric column or a missing value (see the module docstring)."""
    if isinstance(X, pd.DataFrame):
        numeric = all(pd.api.types.is_numeric_dtype(t) and not isinstance(t, pd.CategoricalDtype)
                      or pd.api.types.is_bool_dtype(t) for t in X.dtypes)
        return not numeric or bool(X.isna().to_numpy().any())
    if hasattr(X, "toarray") or hasattr(X, "__array_namespace__") and not isinstance(
            X, np.ndarray):
        return False  # sparse matrices and other array libraries: the numeric path decides
    try:
        array = np.asarray(X)
    except (TypeError, ValueError):
        return False
    if array.ndim != 2 or array.size == 0:
        return False
    if array.dtype.kind in "fc":
        return bool(np.isnan(array).any())
    return array.dtype.kind in "OUS" and any(isinstance(v, (str, bytes, np.str_, np.bytes_))
                                             for v in array.ravel()[:1000])


def learn_table(X: Any) -> TableSpec:
    return TableSpec.learn(as_table_frame(X), argument="X")


class NumericScaler(TransformerMixin, BaseEstimator):
    """``StandardScaler`` on the number columns of a DataFrame, the others passed through
    unchanged (the network's own first layer encodes them); on an array, on every column.

    ``ann_pipeline``'s default ``scaler="standard"``. Written here because scikit-learn's
    ``ColumnTransformer`` selects columns by dtype only on DataFrames, and the pipeline takes
    arrays too. Missing values stay missing (``StandardScaler`` ignores them when fitting).

    Attributes:
        scaler_: The fitted ``StandardScaler``.
        columns_: The scaled columns of a DataFrame (``None`` for an array).
    """

    def fit(self, X: Any, y: Any = None) -> NumericScaler:
        validate_data(self, X, reset=True, skip_check_array=True)  # feature names and count
        if isinstance(X, pd.DataFrame):
            self.columns_ = [c for c, t in X.dtypes.items()
                             if pd.api.types.is_numeric_dtype(t)
                             and not pd.api.types.is_bool_dtype(t)
                             and not isinstance(t, pd.CategoricalDtype)]
            self.scaler_ = StandardScaler().fit(X[self.columns_]) if self.columns_ else None
        else:
            self.columns_ = None
            self.scaler_ = StandardScaler().fit(X)
        return self

    def transform(self, X: Any) -> Any:
        check_is_fitted(self, "scaler_")
        validate_data(self, X, reset=False, skip_check_array=True)
        if self.columns_ is None:
            return self.scaler_.transform(X)
        if not isinstance(X, pd.DataFrame):
            raise TypeError("NumericScaler was fitted on a DataFrame; transform one too "
                            f"(with columns {self.columns_!r}). Received: {type(X).__name__}")
        out = X.copy()
        if self.columns_:
            out[self.columns_] = self.scaler_.transform(X[self.columns_])
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input's column names: every column comes out, in its place."""
        check_is_fitted(self, "scaler_")
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
