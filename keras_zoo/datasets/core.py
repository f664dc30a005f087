"""The one ``Dataset`` type every loader returns, and the split/validation helpers loaders share."""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from keras_zoo.base import check_choice, check_fraction, check_seed
from keras_zoo.base.errors import InputFileError, InputValueError
from keras_zoo.base.tasks import TASKS, check_labels, infer_task


class DatasetDownloadError(InputFileError):
    """A dataset is not in the Keras cache and could not be downloaded (offline, blocked ...).

    The message names the URL and the path to put the file at by hand. A ``FileNotFoundError``,
    so ``except FileNotFoundError`` catches it too.
    """

SPLITS = ("train", "val", "test")


@dataclass
class Dataset:
    """Ready-to-fit splits plus what a model needs to know about them.

    Attributes:
        name: Dataset name.
        task: ``binary``, ``multiclass``, ``multilabel`` or ``regression``.
        x_train, y_train, x_val, y_val, x_test, y_test: The splits (NumPy arrays). Class labels
            are integers ``0..num_classes-1`` (names in ``class_names``).
        num_classes: Number of classes (``None`` for regression).
        class_names: Class names, index = label.
        feature_names: Column names of tabular features.
        metadata: Anything else a loader knows (source, image max value, vocabulary ...).
            ``metadata["model_kwargs"]`` holds factory arguments the data implies.

    Example:
        >>> import keras_zoo as kz
        >>> data = kz.datasets.load("iris", seed=0)
        >>> data.task, data.num_classes, data.x_train.shape[1]
        ('multiclass', 3, 4)
    """

    name: str
    task: str
    x_train: Any
    y_train: np.ndarray
    x_val: Any
    y_val: np.ndarray
    x_test: Any
    y_test: np.ndarray
    num_classes: int | None = None
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    # --- shapes and sizes ----------------------------------------------------------------------

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample (without the batch axis)."""
        return tuple(np.shape(self.x_train)[1:])

    @property
    def input_dim(self) -> int:
        """Number of features of a tabular dataset."""
        shape = self.input_shape
        return int(np.prod(shape)) if shape else 1

    def sizes(self) -> dict[str, int]:
        """Samples per split."""
        return {s: len(self.split(s)[1]) for s in SPLITS}

    def split(self, name: str) -> tuple[Any, np.ndarray]:
        """``(x, y)`` of ``"train"``, ``"val"`` (alias ``"validation"``) or ``"test"``."""
        name = "val" if name == "validation" else name
        check_choice("split", name, SPLITS)
        return getattr(self, f"x_{name}"), getattr(self, f"y_{name}")

    @property
    def table(self) -> Any:
        """A raw table's :class:`~keras_zoo.base.table.TableSpec` (``from_csv``/``from_dataframe``
        with ``categorical="model"``), else ``None``: ``data.table.encode(new_rows)`` gives the
        encoded rows the splits hold."""
        from keras_zoo.base.table import TableSpec

        config = self.metadata.get("table")
        return None if config is None else TableSpec.from_config(config)

    # --- models -----------------------------------------------------------------------------

    def model_kwargs(self, factory: Callable[..., Any] | None = None) -> dict[str, Any]:
        """The factory arguments this data implies (input size, task, classes ...).

        With a ``factory``, only the arguments it accepts are returned, so
        ``factory(**data.model_kwargs(factory))`` builds a model that fits the data.
        """
        kwargs: dict[str, Any] = {"task": self.task, "input_shape": self.input_shape,
                                  "input_dim": self.input_dim}
        if self.task in ("multiclass", "multilabel"):
            kwargs["num_classes"] = self.num_classes
        if self.task == "regression" and np.ndim(self.y_train) == 2:
            kwargs["num_outputs"] = int(np.shape(self.y_train)[1])
        kwargs.update(self.metadata.get("model_kwargs", {}))
        if factory is None:
            return kwargs
        params = inspect.signature(factory).parameters
        if any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return kwargs
        if "table" in kwargs and "table" not in params:
            raise InputValueError(
                f"{self.name!r} holds a raw table's encoded rows (missing values as NaN, "
                f"categories as ids), which only a factory taking `table=` (kz.zoo.ann) can "
                f"learn from; {getattr(factory, '__name__', factory)}() takes no `table`. Load "
                "the table with categorical='onehot' (and missing='refuse', or fill the gaps) "
                "for a factory of numbers.")
        return {k: v for k, v in kwargs.items() if k in params}

    # --- tf.data ----------------------------------------------------------------------------

    def pipeline(self, split: str = "train", *, batch_size: int = 32, shuffle: bool | None = None,
                 seed: int | None = None, repeat: bool = False, cache: bool = True,
                 drop_remainder: bool = False):
        """A cached, prefetched ``tf.data.Dataset`` of ``(x, y)`` batches for one split.

        A ``tf.data`` pipeline on every Keras backend (it needs TensorFlow installed, as
        keras-zoo does): Keras' ``fit``/``evaluate``/``predict`` take it on JAX and PyTorch too,
        converting each batch. For the fastest training on any backend, pass the NumPy splits
        to :func:`keras_zoo.zoo.fit` instead.

        Args:
            split: ``"train"``, ``"val"`` or ``"test"``.
            batch_size: Samples per batch.
            shuffle: Reshuffle every epoch; defaults to ``True`` for ``"train"`` only.
            seed: Shuffle seed.
            repeat: Repeat forever (then pass ``steps_per_epoch`` to ``fit``).
            cache: Cache the elements in memory after the first pass.
            drop_remainder: Drop the last, smaller batch.
        """
        import tensorflow as tf

        x, y = self.split(split)
        if len(y) == 0:
            raise InputValueError(f"The {split!r} split of {self.name!r} is empty.")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise InputValueError(f"`batch_size` must be a positive integer. Received: {batch_size!r}")
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        if cache:
            ds = ds.cache()
        if shuffle if shuffle is not None else split == "train":
            ds = ds.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(int(batch_size), drop_remainder=drop_remainder)
        if repeat:
            ds = ds.repeat()
        return ds.prefetch(tf.data.AUTOTUNE)

    # --- display ----------------------------------------------------------------------------

    def summary(self) -> str:
        """A few lines on what this dataset holds."""
        sizes = self.sizes()
        lines = [
            f"Dataset {self.name!r}: task={self.task}, input_shape={self.input_shape}",
            f"  splits: train={sizes['train']}, val={sizes['val']}, test={sizes['test']}",
        ]
        if self.num_classes:
            names = ", ".join(map(str, (self.class_names or [])[:10]))
            lines.append(f"  classes ({self.num_classes}): {names}")
        table = self.table
        if table is not None:
            lines.append(f"  columns ({len(table)}; counts from the training split):")
            lines += [f"    {line}" for line in table.describe(sizes["train"])]
        elif self.feature_names:
            more = "" if len(self.feature_names) <= 8 else f", ... ({len(self.feature_names)})"
            lines.append(f"  features: {', '.join(self.feature_names[:8])}{more}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        sizes = self.sizes()
        return (f"Dataset(name={self.name!r}, task={self.task!r}, input_shape={self.input_shape}, "
                f"num_classes={self.num_classes}, train={sizes['train']}, val={sizes['val']}, "
                f"test={sizes['test']})")


# === Helpers for loaders ===

def check_finite(x: np.ndarray, names: list[str] | None, what: str = "features") -> None:
    """Raise naming every column that holds NaN or inf, with counts."""
    if x.dtype.kind not in "fc":
        return
    flat = x.reshape(len(x), -1)
    bad_nan = np.isnan(flat).sum(axis=0)
    bad_inf = np.isinf(flat).sum(axis=0)
    if not bad_nan.any() and not bad_inf.any():
        return
    names = names if names and len(names) == flat.shape[1] else [f"column {i}" for i in
                                                                   range(flat.shape[1])]
    parts = []
    for i, name in enumerate(names):
        if bad_nan[i] or bad_inf[i]:
            counts = [f"{n} {kind}" for n, kind in ((bad_nan[i], "NaN"), (bad_inf[i], "inf")) if n]
            parts.append(f"{name!r} ({', '.join(counts)})")
    raise InputValueError(
        f"The {what} hold missing or infinite values: {'; '.join(parts)}. Fill or drop them first "
        "(e.g. df.dropna() or df.fillna(...))."
    )


def encode_labels(y: Any, task: str) -> tuple[np.ndarray, list[str] | None]:
    """Class labels -> ints 0..K-1 (with names); regression targets -> float32."""
    y = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if task == "regression":
        return y.astype("float32"), None
    if task == "multilabel":
        return y.astype("float32"), [str(i) for i in range(y.shape[1])]
    if y.ndim == 2:  # one-hot
        return np.argmax(y, axis=1).astype("int32"), [str(i) for i in range(y.shape[1])]
    classes, encoded = np.unique(y, return_inverse=True)
    return encoded.astype("int32"), [str(c) for c in classes]


def split_sizes(n: int, test_size: float, val_size: float) -> tuple[int, int, int]:
    """The (train, val, test) sizes :func:`make_splits` gives ``n`` samples: each held-out part
    is rounded up, as scikit-learn's ``train_test_split`` does, so a fraction > 0 takes at least
    one sample."""
    test = math.ceil(test_size * n) if test_size else 0
    rest = n - test
    fraction = val_size / (1.0 - test_size) if val_size else 0.0
    val = math.ceil(fraction * rest) if fraction and rest > 0 else 0
    return rest - val, val, test


def _check_enough_samples(n: int, test_size: float, val_size: float, name: str) -> None:
    if split_sizes(n, test_size, val_size)[0] >= 1:
        return
    needed = n + 1
    while split_sizes(needed, test_size, val_size)[0] < 1:
        needed += 1
    held = [part for part, size in (("validation", val_size), ("test", test_size)) if size]
    parts = " and ".join([", ".join(["train", *held[:-1]]), *held[-1:]])
    raise InputValueError(
        f"{name}: {n} sample(s) (rows) are too few to split into {parts} sets "
        f"(test_size={test_size}, val_size={val_size}: each held-out split takes at least one "
        f"row, and one must be left to train on), so at least {needed} are needed. Add rows or "
        f"lower test_size/val_size (0 turns a split off). Received: {n} sample(s)")


def make_splits(x: Any, y: np.ndarray, *, task: str, test_size: float = 0.2,
                val_size: float = 0.1, seed: int | None = 0,
                name: str = "the data") -> tuple[Any, ...]:
    """Seeded train/val/test splits, stratified for class labels when every class allows it.

    ``test_size`` and ``val_size`` are fractions of the whole dataset; ``name`` names the data
    in the error raised when it has too few samples for the splits.
    """
    from sklearn.model_selection import train_test_split

    check_fraction("test_size", test_size)
    check_fraction("val_size", val_size)
    check_seed(seed)
    if test_size + val_size >= 1.0:
        raise InputValueError(f"test_size + val_size must be < 1. Received: {test_size} + {val_size}")
    n = len(y)
    _check_enough_samples(n, test_size, val_size, name)
    idx = np.arange(n)

    def strat(labels: np.ndarray, fraction: float, total: int) -> np.ndarray | None:
        if task not in ("binary", "multiclass") or labels.ndim != 1:
            return None
        _, counts = np.unique(labels, return_counts=True)
        held = math.ceil(total * fraction)
        if counts.min() < 2 or held < len(counts) or total - held < len(counts):
            return None
        return labels

    def cut(indices: np.ndarray, fraction: float) -> tuple[np.ndarray, np.ndarray]:
        if fraction == 0:
            return indices, indices[:0]
        labels = y[indices]
        return train_test_split(indices, test_size=fraction, random_state=seed,
                                stratify=strat(labels, fraction, len(indices)))

    rest, test = cut(idx, test_size)
    train, val = cut(rest, val_size / (1.0 - test_size) if val_size else 0.0)
    import keras

    def take(rows: np.ndarray) -> Any:  # an array, or every array of a dict of inputs
        return keras.tree.map_structure(lambda a: a[rows], x)

    return (take(train), y[train], take(val), y[val], take(test), y[test])


def from_arrays(x: Any, y: Any, *, name: str = "arrays", task: str | None = None,
                feature_names: list[str] | None = None, class_names: list[str] | None = None,
                test_size: float = 0.2, val_size: float = 0.1, seed: int | None = 0,
                metadata: Mapping[str, Any] | None = None) -> Dataset:
    """A :class:`Dataset` from feature and label arrays, split with a seed.

    Raises:
        ValueError: Empty data, mismatched lengths, NaN/inf, a single class, or labels that
            contradict ``task``.
    """
    x = x.to_numpy() if isinstance(x, (pd.DataFrame, pd.Series)) else np.asarray(x)
    y_raw = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if len(x) == 0 or len(y_raw) == 0:
        raise InputValueError(f"{name}: the data is empty (x has {len(x)} rows, y has {len(y_raw)}).")
    if len(x) != len(y_raw):
        raise InputValueError(
            f"{name}: x has {len(x)} samples but y has {len(y_raw)}; they must have the same length."
        )
    if x.dtype.kind in "biu":
        x = x.astype("float32")
    if x.dtype.kind == "f":
        check_finite(x, feature_names)
        x = x.astype("float32", copy=False)
    if y_raw.dtype.kind == "f":
        check_finite(y_raw.reshape(len(y_raw), -1), None, what="targets")
    if task is None:
        task = infer_task(y_raw)
    check_choice("task", task, TASKS)
    check_labels(y_raw, task)
    y_enc, names = encode_labels(y_raw, task)
    if task in ("binary", "multiclass"):
        if names is not None and len(names) < 2:
            raise InputValueError(
                f"{name}: the target has a single class ({names[0]!r}); a classifier needs at "
                "least two."
            )
        if task == "binary" and len(names) != 2:
            raise InputValueError(f"{name}: task='binary' needs 2 classes; found {len(names)}.")
    if class_names is not None:
        names = list(class_names)
    splits = make_splits(x, y_enc, task=task, test_size=test_size, val_size=val_size,
                         seed=seed, name=name)
    return Dataset(name=name, task=task, x_train=splits[0], y_train=splits[1], x_val=splits[2],
                   y_val=splits[3], x_test=splits[4], y_test=splits[5],
                   num_classes=(len(names) if names is not None and task != "regression" else None),
                   class_names=names if task != "regression" else None,
                   feature_names=list(feature_names) if feature_names is not None else None,
                   metadata=dict(metadata or {}))


def read_csv_table(path: str | os.PathLike[str], **read_csv_kwargs: Any) -> pd.DataFrame:
    """``pandas.read_csv`` with the library's errors: a missing file, an empty file, a file
    pandas cannot parse or decode, and a header without rows are refused by name."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputFileError(f"No such CSV file: {path!r}")
    try:
        df = pd.read_csv(path, **read_csv_kwargs)
    except pd.errors.EmptyDataError as err:
        raise InputValueError(f"The CSV file {path!r} is empty.") from err
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputValueError(f"Cannot read the CSV file {path!r}: {err}. Pass pandas.read_csv "
                              "options (sep=, encoding=, ...) if it is not a comma-separated "
                              f"UTF-8 file. Received: {read_csv_kwargs!r}") from err
    if df.empty:
        raise InputValueError(f"The CSV file {path!r} has a header but no rows.")
    return df


def read_text_file(path: str, encoding: str = "utf-8") -> str:
    """A text file's content; a file that does not decode is refused with its name."""
    try:
        with open(path, encoding=encoding) as handle:
            return handle.read()
    except UnicodeDecodeError as err:
        raise InputValueError(f"Cannot decode {path!r} as {encoding}: {err}. Pass the file's "
                              f"encoding. Received: encoding={encoding!r}") from err
