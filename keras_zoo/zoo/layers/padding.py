"""Image padding by NumPy's modes (reflect, symmetric, edge, constant): a function and a layer."""

from __future__ import annotations

import keras
from keras import ops

from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo.layers._package import PACKAGE

__all__ = ["Padding2D", "canonical_pad_mode", "pad_images"]

_PAD_MODES = ("reflect", "symmetric", "edge", "constant")
_PAD_ALIASES = {"nearest": "edge", "replicate": "edge", "zero": "constant", "zeros": "constant",
                "reflection": "reflect"}


def canonical_pad_mode(mode: str) -> str:
    """``"reflect"``, ``"symmetric"``, ``"edge"`` (aliases ``"nearest"``, ``"replicate"``) or
    ``"constant"`` (aliases ``"zero"``, ``"zeros"``)."""
    key = mode.strip().lower() if isinstance(mode, str) else mode
    key = _PAD_ALIASES.get(key, key)
    if key not in _PAD_MODES:
        accepted = ", ".join(repr(m) for m in (*_PAD_MODES, *_PAD_ALIASES))
        raise InputValueError(f"`mode` must be one of {accepted}. Received: mode={mode!r}")
    return key


def _normalize_padding(padding) -> tuple[tuple[int, int], tuple[int, int]]:
    """``p``, ``(ph, pw)`` or ``((top, bottom), (left, right))`` -> the last form."""
    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    if is_int(padding):
        return (padding, padding), (padding, padding)
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(is_int(v) for v in padding):
            return (padding[0], padding[0]), (padding[1], padding[1])
        if all(isinstance(v, (tuple, list)) and len(v) == 2 and all(is_int(u) for u in v)
               for v in padding):
            return (int(padding[0][0]), int(padding[0][1])), (int(padding[1][0]),
                                                             int(padding[1][1]))
    raise InputValueError(
        "`padding` must be a non-negative int, (height_pad, width_pad) or "
        f"((top, bottom), (left, right)). Received: padding={padding!r}"
    )


def _source_indices(n, before: int, after: int, mode: str):
    """Indices into an axis of length ``n`` that produce its padded version (NumPy's modes)."""
    i = ops.arange(-before, n + after, dtype="int32")
    if mode == "edge":
        return ops.clip(i, 0, n - 1)
    if mode == "reflect":  # ... 2 1 | 0 1 2 ... n-1 | n-2 ...
        period = ops.maximum(2 * (n - 1), 1)
        j = ops.mod(ops.abs(i), period)
        return ops.where(j >= n, period - j, j)
    # symmetric: ... 1 0 | 0 1 2 ... n-1 | n-1 n-2 ...
    period = 2 * n
    j = ops.mod(ops.where(i < 0, -i - 1, i), period)
    return ops.where(j >= n, period - 1 - j, j)


def pad_images(images, padding, mode: str = "reflect", value: float = 0.0):
    """Pad a ``(batch, height, width, channels)`` tensor (``keras.ops`` only, any backend).

    ``mode`` follows NumPy's ``np.pad``: ``reflect`` mirrors without repeating the border pixel,
    ``symmetric`` mirrors including it, ``edge`` repeats the nearest pixel, ``constant`` fills
    with ``value``.
    """
    (top, bottom), (left, right) = _normalize_padding(padding)
    mode = canonical_pad_mode(mode)
    if mode == "constant":
        return ops.pad(images, [[0, 0], [top, bottom], [left, right], [0, 0]],
                       constant_values=value)
    shape = ops.shape(images)
    x = images
    if top or bottom:
        x = ops.take(x, _source_indices(shape[1], top, bottom, mode), axis=1)
    if left or right:
        x = ops.take(x, _source_indices(shape[2], left, right, mode), axis=2)
    return x


@keras.saving.register_keras_serializable(package=PACKAGE)
class Padding2D(keras.layers.Layer):
    """Pads images with reflection, symmetric, edge (nearest) or constant values.

    Keras only ships ``ZeroPadding2D``. Reflection and edge padding keep the border statistics
    of the image, so a convolution with ``"same"``-sized output sees no artificial dark frame.
    Written with ``keras.ops`` (index gathering), so it runs on every backend; the modes match
    NumPy's ``np.pad`` exactly, including pads larger than the image.

    Args:
        padding: ``p`` (all sides), ``(height_pad, width_pad)`` or
            ``((top, bottom), (left, right))``.
        mode: ``"reflect"`` (``d c b | a b c d | c b a``), ``"symmetric"``
            (``c b a | a b c d | d c b``), ``"edge"`` (alias ``"nearest"``: ``a a a | a b c d |
            d d d``) or ``"constant"`` (alias ``"zero"``).
        value: Fill value of ``"constant"`` mode.

    Input shape: ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> x = np.arange(3, dtype="float32").reshape(1, 1, 3, 1)
        >>> Padding2D((0, 2), mode="reflect")(x)[0, 0, :, 0].numpy().tolist()
        [2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]
    """

    def __init__(self, padding=1, mode: str = "reflect", value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.padding = _normalize_padding(padding)
        self.mode = canonical_pad_mode(mode)
        self.value = float(value)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def call(self, inputs):
        return pad_images(inputs, self.padding, self.mode, self.value)

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        h, w = input_shape[1], input_shape[2]
        return (input_shape[0], None if h is None else h + top + bottom,
                None if w is None else w + left + right, input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"padding": [list(p) for p in self.padding], "mode": self.mode,
                       "value": self.value})
        return config
