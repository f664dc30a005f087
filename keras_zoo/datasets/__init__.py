"""Loaders that turn real data into ready splits and fast tf.data pipelines.

Every loader returns a :class:`Dataset`: seeded train/val/test splits (stratified for class
labels), the task, classes, feature names, and ``Dataset.pipeline(split)`` for a cached,
prefetched ``tf.data.Dataset``.

Example:
    >>> import keras_zoo as kz
    >>> sorted(kz.datasets.list_datasets())[:3]
    ['breast_cancer', 'diabetes', 'digits']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from keras_zoo._utils import normalize_name, unknown_name_error, wildcard_filter
from keras_zoo.datasets.core import Dataset, from_arrays, make_splits
from keras_zoo.datasets.tabular import SKLEARN_DATASETS, from_csv, from_dataframe, load_sklearn

__all__ = ["Dataset", "load", "list_datasets", "register_dataset", "from_arrays", "from_csv",
           "from_dataframe", "make_splits"]


@dataclass(frozen=True)
class _DatasetInfo:
    name: str
    loader: Callable[..., Dataset]
    description: str
    kind: str


_DATASETS: dict[str, _DatasetInfo] = {}


def register_dataset(name: str, loader: Callable[..., Dataset], description: str,
                     kind: str = "tabular") -> None:
    """Make ``load(name, **kwargs)`` call ``loader(**kwargs)``."""
    _DATASETS[normalize_name(name)] = _DatasetInfo(normalize_name(name), loader, description, kind)


def list_datasets(pattern: str | None = None, *, kind: str | None = None) -> dict[str, str]:
    """Names of the datasets ``load`` knows, with a one-line description each."""
    names = [n for n, i in _DATASETS.items() if kind is None or i.kind == kind]
    return {n: _DATASETS[n].description for n in wildcard_filter(names, pattern)}


def load(name: str, **kwargs: Any) -> Dataset:
    """Load a named dataset as a :class:`Dataset`.

    Args:
        name: See :func:`list_datasets` (``breast_cancer``, ``iris``, ``wine``, ``digits``,
            ``diabetes``, ...).
        **kwargs: Loader options, e.g. ``seed=0``, ``test_size=0.2``, ``val_size=0.1``.
    """
    key = normalize_name(name)
    if key not in _DATASETS:
        raise unknown_name_error("dataset", name, _DATASETS, "name")
    return _DATASETS[key].loader(**kwargs)


for _name, (_loader, _description) in SKLEARN_DATASETS.items():
    register_dataset(_name, lambda _n=_name, **kw: load_sklearn(_n, **kw), _description)
