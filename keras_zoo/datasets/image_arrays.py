"""Images you already hold as arrays: checked, split with a seed, ready for the CNN factories.

:func:`from_images` is the one place images become a :class:`~keras_zoo.datasets.Dataset`:
the digits, Keras' image sets and image folders all end here, so they share the checks (rank,
channels, dtype, NaN), the ``uint8`` pixels and ``model_kwargs()["pixel_max"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from keras_zoo.base.errors import InputValueError
from keras_zoo.datasets.core import Dataset, check_finite, from_arrays

__all__ = ["as_images", "from_images", "image_metadata"]


def as_images(x: Any, name: str) -> np.ndarray:
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


def image_metadata(pixel_max: float, extra: Mapping[str, Any] | None) -> dict[str, Any]:
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
    images = as_images(x, name)
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
                   metadata=image_metadata(pixel_max, metadata))
