"""Keras' downloadable image sets: ``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``.

The files are Keras' own (same URLs, file names, cache layout and SHA-256 hashes as
``keras.datasets``), fetched once into the Keras cache by ``keras.utils.get_file`` through
:func:`~keras_zoo.datasets.keras_cache.fetch_file`; a file already there is used as it is, and
offline the error names the URL and the path to put the file at.

CIFAR safety: the CIFAR batches are Python pickles, so a file placed in the cache could run code
if it were unpickled with plain ``pickle.load`` (which the old reader did). They are read with
:class:`~keras_zoo.datasets.keras_cache.RestrictedUnpickler`, which rebuilds NumPy arrays and
plain dicts/lists/bytes/ints and refuses every other name (``os.system``, ``builtins.eval``
...) before it runs: the rule Keras' own CIFAR loader follows. A refused file raises a
``ValueError`` that says to delete it. The archives are extracted with tar's ``"data"`` filter
(nothing outside the target folder, no links).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_zoo.base import check_choice, check_fraction, keras_home
from keras_zoo.base.errors import InputValueError
from keras_zoo.datasets.core import Dataset, make_splits
from keras_zoo.datasets.image_arrays import as_images, image_metadata
from keras_zoo.datasets.keras_cache import KERAS_ORIGIN, extract_tar, fetch_file, unpickle

__all__ = ["KERAS_IMAGE_DATASETS", "KerasImageSet", "load_keras_dataset"]


@dataclass(frozen=True)
class KerasImageSet:
    """Where one of Keras' image datasets lives and how to read it.

    Attributes:
        name: ``mnist``, ``fashion_mnist``, ``cifar10`` or ``cifar100``.
        description: One line for ``list_datasets``.
        files: ``(file name, URL, sha256 or None)`` per download, as ``keras.datasets`` has them.
        subdir: Folder under ``$KERAS_HOME`` the files go to.
        reader: ``(paths, **options) -> ((x_train, y_train), (x_test, y_test), class_names)``.
        class_names: Class names, index = label.
        extracted: For archives: the folder (under ``subdir``) the archive is extracted to,
            the one ``keras.datasets`` uses, so either tool finds the other's download.
    """

    name: str
    description: str
    files: tuple[tuple[str, str, str | None], ...]
    subdir: str
    reader: Callable[..., Any]
    class_names: tuple[str, ...]
    extracted: str | None = None


def _read_mnist(paths: list[str], **_: Any):
    with np.load(paths[0], allow_pickle=False) as f:
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in f.files]
        if missing:
            raise InputValueError(f"{paths[0]} is not an MNIST file: it lacks {missing}. Delete "
                                  "it to download it again.")
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"]), None


def _read_idx(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as handle:
        return np.frombuffer(handle.read(), np.uint8, offset=offset)


def _read_fashion(paths: list[str], **_: Any):
    y_train, y_test = _read_idx(paths[0], 8), _read_idx(paths[2], 8)
    x_train = _read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = _read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test), None


def _extracted(paths: list[str], folder: str, extracted: str) -> str:
    """The folder of an extracted CIFAR archive (extracting ``paths[0]`` when needed)."""
    target = os.path.join(os.path.dirname(paths[0]), extracted)
    inner = os.path.join(target, folder)
    if not os.path.isdir(inner):
        extract_tar(paths[0], target)
    if not os.path.isdir(inner):
        raise InputValueError(f"{paths[0]} does not hold the folder {folder!r}. Delete it to "
                              "download it again.")
    return inner


def _cifar_batch(folder: str, name: str, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    """Channels-last ``uint8`` images and the labels of one CIFAR batch file."""
    path = os.path.join(folder, name)
    batch = unpickle(path)
    if "data" not in batch or label_key not in batch:
        raise InputValueError(f"{path!r} is not a CIFAR batch: it lacks 'data' or {label_key!r}. "
                              "Delete it to download it again.")
    data = np.asarray(batch["data"], dtype=np.uint8)
    return data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1), np.asarray(batch[label_key])


def _cifar_names(folder: str, meta: str, key: str) -> list[str] | None:
    path = os.path.join(folder, meta)
    if not os.path.exists(path):
        return None
    return [n.decode() if isinstance(n, bytes) else str(n) for n in unpickle(path)[key]]


def _read_cifar10(paths: list[str], **_: Any):
    inner = _extracted(paths, "cifar-10-batches-py", "cifar-10-batches-py-target")
    batches = [_cifar_batch(inner, f"data_batch_{i}", "labels") for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in batches])
    y_train = np.concatenate([y for _, y in batches])
    return ((x_train, y_train), _cifar_batch(inner, "test_batch", "labels"),
            _cifar_names(inner, "batches.meta", "label_names"))


def _read_cifar100(paths: list[str], label_mode: str = "fine", **_: Any):
    check_choice("label_mode", label_mode, ("fine", "coarse"))
    inner = _extracted(paths, "cifar-100-python", "cifar-100-python-target")
    key = f"{label_mode}_labels"
    return (_cifar_batch(inner, "train", key), _cifar_batch(inner, "test", key),
            _cifar_names(inner, "meta", f"{label_mode}_label_names"))


_CIFAR10_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                  "truck")

KERAS_IMAGE_DATASETS: dict[str, KerasImageSet] = {s.name: s for s in [
    KerasImageSet(
        "mnist", "MNIST: 70,000 28x28x1 handwritten digits (60,000 train + 10,000 test), 10 "
        "classes; downloaded once by Keras (11 MB).",
        (("mnist.npz", KERAS_ORIGIN + "mnist.npz",
          "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),),
        "datasets", _read_mnist, tuple(str(i) for i in range(10))),
    KerasImageSet(
        "fashion_mnist", "Fashion-MNIST: 70,000 28x28x1 clothing images, 10 classes; downloaded "
        "once by Keras (30 MB).",
        tuple((f, KERAS_ORIGIN + f, None) for f in (
            "train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")),
        os.path.join("datasets", "fashion-mnist"), _read_fashion,
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
         "Bag", "Ankle boot")),
    KerasImageSet(
        "cifar10", "CIFAR-10: 60,000 32x32x3 photos (50,000 train + 10,000 test), 10 classes; "
        "downloaded once by Keras (163 MB).",
        (("cifar-10-python.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
          "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),),
        "datasets", _read_cifar10, _CIFAR10_NAMES, extracted="cifar-10-batches-py-target"),
    KerasImageSet(
        "cifar100", "CIFAR-100: 60,000 32x32x3 photos, 100 fine classes (label_mode='coarse': "
        "20 superclasses); downloaded once by Keras (161 MB).",
        (("cifar-100-python.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
          "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"),),
        "datasets", _read_cifar100, (), extracted="cifar-100-python-target"),
]}


def _fetch(spec: KerasImageSet, cache_dir: str) -> list[str]:
    """Local paths of the set's files: the cached ones, else downloaded by Keras."""
    folder = os.path.join(cache_dir, spec.subdir)
    if spec.extracted and os.path.isdir(os.path.join(folder, spec.extracted)):
        # Extracted before (by keras.datasets or by us): the archive itself is not needed.
        return [os.path.join(folder, filename) for filename, _, _ in spec.files]
    return [fetch_file(spec.name, filename, url, sha256, subdir=spec.subdir, cache_dir=cache_dir)
            for filename, url, sha256 in spec.files]


def load_keras_dataset(name: str, *, seed: int | None = 0, val_size: float = 0.1,
                       cache_dir: str | os.PathLike[str] | None = None,
                       label_mode: str = "fine") -> Dataset:
    """One of Keras' image datasets: ``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``.

    The files are looked up in ``<cache_dir>/datasets`` (where ``keras.datasets`` keeps them)
    and downloaded there once with ``keras.utils.get_file`` when missing. The official test set
    is the test split; ``val_size`` of the training set (seeded, stratified) is the validation
    split. Grayscale sets get a channel axis: MNIST is ``(28, 28, 1)``.

    Args:
        name: ``mnist``, ``fashion_mnist``, ``cifar10`` or ``cifar100``.
        seed: Seed of the validation split.
        val_size: Fraction of the official training set held out for validation.
        cache_dir: Keras' cache folder; ``None`` is ``$KERAS_HOME`` or ``~/.keras``.
        label_mode: CIFAR-100 only: ``"fine"`` (100 classes) or ``"coarse"`` (20).

    Raises:
        FileNotFoundError: The files are not cached and cannot be downloaded (offline); the
            message names the URL and the path to put the file at.

    Example:
        >>> data = load_keras_dataset("mnist")  # doctest: +SKIP
        >>> data.input_shape, data.num_classes  # doctest: +SKIP
        ((28, 28, 1), 10)
    """
    check_choice("name", name, tuple(KERAS_IMAGE_DATASETS))
    check_fraction("val_size", val_size)
    spec = KERAS_IMAGE_DATASETS[name]
    cache_dir = os.fspath(cache_dir) if cache_dir is not None else keras_home()
    paths = _fetch(spec, os.path.expanduser(cache_dir))
    (x_train, y_train), (x_test, y_test), names = spec.reader(paths, label_mode=label_mode)
    x_train, x_test = as_images(x_train, name), as_images(x_test, name)
    y_train = np.asarray(y_train).reshape(-1).astype("int32")
    y_test = np.asarray(y_test).reshape(-1).astype("int32")
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise InputValueError(f"The cached {name!r} files are inconsistent ({len(x_train)} training "
                              f"images, {len(y_train)} labels). Delete them to download them again.")
    class_names = list(names or spec.class_names) or [
        str(i) for i in range(100 if label_mode == "fine" else 20)]
    if len(y_train) and (y_train.min() < 0 or max(y_train.max(), y_test.max(initial=0))
                         >= len(class_names)):
        raise InputValueError(f"The cached {name!r} labels fall outside 0..{len(class_names) - 1}. "
                              "Delete the files to download them again.")
    train, _, val, _, _, _ = make_splits(np.arange(len(y_train)), y_train, task="multiclass",
                                         test_size=0.0, val_size=val_size, seed=seed)
    return Dataset(name=name, task="multiclass", x_train=x_train[train], y_train=y_train[train],
                   x_val=x_train[val], y_val=y_train[val], x_test=x_test, y_test=y_test,
                   num_classes=len(class_names), class_names=class_names,
                   metadata=image_metadata(255.0, {
                       "source": spec.files[0][1], "files": paths,
                       "description": spec.description,
                       **({"label_mode": label_mode} if name == "cifar100" else {})}))


