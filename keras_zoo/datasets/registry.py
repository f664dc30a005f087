"""Named datasets: ``load(name)``, ``list_datasets()``, ``register_dataset``."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from keras_zoo.base import normalize_name, unknown_name_error, wildcard_filter
from keras_zoo.base.errors import InputValueError
from keras_zoo.datasets.core import Dataset

__all__ = ["columns_note", "list_datasets", "load", "names_a_file", "register_dataset"]


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
        if names_a_file(name):
            raise InputValueError(
                f"Unknown dataset {name!r}: `load` takes a registered name (list_datasets()); "
                f"a CSV file loads with kz.datasets.from_csv({name!r}, target='COLUMN')"
                f"{columns_note(name)}. Received: name={name!r}")
        raise unknown_name_error("dataset", name, _DATASETS, "name")
    return _DATASETS[key].loader(**kwargs)


def names_a_file(name: str) -> bool:
    """Whether ``name`` is a file's rather than a registered dataset's: it ends in ``.csv``
    (or ``.tsv``, ``.txt``) or names an existing file, and no dataset is registered under it."""
    if not isinstance(name, str) or normalize_name(name) in _DATASETS:
        return False
    return name.lower().endswith((".csv", ".tsv", ".txt")) or os.path.isfile(name)


def columns_note(path: str, shown: int = 30) -> str:
    """`` (its columns: a, b, c)``: the header of the CSV file at ``path`` (pandas reads no
    rows), for a message that tells which ``target`` to pick; nothing when there is no such file
    or it does not read as CSV."""
    import pandas as pd

    if not os.path.isfile(path):
        return ""
    try:
        columns = [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except (ValueError, OSError):  # pandas' parser, decoding and empty-file errors
        return ""
    if not columns:
        return ""
    more = f", ... ({len(columns)} in all)" if len(columns) > shown else ""
    return f" (its columns: {', '.join(columns[:shown])}{more})"
