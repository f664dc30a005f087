"""The shapes a model's input takes, checked before Keras traces anything: images against an
image model (:func:`check_image_input`, for ``fit`` and ``predict``), and one sample given to
``predict`` (:func:`as_batch`: it becomes a batch of one)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from keras_zoo.base.errors import InputValueError

__all__ = ["as_batch", "check_image_input", "input_shape_of"]


def check_image_input(model: keras.Model, x: Any, argument: str = "x") -> None:
    """Refuse images whose shape does not fit an image model, before any tracing.

    Applies to models with one ``(height, width, channels)`` input and NumPy inputs; anything
    else is left to Keras. Grayscale images without a channel axis are accepted for a
    1-channel model (Keras adds the axis).
    """
    try:
        expected = model.input_shape
    except (AttributeError, ValueError):
        return
    if not isinstance(x, np.ndarray) or not isinstance(expected, tuple) or len(expected) != 4:
        return
    want = expected[1:]
    got = x.shape[1:] + (1,) if x.ndim == 3 and want[2] == 1 else x.shape[1:]
    fix = ("Build the model from the data (input_shape=data.input_shape, or "
           "**data.model_kwargs(factory)), or convert the images (color_mode='rgb' or "
           "'grayscale' when loading, keras.layers.Resizing).")
    if len(got) != 3:
        raise InputValueError(f"The model takes images of shape {want} (height, width, channels), but "
                         f"`{argument}` has rank {x.ndim}. {fix} Received: {argument}.shape={x.shape}")
    wrong = [f"{got[axis]} {what} instead of {want[axis]}"
             for axis, what in ((2, "channels"), (0, "rows"), (1, "columns"))
             if want[axis] is not None and got[axis] != want[axis]]
    if wrong:
        raise InputValueError(f"The images in `{argument}` have shape {got} but the model takes "
                         f"{want}: {', '.join(wrong)}. {fix} Received: {argument}.shape={x.shape}")


def input_shape_of(model: keras.Model) -> tuple | None:
    """The shape of a model's only input, ``(None, ...)``; ``None`` for several inputs or a
    model not built yet."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape)


def as_batch(model: keras.Model, x: Any) -> Any:
    """``x`` as a batch for ``predict``: one sample (a numeric array exactly one axis short of
    the model's input, shaped like one sample) gets its batch axis, so ``predict(cnn, image)``
    gives a batch of one prediction; grayscale images without a channel axis get it for a
    1-channel model, as in ``fit``; a numeric array that is neither is refused in one line
    (images also through :func:`check_image_input`). Texts and other inputs are left to
    the model."""
    shape = input_shape_of(model)
    if shape is None or not isinstance(x, np.ndarray) or x.dtype.kind not in "biuf":
        return x
    sample = shape[1:]

    def fits(got: tuple, want: tuple) -> bool:
        return len(got) == len(want) and all(w is None or w == g for w, g in zip(want, got))

    if len(sample) == 3 and sample[2] == 1 and fits(x.shape[-2:], sample[:2]) \
            and x.ndim in (2, 3):  # grayscale images without their channel axis
        x = x[..., np.newaxis]
    if fits(x.shape, sample):
        return x[np.newaxis]
    if x.ndim != len(shape):
        raise InputValueError(
            f"The model takes a batch of samples of shape {sample}, i.e. an array of shape "
            f"(n, {', '.join(map(str, sample))}), or one sample of shape {sample}. "
            f"Received: an array of shape {x.shape}")
    check_image_input(model, x)
    return x
