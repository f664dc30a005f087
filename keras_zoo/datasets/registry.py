"""Named datasets: ``load(name)``, ``list_datasets()``, ``register_dataset``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from keras_zoo.base import normalize_name, unknown_name_error, wildcard_filter
from keras_zoo.datasets.core import Dataset

__all__ = ["list_datasets", "load", "register_dataset"]


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    loader: Callable[..., Dataset]
    description: str
    kind: str


_DATASETS: dict[str, DatasetInfo] = {}


def register_dataset(name: str, loader: Callable[..., Dataset], description: str,
                     kind: str = "tabular") -> None:
    """Make ``load(name, **kwargs)`` call ``loader(**kwargs)``.

    ``kind`` is ``"tabular"``, ``"image"``, ``"text"`` or ``"pairs"`` (parallel corpora).
    """
    _DATASETS[normalize_name(name)] = DatasetInfo(normalize_name(name), loader, description, kind)


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
