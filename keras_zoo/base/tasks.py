"""Tasks and labels: which task labels call for, and labels that contradict a task.

Both the model heads (``keras_zoo.zoo.heads``) and the loaders (``keras_zoo.datasets``) use these
rules, so they live below both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from keras_zoo.base.checks import check_choice
from keras_zoo.base.errors import InputValueError

__all__ = ["MAX_CLASSES", "TASKS", "check_labels", "infer_task"]

TASKS = ("binary", "multiclass", "multilabel", "regression")
MAX_CLASSES = 20
"""Integer-valued labels with at most this many distinct values are read as classes."""


def _as_array(y: Any) -> np.ndarray:
    if isinstance(y, (pd.Series, pd.DataFrame)):
        return y.to_numpy()
    return np.asarray(y)


def _is_integral(values: np.ndarray) -> bool:
    if values.dtype.kind in "biu":
        return True
    if values.dtype.kind == "f":
        finite = values[np.isfinite(values)]
        return finite.size > 0 and bool(np.all(np.equal(np.mod(finite, 1), 0)))
    return False


def infer_task(y: Any, max_classes: int = MAX_CLASSES) -> str:
    """Infer the task from labels.

    The rule, in order:

    1. 2-D labels with several columns: all 0/1 and every row summing to 1 -> ``multiclass``
       (one-hot); all 0/1 otherwise -> ``multilabel``; anything else -> ``regression``.
    2. Strings, booleans or categories -> ``binary`` for two distinct values, else ``multiclass``.
    3. Integer-valued numbers (int dtype, or floats with no fractional part) -> ``binary`` for two
       distinct values, ``multiclass`` for 3 to ``max_classes`` (default 20) distinct values.
    4. Anything else numeric -> ``regression``.

    Pass ``task=`` explicitly to any factory or loader to override this.

    Example:
        >>> infer_task([0, 1, 1, 0])
        'binary'
        >>> infer_task([0.5, 2.25, 3.0])
        'regression'
    """
    y = _as_array(y)
    if y.size == 0:
        raise InputValueError("Cannot infer the task from empty labels.")
    if y.ndim == 2 and y.shape[1] > 1:
        if y.dtype.kind in "biuf" and np.isin(y, (0, 1)).all():
            return "multiclass" if np.all(y.sum(axis=1) == 1) else "multilabel"
        return "regression"
    y = y.reshape(-1)
    if y.dtype.kind in "OUSb" or isinstance(y.dtype, pd.CategoricalDtype):
        n = len(pd.unique(y))
        return "binary" if n == 2 else "multiclass"
    if _is_integral(y):
        n = len(np.unique(y))
        if n <= 2:
            return "binary"
        if n <= max_classes:
            return "multiclass"
    return "regression"


def check_labels(y: Any, task: str) -> None:
    """Refuse labels that contradict the task (continuous labels for a classifier, ...)."""
    check_choice("task", task, TASKS)
    y = _as_array(y)
    if y.size == 0:
        raise InputValueError("The labels are empty.")
    if task == "regression":
        if y.dtype.kind not in "biuf":
            raise InputValueError(
                f"task='regression' needs numeric targets; these are of dtype {y.dtype}. "
                "Use task='binary' or 'multiclass' for class labels."
            )
        return
    if y.dtype.kind == "f" and not _is_integral(y):
        raise InputValueError(
            f"task={task!r} needs class labels, but the labels are continuous (e.g. "
            f"{y.reshape(-1)[~np.equal(np.mod(y.reshape(-1), 1), 0)][:3].tolist()}). "
            "Use task='regression' for continuous targets."
        )
    if task == "binary" and y.ndim == 1:
        n = len(pd.unique(y))
        if n > 2:
            raise InputValueError(
                f"task='binary' needs two classes; the labels have {n}. Use task='multiclass'."
            )
