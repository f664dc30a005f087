"""Image data: digits as images, image folders, and Keras' downloadable image sets.

Every loader returns a :class:`~keras_zoo.datasets.Dataset` whose ``x_*`` arrays are
``(samples, height, width, channels)`` images of raw pixels, and whose ``model_kwargs()`` holds
``input_shape``, ``task``, ``num_classes`` and ``pixel_max`` (the largest raw pixel value), so
``kz.zoo.cnn(**data.model_kwargs(kz.zoo.cnn))`` builds a model that scales the pixels itself.

* ``load("digits", as_images=True)`` (or ``load("digits_images")``): scikit-learn's 1,797 8x8
  digits as ``(8, 8, 1)`` images with values 0-16 (``pixel_max=16``). Plain ``load("digits")``
  stays the 64-feature table scikit-learn users know; both use the same seeded splits.
* ``load("mnist" | "fashion_mnist" | "cifar10" | "cifar100")``: Keras' image sets, downloaded
  once by ``keras.utils.get_file`` (the downloader behind ``keras.datasets``: same URLs, same
  cache layout, same file hashes) into ``$KERAS_HOME/datasets`` (``~/.keras/datasets``). A file
  already there is used as it is; offline, the error names the URL to fetch and the path to put
  the file at. The official test set is kept; the validation split is carved from the training
  set (seeded, stratified). Pixels stay ``uint8`` (a quarter of the memory of float32); the
  models' ``Rescaling`` layer scales them.
* :func:`from_folder`: one subfolder per class, read with Keras' directory loader
  (``keras.utils.image_dataset_from_directory``), split with a seed (stratified).
* :func:`from_images`: arrays of images you already have.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import os
import pickle
import tarfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_zoo.base import check_choice, check_fraction, keras_home
from keras_zoo.base.errors import InputFileError, InputValueError
from keras_zoo.datasets.core import (
    Dataset,
    DatasetDownloadError,
    check_finite,
    from_arrays,
    make_splits,
)
from keras_zoo.datasets.registry import register_dataset
from keras_zoo.datasets.tabular import SKLEARN_DATASETS, load_sklearn

log = logging.getLogger(__name__)

__all__ = ["IMAGE_EXTENSIONS", "KERAS_IMAGE_DATASETS", "from_folder", "from_images",
           "load_digits", "load_digits_images", "load_keras_dataset"]

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
"""The file types Keras' directory loader decodes."""


# === Arrays of images ===

def _as_images(x: Any, name: str) -> np.ndarray:
    """Check rank and channels; add the channel axis of grayscale images."""
    x = np.asarray(x)
    if x.ndim == 3:  # (samples, height, width): grayscale without a channel axis
        x = x[..., np.newaxis]
    if x.ndim != 4:
        raise InputValueError(
            f"{name}: images must be an array of shape (samples, height, width, channels), or "
            f"(samples, height, width) for grayscale. Received: x.shape={x.shape}"
        )
    if x.shape[-1] not in (1, 3, 4):
        hint = ""
        if x.shape[1] in (1, 3, 4):
            hint = (" They look channels-first: use x.transpose(0, 2, 3, 1) for "
                    "channels-last images.")
        raise InputValueError(
            f"{name}: images need 1 (grayscale), 3 (RGB) or 4 (RGBA) channels on the last axis; "
            f"these have {x.shape[-1]}.{hint} Received: x.shape={x.shape}"
        )
    if x.dtype.kind not in "uif" and x.dtype != bool:
        raise InputValueError(f"{name}: images must hold numbers; these are of dtype {x.dtype}.")
    return x


def _pixel_max(x: np.ndarray, pixel_max: float | None) -> float:
    if pixel_max is not None:
        if not isinstance(pixel_max, (int, float, np.number)) or not pixel_max > 0:
            raise InputValueError(f"`pixel_max` must be a positive number. Received: "
                             f"pixel_max={pixel_max!r}")
        return float(pixel_max)
    if x.dtype == np.uint8:
        return 255.0
    top = float(np.max(x)) if x.size else 0.0
    return top if top > 0 else 1.0


def _image_metadata(pixel_max: float, extra: Mapping[str, Any] | None) -> dict[str, Any]:
    metadata = dict(extra or {})
    metadata["pixel_max"] = pixel_max
    metadata.setdefault("model_kwargs", {})["pixel_max"] = pixel_max
    return metadata


def from_images(x: Any, y: Any, *, name: str = "images", task: str | None = None,
                class_names: Sequence[str] | None = None, pixel_max: float | None = None,
                test_size: float = 0.2, val_size: float = 0.1, seed: int | None = 0,
                metadata: Mapping[str, Any] | None = None) -> Dataset:
    """A :class:`Dataset` of images from arrays, split with a seed (stratified for classes).

    Args:
        x: ``(samples, height, width, channels)`` images, or ``(samples, height, width)`` for
            grayscale (a channel axis is added). The dtype is kept (``uint8`` stays ``uint8``).
        y: Labels (class names or integers; see ``keras_zoo.datasets.from_arrays``).
        name: Dataset name.
        task: Inferred from the labels when omitted.
        class_names: Names of the classes, index = label.
        pixel_max: The largest raw pixel value, passed to the models through
            ``model_kwargs()``; ``None`` gives 255 for ``uint8`` images, else the data's maximum.
        test_size, val_size: Fractions of the whole set.
        seed: Split seed.
        metadata: Extra facts kept in ``Dataset.metadata``.

    Raises:
        ValueError: Wrong rank, a channel count other than 1, 3 or 4, NaN/inf pixels, empty data,
            mismatched lengths, a single class.

    Example:
        >>> import numpy as np
        >>> x = np.zeros((20, 8, 8), "uint8"); y = np.arange(20) % 2
        >>> data = from_images(x, y, seed=0)
        >>> data.input_shape, data.model_kwargs()["pixel_max"]
        ((8, 8, 1), 255.0)
    """
    images = _as_images(x, name)
    if images.dtype.kind == "f":
        check_finite(images, None, what="pixels")
    if images.dtype == bool:
        images = images.astype("float32")
    pixel_max = _pixel_max(images, pixel_max)
    # Split row indices with the tabular machinery (label checks, stratification, seeds), then
    # take the images by index: they keep their dtype and are copied once.
    rows = np.arange(len(images), dtype="float64").reshape(-1, 1)
    index = from_arrays(rows, y, name=name, task=task, class_names=class_names,
                        test_size=test_size, val_size=val_size, seed=seed)
    take = (lambda r: images[r.ravel().astype(np.int64)])
    return Dataset(name=name, task=index.task, x_train=take(index.x_train), y_train=index.y_train,
                   x_val=take(index.x_val), y_val=index.y_val, x_test=take(index.x_test),
                   y_test=index.y_test, num_classes=index.num_classes,
                   class_names=index.class_names,
                   metadata=_image_metadata(pixel_max, metadata))


# === scikit-learn digits ===

def load_digits_images(*, seed: int | None = 0, test_size: float = 0.2,
                       val_size: float = 0.1) -> Dataset:
    """scikit-learn's digits as ``(8, 8, 1)`` images with values 0-16 (``pixel_max=16``).

    The splits are those of ``load("digits")`` with the same seed (the same samples land in
    the same split), so tabular and convolutional models compare on the same test set.

    Example:
        >>> data = load_digits_images(seed=0)
        >>> data.input_shape, data.num_classes, data.model_kwargs()["pixel_max"]
        ((8, 8, 1), 10, 16.0)
    """
    import sklearn.datasets as skd

    bunch = skd.load_digits()
    return from_images(bunch.images.astype("float32"), bunch.target, name="digits_images",
                       class_names=[str(c) for c in bunch.target_names], pixel_max=16.0,
                       test_size=test_size, val_size=val_size, seed=seed,
                       metadata={"source": "sklearn.datasets.load_digits",
                                 "description": _DIGITS_IMAGES})


def load_digits(*, as_images: bool = False, seed: int | None = 0, test_size: float = 0.2,
                val_size: float = 0.1) -> Dataset:
    """scikit-learn's digits: 64 pixel features (default) or, with ``as_images=True``,
    ``(8, 8, 1)`` images for convolutional models (see :func:`load_digits_images`)."""
    if as_images:
        return load_digits_images(seed=seed, test_size=test_size, val_size=val_size)
    return load_sklearn("digits", seed=seed, test_size=test_size, val_size=val_size)


_DIGITS_IMAGES = ("Digits as images: 1,797 8x8x1 handwritten digits, pixel values 0-16, 10 "
                  "classes (multiclass); the splits of 'digits'.")


# === Keras' image datasets ===

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


_KERAS_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def _read_mnist(paths: list[str], **_: Any):
    with np.load(paths[0], allow_pickle=False) as f:
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in f.files]
        if missing:
            raise InputValueError(f"{paths[0]} is not an MNIST file: it lacks {missing}. Delete it to "
                             "download it again.")
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"]), None


def _read_idx(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as handle:
        return np.frombuffer(handle.read(), np.uint8, offset=offset)


def _read_fashion(paths: list[str], **_: Any):
    y_train, y_test = _read_idx(paths[0], 8), _read_idx(paths[2], 8)
    x_train = _read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = _read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test), None


def _unpickle(path: str) -> dict:
    # The CIFAR archives are Python pickles (keras.datasets reads them the same way).
    with open(path, "rb") as handle:
        return {k.decode("utf8") if isinstance(k, bytes) else k: v
                for k, v in pickle.load(handle, encoding="bytes").items()}


def _cifar_images(batch: dict) -> np.ndarray:
    data = np.asarray(batch["data"], dtype=np.uint8)
    return data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)


def _extract_tar(archive_path: str, target: str) -> None:
    with tarfile.open(archive_path) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(target, filter="data")
            return
        root = os.path.realpath(target)  # Pythons without extraction filters: check the paths
        for member in archive.getmembers():
            dest = os.path.realpath(os.path.join(target, member.name))
            if not (dest == root or dest.startswith(root + os.sep)) or member.issym() \
                    or member.islnk():
                raise InputValueError(f"{archive_path} holds an unsafe entry {member.name!r}.")
        archive.extractall(target)


def _extracted(paths: list[str], folder: str, extracted: str) -> str:
    """The folder of an extracted CIFAR archive (extracting ``paths[0]`` when needed)."""
    target = os.path.join(os.path.dirname(paths[0]), extracted)
    inner = os.path.join(target, folder)
    if not os.path.isdir(inner):
        _extract_tar(paths[0], target)
    if not os.path.isdir(inner):
        raise InputValueError(f"{paths[0]} does not hold the folder {folder!r}. Delete it to download "
                         "it again.")
    return inner


def _read_cifar10(paths: list[str], **_: Any):
    inner = _extracted(paths, "cifar-10-batches-py", "cifar-10-batches-py-target")
    batches = [_unpickle(os.path.join(inner, f"data_batch_{i}")) for i in range(1, 6)]
    test = _unpickle(os.path.join(inner, "test_batch"))
    x_train = np.concatenate([_cifar_images(b) for b in batches])
    y_train = np.concatenate([np.asarray(b["labels"]) for b in batches])
    names = None
    meta = os.path.join(inner, "batches.meta")
    if os.path.exists(meta):
        names = [n.decode() if isinstance(n, bytes) else str(n)
                 for n in _unpickle(meta)["label_names"]]
    return (x_train, y_train), (_cifar_images(test), np.asarray(test["labels"])), names


def _read_cifar100(paths: list[str], label_mode: str = "fine", **_: Any):
    check_choice("label_mode", label_mode, ("fine", "coarse"))
    inner = _extracted(paths, "cifar-100-python", "cifar-100-python-target")
    train, test = _unpickle(os.path.join(inner, "train")), _unpickle(os.path.join(inner, "test"))
    key = f"{label_mode}_labels"
    names = None
    meta = os.path.join(inner, "meta")
    if os.path.exists(meta):
        names = [n.decode() if isinstance(n, bytes) else str(n)
                 for n in _unpickle(meta)[f"{label_mode}_label_names"]]
    return ((_cifar_images(train), np.asarray(train[key])),
            (_cifar_images(test), np.asarray(test[key])), names)


_CIFAR10_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                  "truck")

KERAS_IMAGE_DATASETS: dict[str, KerasImageSet] = {s.name: s for s in [
    KerasImageSet(
        "mnist", "MNIST: 70,000 28x28x1 handwritten digits (60,000 train + 10,000 test), 10 "
        "classes; downloaded once by Keras (11 MB).",
        (("mnist.npz", _KERAS_BASE + "mnist.npz",
          "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),),
        "datasets", _read_mnist, tuple(str(i) for i in range(10))),
    KerasImageSet(
        "fashion_mnist", "Fashion-MNIST: 70,000 28x28x1 clothing images, 10 classes; downloaded "
        "once by Keras (30 MB).",
        tuple((f, _KERAS_BASE + f, None) for f in (
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
    import keras

    folder = os.path.join(cache_dir, spec.subdir)
    paths = []
    for filename, url, sha256 in spec.files:
        path = os.path.join(folder, filename)
        if os.path.exists(path):
            paths.append(path)
            continue
        if spec.extracted and os.path.isdir(os.path.join(folder, spec.extracted)):
            paths.append(path)  # extracted before (by keras.datasets or by us)
            continue
        try:  # Keras shows a progress bar while the user waits for the download
            paths.append(keras.utils.get_file(filename, origin=url, file_hash=sha256,
                                              cache_dir=cache_dir, cache_subdir=spec.subdir))
        except Exception as err:  # Keras raises a bare Exception on network failures
            raise DatasetDownloadError(
                f"Could not download the {spec.name!r} dataset from {url} ({err}). Is this "
                f"machine offline? Download that file elsewhere and put it at {path} (the Keras "
                f"cache; set KERAS_HOME to use another folder), then load({spec.name!r}) again."
            ) from err
    return paths


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
    x_train, x_test = _as_images(x_train, name), _as_images(x_test, name)
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
                   metadata=_image_metadata(255.0, {
                       "source": spec.files[0][1], "files": paths,
                       "description": spec.description,
                       **({"label_mode": label_mode} if name == "cifar100" else {})}))


# === Image folders ===

def _scan_folder(directory: str) -> tuple[list[str], dict[str, list[str]]]:
    """Class folders and their image files; refuses non-image files and empty classes."""
    classes = sorted(entry.name for entry in os.scandir(directory)
                     if entry.is_dir() and not entry.name.startswith("."))
    if not classes:
        raise InputValueError(
            f"{directory!r} has no class subfolders. Put the images of each class in their own "
            "folder: <directory>/<class name>/<image files>."
        )
    files: dict[str, list[str]] = {}
    strangers: list[str] = []
    for cls in classes:
        found = []
        for root, dirs, names in os.walk(os.path.join(directory, cls), followlinks=True):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for filename in sorted(names):
                if filename.startswith("."):
                    continue  # .DS_Store and friends
                path = os.path.join(root, filename)
                if filename.lower().endswith(IMAGE_EXTENSIONS):
                    found.append(path)
                else:
                    strangers.append(os.path.relpath(path, directory))
        files[cls] = found
    if strangers:
        shown = ", ".join(repr(s) for s in strangers[:5])
        more = f" and {len(strangers) - 5} more" if len(strangers) > 5 else ""
        raise InputValueError(
            f"{directory!r}: {len(strangers)} file(s) are not images "
            f"({', '.join(IMAGE_EXTENSIONS)}): {shown}{more}. Move them out of the class folders."
        )
    empty = [cls for cls, found in files.items() if not found]
    if empty:
        raise InputValueError(f"{directory!r}: the class folder(s) {', '.join(map(repr, empty))} hold "
                         "no images. Add images or remove the folder(s).")
    if len(classes) < 2:
        raise InputValueError(f"{directory!r} has a single class folder ({classes[0]!r}); a "
                         "classifier needs at least two.")
    return classes, files


def _undecodable(paths: list[str], channels: int) -> list[str]:
    import tensorflow as tf

    bad = []
    for path in paths:
        try:
            tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
        except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError):
            bad.append(path)
    return bad


def from_folder(directory: str | os.PathLike[str], *, image_size: tuple[int, int] = (256, 256),
                color_mode: str = "rgb", interpolation: str = "bilinear",
                crop_to_aspect_ratio: bool = False, test_size: float = 0.2,
                val_size: float = 0.1, seed: int | None = 0, name: str | None = None) -> Dataset:
    """A :class:`Dataset` from a folder with one subfolder of images per class.

    ``directory/cats/1.jpg, directory/dogs/2.png ...``: the subfolder names are the classes
    (sorted), images are read and resized by Keras' directory loader
    (``keras.utils.image_dataset_from_directory``) and split with a seed, stratified by class.
    The pixels are kept as ``uint8`` (rounded after resizing; a quarter of float32's memory).

    Args:
        directory: The folder.
        image_size: ``(height, width)`` every image is resized to (Keras' default 256x256).
        color_mode: ``"rgb"`` (3 channels), ``"grayscale"`` (1) or ``"rgba"`` (4).
        interpolation: Resizing method (``"bilinear"``, ``"nearest"``, ``"area"`` ...).
        crop_to_aspect_ratio: Crop to ``image_size``'s aspect ratio before resizing instead of
            stretching.
        test_size, val_size: Fractions of all images.
        seed: Split seed.
        name: Dataset name; the folder's name by default.

    Raises:
        FileNotFoundError: No such folder.
        ValueError: No class subfolders, a single class, an empty class folder, files that are
            not images (listed), or image files that cannot be decoded (listed).

    Example:
        >>> data = from_folder("photos/", image_size=(64, 64), seed=0)  # doctest: +SKIP
        >>> model = kz.zoo.cnn(**data.model_kwargs(kz.zoo.cnn))          # doctest: +SKIP
    """
    import keras
    import tensorflow as tf

    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise InputFileError(f"No such image folder: {directory!r}")
    check_choice("color_mode", color_mode, ("rgb", "grayscale", "rgba"))
    if not (isinstance(image_size, (tuple, list)) and len(image_size) == 2
            and all(isinstance(v, int) and v >= 1 for v in image_size)):
        raise InputValueError("`image_size` must be (height, width) in pixels. "
                         f"Received: image_size={image_size!r}")
    classes, files = _scan_folder(directory)
    with contextlib.redirect_stdout(io.StringIO()):  # "Found N files belonging to K classes."
        ds = keras.utils.image_dataset_from_directory(
            directory, labels="inferred", label_mode="int", class_names=classes,
            color_mode=color_mode, batch_size=256, image_size=tuple(image_size), shuffle=False,
            interpolation=interpolation, crop_to_aspect_ratio=crop_to_aspect_ratio)
    xs, ys = [], []
    try:
        for images, labels in ds:
            xs.append(np.clip(np.rint(images.numpy()), 0, 255).astype(np.uint8))
            ys.append(labels.numpy())
    except tf.errors.InvalidArgumentError as err:
        channels = {"rgb": 3, "grayscale": 1, "rgba": 4}[color_mode]
        bad = _undecodable([p for found in files.values() for p in found], channels)
        if not bad:
            raise
        shown = ", ".join(repr(os.path.relpath(p, directory)) for p in bad[:5])
        raise InputValueError(f"{directory!r}: {len(bad)} image file(s) cannot be decoded: {shown}"
                         f"{' ...' if len(bad) > 5 else ''}. Remove or replace them.") from err
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    return from_images(x, np.asarray(classes)[y], name=name or os.path.basename(
        os.path.normpath(directory)), pixel_max=255.0, test_size=test_size, val_size=val_size,
        seed=seed, metadata={"source": directory, "image_size": tuple(image_size),
                             "color_mode": color_mode, "files": len(y)})


# === Registration ===

def _register() -> None:
    register_dataset("digits", load_digits,
                     SKLEARN_DATASETS["digits"][1] + " as_images=True gives 8x8x1 images.")
    register_dataset("digits_images", load_digits_images, _DIGITS_IMAGES, kind="image")
    for spec in KERAS_IMAGE_DATASETS.values():
        register_dataset(spec.name, lambda _n=spec.name, **kw: load_keras_dataset(_n, **kw),
                         spec.description, kind="image")


_register()
