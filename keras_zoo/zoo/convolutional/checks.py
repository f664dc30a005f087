"""Argument checks of the CNN family: image shapes, per-block values, padding/pooling/readout
names, pixel ranges and resizing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from keras_zoo.base import closest, normalize_name, per_layer
from keras_zoo.base.errors import InputValueError

__all__ = ["PADDINGS", "POOLINGS", "READOUTS", "canonical_padding", "canonical_pooling",
           "canonical_readout", "check_input_shape", "check_pixel_max", "per_block",
           "resized_shape"]

PADDINGS = ("valid", "same", "zero", "reflect", "symmetric", "edge", "nearest")
POOLINGS = ("max", "avg", "min", None)
READOUTS = ("flatten", "global_avg", "global_max")
_POOLING_ALIASES = {"average": "avg", "mean": "avg", "maximum": "max", "minimum": "min",
                    "none": None}
_READOUT_ALIASES = {"gap": "global_avg", "global_average": "global_avg", "avg": "global_avg",
                    "gmp": "global_max", "max": "global_max"}


def check_input_shape(input_shape: Any, model: str = "cnn") -> tuple[int, int, int]:
    ok = isinstance(input_shape, (tuple, list)) and len(input_shape) == 3 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
        for v in input_shape)
    if not ok:
        hint = ""
        if isinstance(input_shape, (tuple, list)) and len(input_shape) == 2:
            hint = f" For grayscale images use {(*tuple(input_shape), 1)}."
        elif isinstance(input_shape, (tuple, list)) and len(input_shape) == 1:
            hint = (" That looks like tabular features: use kz.zoo.ann, or image data (the "
                    "dataset 'digits_images', i.e. kz.load('digits', as_images=True)).")
        raise InputValueError(
            f"`input_shape` of {model}() must be (height, width, channels) with positive "
            f"integers.{hint} Received: input_shape={input_shape!r}"
        )
    return tuple(int(v) for v in input_shape)  # type: ignore[return-value]


def per_block(argument: str, value: Any, n_blocks: int) -> list[Any]:
    return per_layer(argument, value, n_blocks, what="conv blocks (one per entry of `filters`)",
                     each="block")


def canonical_padding(value: Any) -> str:
    key = normalize_name(value) if isinstance(value, str) else value
    if key not in PADDINGS:
        hint = closest(key, PADDINGS) if isinstance(key, str) else None
        raise InputValueError(
            "`padding` must be one of " + ", ".join(repr(p) for p in PADDINGS) + "."
            + (f" Did you mean {hint!r}?" if hint else "") + f" Received: padding={value!r}"
        )
    return {"zero": "same", "nearest": "edge"}.get(key, key)


def canonical_pooling(value: Any) -> str | None:
    key = normalize_name(value) if isinstance(value, str) else value
    key = _POOLING_ALIASES.get(key, key) if isinstance(key, str) else key
    if key not in POOLINGS:
        raise InputValueError(f"`pooling` must be one of 'max', 'avg', 'min' or None. "
                         f"Received: pooling={value!r}")
    return key


def canonical_readout(value: Any) -> str:
    key = normalize_name(value) if isinstance(value, str) else value
    key = _READOUT_ALIASES.get(key, key) if isinstance(key, str) else key
    if key not in READOUTS:
        raise InputValueError("`readout` must be one of " + ", ".join(repr(r) for r in READOUTS)
                         + f". Received: readout={value!r}")
    return key


def check_pixel_max(pixel_max: Any) -> float | None:
    if pixel_max is None:
        return None
    if not isinstance(pixel_max, (int, float, np.number)) or isinstance(pixel_max, bool) \
            or not pixel_max > 0 or not math.isfinite(pixel_max):
        raise InputValueError("`pixel_max` (the largest raw pixel value, e.g. 255) must be a positive "
                         f"number or None (inputs already in [0, 1]). Received: "
                         f"pixel_max={pixel_max!r}")
    return float(pixel_max)


def resized_shape(input_shape: tuple[int, int, int], resize: Any) -> tuple[int, int, int]:
    """The image shape after the optional ``Resizing`` layer (``resize`` checked here)."""
    if resize is None:
        return input_shape
    if isinstance(resize, (int, np.integer)) and not isinstance(resize, bool):
        resize = (resize, resize)
    if not (isinstance(resize, (tuple, list)) and len(resize) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
            for v in resize)):
        raise InputValueError("`resize` must be (height, width) in pixels, two positive integers, or "
                         f"None. Received: resize={resize!r}")
    return (int(resize[0]), int(resize[1]), input_shape[2])
