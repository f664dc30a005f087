"""Image folders: one subfolder of images per class, read by Keras' directory loader.

:func:`from_folder` checks the folder first (class folders, image files only, none empty, at
least two classes), then reads and resizes every image with
``keras.utils.image_dataset_from_directory`` and splits them with a seed (stratified).
"""

from __future__ import annotations

import contextlib
import io
import os

import numpy as np

from keras_zoo.base import check_choice
from keras_zoo.base.errors import InputFileError, InputValueError
from keras_zoo.datasets.core import Dataset
from keras_zoo.datasets.image_arrays import from_images

__all__ = ["IMAGE_EXTENSIONS", "from_folder"]

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
"""The file types Keras' directory loader decodes."""


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
