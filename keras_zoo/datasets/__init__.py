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

from keras_zoo.datasets.core import Dataset, from_arrays, make_splits
from keras_zoo.datasets.registry import list_datasets, load, register_dataset
from keras_zoo.datasets.tabular import from_csv, from_dataframe

# Loaders register themselves on import.
from keras_zoo.datasets import images, text  # noqa: E402,F401  (after the registry exists)

__all__ = ["Dataset", "load", "list_datasets", "register_dataset", "from_arrays", "from_csv",
           "from_dataframe", "make_splits"]
