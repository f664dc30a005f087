"""Argument checks every factory and loader shares, and the one seeding rule."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import numpy as np

from keras_zoo.base.errors import InputValueError


def check_choice(argument: str, value: Any, choices: Iterable[Any]) -> Any:
    """Raise the project's standard error when ``value`` is not one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise InputValueError(f"`{argument}` must be one of {options}. Received: {argument}={value!r}")
    return value


def check_fraction(argument: str, value: float, *, low: float = 0.0, high: float = 1.0,
                   include_high: bool = False) -> float:
    """Check ``low <= value < high`` (or ``<= high``) and return it as a float."""
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    ok = ok and low <= value and (value <= high if include_high else value < high)
    if not ok:
        bracket = "]" if include_high else ")"
        raise InputValueError(
            f"`{argument}` must be a number in [{low}, {high}{bracket}. Received: {argument}={value!r}"
        )
    return float(value)


def per_layer(argument: str, value: Any, n_layers: int, *, what: str = "hidden layers",
              each: str = "layer") -> list[Any]:
    """Broadcast a single value to ``n_layers``, or check a per-layer sequence has that length.

    ``what``/``each`` name the layers in the message (``"conv blocks"``/``"block"``).
    """
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise InputValueError(
                f"`{argument}` has {len(value)} values but there are {n_layers} {what}; "
                f"give one value or one per {each}. Received: {argument}={value!r}"
            )
        return list(value)
    return [value] * n_layers


def positive_int(argument: str, value: Any, *, allow_none: bool = False) -> int | None:
    """Check ``value`` is an integer >= 1 (not a bool) and return it as ``int``."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise InputValueError(f"`{argument}` must be a positive integer{' or None' if allow_none else ''}."
                         f" Received: {argument}={value!r}")
    return int(value)


def layer_sizes(argument: str, value: Any) -> tuple[int, ...]:
    """Layer sizes as a tuple: one positive integer (one layer) or a sequence of them, one per
    layer (``()``: none). Text is no sequence of sizes: ``"abc"`` is refused whole, not as the
    layer ``'a'``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        sizes: Any = (value,)
    elif isinstance(value, (str, bytes)):
        sizes = None
    else:
        try:
            sizes = tuple(value)
        except TypeError:
            sizes = None
    if sizes is None or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                and v >= 1 for v in sizes):
        raise InputValueError(f"`{argument}` must be a positive integer or a sequence of positive "
                              f"integers, one per layer (e.g. {argument}=(64, 32)). "
                              f"Received: {argument}={value!r}")
    return tuple(int(v) for v in sizes)


def check_seed(seed: Any, argument: str = "seed") -> int | None:
    """Check ``seed`` is ``None`` or an integer in ``[0, 2**32 - 1]`` (what NumPy, scikit-learn
    and Keras all accept) and return it as ``int``."""
    if seed is None:
        return None
    if (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)
            or not 0 <= seed <= MAX_SEED):
        raise InputValueError(f"`{argument}` must be an integer from 0 to {MAX_SEED}, or None. "
                              f"Received: {argument}={seed!r}")
    return int(seed)


MAX_SEED = 2**32 - 1
"""The largest seed NumPy's and scikit-learn's random states take."""


def set_seed(seed: int | None) -> None:
    """Seed Python, NumPy and Keras (TensorFlow included) from one integer; ``None`` does nothing."""
    if check_seed(seed) is None:
        return
    import keras

    random.seed(int(seed))
    np.random.seed(int(seed))
    keras.utils.set_random_seed(int(seed))
