"""Loaders that turn real data into ready splits and fast tf.data pipelines.

Every loader returns a :class:`Dataset`: seeded train/val/test splits (stratified for class
labels), the task, classes, feature names, and ``Dataset.pipeline(split)`` for a cached,
prefetched ``tf.data.Dataset``.

Example:
    >>> import keras_zoo as kz
    >>> {"breast_cancer", "digits", "mnist"} <= set(kz.datasets.list_datasets())
    True
"""

from __future__ import annotations

# Loaders register themselves on import.
from keras_zoo.datasets import images, text  # noqa: F401  (after the registry exists)
from keras_zoo.datasets.core import Dataset, DatasetDownloadError, from_arrays, make_splits
from keras_zoo.datasets.images import from_folder, from_images
from keras_zoo.datasets.registry import list_datasets, load, register_dataset
from keras_zoo.datasets.tabular import from_csv, from_dataframe
from keras_zoo.datasets.text import (
    from_texts,
    pairs_from_lists,
    pairs_from_tsv,
    text_from_csv,
    text_from_dataframe,
    text_from_folder,
)

__all__ = [
    "Dataset",
    "DatasetDownloadError",
    "from_arrays",
    "from_csv",
    "from_dataframe",
    "from_folder",
    "from_images",
    "from_texts",
    "list_datasets",
    "load",
    "make_splits",
    "pairs_from_lists",
    "pairs_from_tsv",
    "register_dataset",
    "text_from_csv",
    "text_from_dataframe",
    "text_from_folder",
]
