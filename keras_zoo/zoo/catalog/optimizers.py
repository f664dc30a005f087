"""The optimizer table.

Every entry resolves through ``keras.optimizers.get({"class_name": ..., "config": ...})`` and
is named after its entry (``optimizer.name == "momentum"``), so :func:`canonical_optimizer`
recognises the optimizers it built. ``gd``, ``sgd``, ``minibatch_sgd``, ``momentum`` and
``nesterov`` are Keras' ``SGD`` with their own settings; ``extra["batch_size"]`` holds the batch
size a name implies (``"full"`` for gd, 1 for sgd).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo.catalog.table import ComponentInfo, ComponentTable, keras_component

__all__ = [
    "OPTIMIZERS",
    "canonical_optimizer",
    "get_optimizer",
    "implied_batch_size",
    "list_optimizers",
]

_OVERRIDES = ("learning_rate", "clipnorm", "clipvalue", "global_clipnorm")


def _optimizer(name: str, description: str, keras_name: str, aliases: tuple[str, ...] = (), *,
               batch_size: int | str | None = None, **settings: Any) -> ComponentInfo:
    return keras_component(keras.optimizers.get, keras_name, name, description, aliases,
                           defaults={"name": name, **settings}, extra={"batch_size": batch_size})


OPTIMIZERS = ComponentTable("optimizer", "optimizer", [
    _optimizer("gd", "Full-batch (vanilla) gradient descent: the whole training set is one batch, "
               "one update per epoch; smooth but memory-hungry.", "SGD",
               ("batch_gd", "full_batch_gd", "gradient_descent", "batch_gradient_descent"),
               batch_size="full"),
    _optimizer("sgd", "Stochastic gradient descent: one sample per update (batch_size=1); noisy "
               "and slow per epoch.", "SGD", ("stochastic_gradient_descent",), batch_size=1),
    _optimizer("minibatch_sgd", "Mini-batch SGD: plain SGD updates on batches (batch_size, "
               "default 32).", "SGD", ("mini_batch_sgd", "minibatch", "mbsgd")),
    _optimizer("momentum", "Mini-batch SGD with momentum 0.9: an exponentially weighted average of "
               "gradients smooths the noise.", "SGD", ("sgd_momentum", "momentum_sgd", "sgdm"),
               momentum=0.9),
    _optimizer("nesterov", "SGD with Nesterov momentum 0.9 (look-ahead gradient).", "SGD",
               ("nag", "nesterov_momentum"), momentum=0.9, nesterov=True),
    _optimizer("adagrad", "Adagrad: per-parameter learning rates that decay with the sum of squared "
               "gradients.", "Adagrad"),
    _optimizer("rmsprop", "RMSprop: Adagrad with an exponentially decaying average, so the rate "
               "does not vanish.", "RMSprop", ("rms_prop",)),
    _optimizer("adam", "Adam: momentum + RMSprop with bias correction; the usual default.", "Adam"),
    _optimizer("adamw", "Adam with decoupled weight decay.", "AdamW", ("adam_w",)),
    _optimizer("nadam", "Adam with Nesterov momentum.", "Nadam"),
    _optimizer("adamax", "Adam with the infinity norm.", "Adamax"),
    _optimizer("adadelta", "Adadelta: Adagrad variant without a decaying global rate.", "Adadelta"),
    _optimizer("ftrl", "FTRL-proximal: sparse, L1-friendly updates (large linear models).", "Ftrl"),
    _optimizer("lion", "Lion: sign-based momentum updates (use a 3-10x smaller learning rate).",
               "Lion"),
])


def canonical_optimizer(spec: Any) -> str | None:
    """The canonical name of an optimizer spec (or of a zoo-built optimizer object)."""
    if isinstance(spec, (str, Mapping)):
        return OPTIMIZERS.spec_name(spec)
    name = getattr(spec, "name", None)
    return name if name in OPTIMIZERS.entries else None


def get_optimizer(spec: Any = "adam", *, learning_rate: float | None = None,
                  clipnorm: float | None = None, clipvalue: float | None = None,
                  global_clipnorm: float | None = None) -> keras.optimizers.Optimizer:
    """A fresh Keras optimizer from a name, dict or object.

    ``learning_rate`` defaults to Keras' own default for that optimizer (0.01 for the SGD family,
    0.001 for the adaptive ones). Gradient clipping: ``clipnorm`` (per-variable norm),
    ``global_clipnorm`` (norm over all gradients) and ``clipvalue`` (element-wise) work on every
    optimizer. ``gd`` and ``sgd`` also fix the batch size (see :func:`implied_batch_size`).
    """
    given = dict(zip(_OVERRIDES, (learning_rate, clipnorm, clipvalue, global_clipnorm)))
    overrides = {k: _check_positive(k, v) for k, v in given.items() if v is not None}
    if clipnorm is not None and global_clipnorm is not None:
        raise InputValueError("Set at most one of `clipnorm` and `global_clipnorm`. Received: "
                              f"clipnorm={clipnorm!r}, global_clipnorm={global_clipnorm!r}")
    if isinstance(spec, keras.optimizers.Optimizer):
        if overrides:
            raise InputValueError(
                "`learning_rate` and clipping apply to optimizers given by name; set them on the "
                f"optimizer object you passed instead. Received: optimizer={spec!r}, "
                + ", ".join(f"{k}={v!r}" for k, v in overrides.items())
            )
        return spec
    return OPTIMIZERS.create(spec, overrides)


def _check_positive(key: str, value: Any) -> Any:
    """A positive number (NumPy's as a float); ``learning_rate`` may also be a Keras
    learning-rate schedule or a callable, as Keras' optimizers take."""
    if key == "learning_rate" and callable(value):  # a LearningRateSchedule is callable
        return value
    if not isinstance(value, (int, float, np.number)) or isinstance(value, (bool, np.bool_)):
        schedule = " (or a keras.optimizers.schedules.LearningRateSchedule)" \
            if key == "learning_rate" else ""
        raise InputTypeError(f"`{key}` must be a positive number{schedule}. "
                             f"Received: {key}={value!r} ({type(value).__name__})")
    if not value > 0:
        raise InputValueError(f"`{key}` must be positive. Received: {key}={value!r}")
    return float(value) if isinstance(value, np.number) else value


def implied_batch_size(optimizer: Any, n_samples: int | None = None) -> int | None:
    """The batch size an optimizer's name implies: ``gd`` -> all samples, ``sgd`` -> 1, else None."""
    name = canonical_optimizer(optimizer) if optimizer is not None else None
    if name is None:
        return None
    implied = OPTIMIZERS.entries[name].extra["batch_size"]
    if implied == "full":
        return n_samples
    return implied


def list_optimizers(pattern: str | None = None) -> dict[str, str]:
    """Optimizer names with one-line descriptions."""
    return OPTIMIZERS.listing(pattern)
