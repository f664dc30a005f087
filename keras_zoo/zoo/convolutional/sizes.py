"""Feature-map sizes: ``floor((n + 2p - f) / s) + 1`` for every layer, checked before building."""

from __future__ import annotations

import math
from typing import Any

from keras_zoo.base.errors import InputValueError

__all__ = ["conv_output_size", "plan_sizes"]


def conv_output_size(n: int, kernel_size: int, padding: float = 0, strides: int = 1) -> int:
    """Output length of a convolution or pooling window: ``floor((n + 2p - f) / s) + 1``.

    Args:
        n: Input length (pixels).
        kernel_size: Window length ``f``.
        padding: Pixels ``p`` added on each side (``(f - 1) / 2`` for ``"same"``; it may be a
            half, the total ``2p`` is what counts).
        strides: Step ``s``.

    Example:
        >>> conv_output_size(28, 5)             # LeNet's first convolution without padding
        24
        >>> conv_output_size(28, 3, padding=1, strides=2)
        14
    """
    return math.floor((n + 2 * padding - kernel_size) / strides) + 1


def _total_padding(padding: str, kernel_size: int) -> int:
    return 0 if padding == "valid" else kernel_size - 1


def _size_error(block: int, what: str, dims: tuple[int, int], f: int, two_p: int, s: int,
                received: str) -> ValueError:
    n = min(dims)
    value = (n + two_p - f) / s + 1
    return InputValueError(
        f"Block {block} ({what}) would shrink the {dims[0]}x{dims[1]} feature map below 1 pixel: "
        f"(n + 2p - f) / s + 1 = ({n} + {two_p} - {f}) / {s} + 1 = {value:.3g}. Use "
        "padding='same', fewer blocks, a smaller kernel_size or pool_size, or larger images "
        "(resize=(height, width) makes the model resize its inputs). "
        f"Received: {received}"
    )


def plan_sizes(input_shape: tuple[int, ...], blocks: list[dict[str, Any]],
                received: str | None = None) -> list[tuple[int, int]]:
    """The feature-map size after every block; raises before any layer is built."""
    received = received or f"input_shape={tuple(input_shape)}"
    h, w = input_shape[0], input_shape[1]
    sizes = []
    for i, block in enumerate(blocks, start=1):
        f = block["kernel_size"]
        two_p = _total_padding(block["padding"], f)
        for c in range(block["convs"]):
            s = block["strides"] if c == 0 else 1
            new = (conv_output_size(h, f, two_p / 2, s), conv_output_size(w, f, two_p / 2, s))
            if min(new) < 1:
                what = f"convolution {c + 1}: kernel_size={f}, strides={s}, " \
                       f"padding={block['padding']!r}"
                raise _size_error(i, what, (h, w), f, two_p, s, received)
            h, w = new
        if block["pooling"] is not None:
            k, s = block["pool_size"], block["pool_strides"]
            new = (conv_output_size(h, k, 0, s), conv_output_size(w, k, 0, s))
            if min(new) < 1:
                what = f"{block['pooling']} pooling: pool_size={k}, pool_strides={s}"
                raise _size_error(i, what, (h, w), k, 0, s, received)
            h, w = new
        sizes.append((h, w))
    return sizes
