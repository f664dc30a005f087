"""Compile step shared by every factory: optimizer, loss and metrics from the head."""

from __future__ import annotations

from typing import Any

import keras

from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo.heads import Head


def compile_model(model: keras.Model, head: Head, *, optimizer: Any = "adam",
                  learning_rate: float | None = None, clipnorm: float | None = None,
                  clipvalue: float | None = None, global_clipnorm: float | None = None,
                  steps_per_execution: int = 1, jit_compile: bool | str = "auto") -> keras.Model:
    """Compile ``model`` with the head's loss and metrics and a catalog optimizer."""
    if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
        raise InputValueError("`steps_per_execution` must be a positive integer. "
                         f"Received: steps_per_execution={steps_per_execution!r}")
    opt = catalog.get_optimizer(optimizer, learning_rate=learning_rate, clipnorm=clipnorm,
                                clipvalue=clipvalue, global_clipnorm=global_clipnorm)
    model.compile(optimizer=opt, loss=head.loss, metrics=head.metrics,
                  steps_per_execution=steps_per_execution, jit_compile=jit_compile)
    return model


def regularizer(l1: float, l2: float) -> keras.regularizers.Regularizer | None:
    """An L1/L2 kernel regularizer, or ``None`` when both are zero."""
    for key, value in (("l1", l1), ("l2", l2)):
        if not isinstance(value, (int, float)) or value < 0:
            raise InputValueError(f"`{key}` must be a non-negative number. Received: {key}={value!r}")
    if not l1 and not l2:
        return None
    return keras.regularizers.L1L2(l1=float(l1), l2=float(l2))
