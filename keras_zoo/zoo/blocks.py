"""Building blocks the families share: hidden Dense blocks, standardization layers, penalties."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from keras_zoo.base import check_fraction
from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo import catalog

__all__ = ["dense_block", "normalization_layer", "regularizer"]


def dense_block(units: int, *, activation: Any = "relu", initializer: Any = None,
                dropout: float = 0.0, batch_norm: bool = False, l1: float = 0.0,
                l2: float = 0.0, name: str = "dense") -> list[keras.layers.Layer]:
    """The layers of one hidden block: Dense, optional BatchNorm, activation, optional Dropout."""
    if not isinstance(units, int) or units < 1:
        raise InputValueError(f"Hidden layer sizes must be positive integers. Received: {units!r}")
    check_fraction("dropout", dropout)
    init = initializer if initializer is not None else catalog.default_initializer(activation)
    fn = catalog.activation_function(activation)
    fused = fn is not None and not batch_norm
    layers = [keras.layers.Dense(
        units,
        activation=fn if fused else None,
        use_bias=not batch_norm,
        kernel_initializer=catalog.get_initializer(init),
        kernel_regularizer=regularizer(l1, l2),
        name=name,
    )]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization(name=f"{name}_bn"))
    if not fused:
        act = catalog.activation_layer(activation)
        layers.append(act)
    if dropout:
        layers.append(keras.layers.Dropout(dropout, name=f"{name}_dropout"))
    return layers


def normalization_layer(stats: tuple[Sequence[float], Sequence[float]], size: int, *,
                        argument: str = "normalization", invert: bool = False,
                        name: str = "standardize") -> keras.layers.Normalization:
    """A ``Normalization`` layer from ``(mean, variance)`` of ``size`` features.

    ``invert=True`` maps standardised values back (``x * std + mean``), for regression outputs.
    A zero variance (a constant column) is replaced by 1, as scikit-learn's ``StandardScaler``
    does, so a value never seen in training cannot blow up to ``x / 1e-7``.
    """
    try:
        mean, variance = stats
        mean = [float(v) for v in mean]
        variance = [float(v) for v in variance]
    except (TypeError, ValueError) as err:
        raise InputValueError(f"`{argument}` must be (mean, variance), two sequences of numbers. "
                         f"Received: {type(stats).__name__}") from err
    if len(mean) != size or len(variance) != size:
        raise InputValueError(f"`{argument}` has {len(mean)} means and {len(variance)} variances for "
                         f"{size} values; give one of each per value.")
    if min(variance) < 0:
        raise InputValueError(f"`{argument}` variances must be non-negative.")
    variance = [v if v > 0 else 1.0 for v in variance]
    return keras.layers.Normalization(mean=mean, variance=variance, invert=invert, name=name)


def regularizer(l1: float, l2: float) -> keras.regularizers.Regularizer | None:
    """An L1/L2 kernel regularizer, or ``None`` when both are zero."""
    for key, value in (("l1", l1), ("l2", l2)):
        if not isinstance(value, (int, float)) or value < 0:
            raise InputValueError(f"`{key}` must be a non-negative number. Received: {key}={value!r}")
    if not l1 and not l2:
        return None
    return keras.regularizers.L1L2(l1=float(l1), l2=float(l2))
