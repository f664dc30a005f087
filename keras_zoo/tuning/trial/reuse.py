"""Trials of one structure share one model: it is traced once, not once per trial (issue 11).

Building a model and tracing its training and validation steps costs about 0.5 s a trial on 2
cores, whatever the number of epochs: most of a short or pruned trial. A search over the
learning rate (alone, or with other axes) builds the same network again and again. Here the
model of a trial is kept, and the next trial whose factory keywords differ *only* in
``learning_rate`` gets it back exactly as it was built: every variable (weights, and the states
of its random seed generators) and every optimizer variable restored from a snapshot taken right
after it was built, then the new learning rate assigned. The fast training loop keeps the traced
functions of a model it trains again on the same data (:mod:`keras_zoo.zoo.fast_loop`), so the
trial starts training at once. The trial trains and scores as a freshly built model would
(``tests/tuning/test_reuse.py`` checks the scores are the same).

A model is reused only when all of this holds, and built afresh otherwise: the TensorFlow
backend, no distribution strategy, the factory takes an integer ``seed`` and a numeric
``learning_rate``, and the optimizer's learning rate is a variable (not a schedule). At most
:data:`MAX_MODELS` models are kept per process; worker processes are replaced after
``trials_per_process`` trials, which bounds it further.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import keras
import numpy as np

log = logging.getLogger(__name__)

MAX_MODELS = 4
"""Models kept per process (the most recently used)."""
ENABLED = True
"""Set to ``False`` to build every trial's model afresh."""

_CACHE: OrderedDict[Any, tuple[keras.Model, tuple[list, list], dict]] = OrderedDict()


def model_for(factory: Callable[..., Any], kwargs: Mapping[str, Any],
              build: Callable[[], keras.Model]) -> keras.Model:
    """The model ``build()`` would return for ``factory(**kwargs)``: a kept one of the same
    structure, restored and given ``kwargs["learning_rate"]``, or a new one (kept when it can
    be reused)."""
    key = _key(factory, kwargs)
    if key is None:
        return build()
    entry = _CACHE.get(key)
    if entry is not None:
        model, snapshot, _ = entry
        if _restore(model, snapshot, kwargs["learning_rate"]):
            _CACHE.move_to_end(key)
            return model
        del _CACHE[key]
    model = build()
    snapshot = _snapshot(model)
    if snapshot is not None:
        _CACHE[key] = (model, snapshot, dict(kwargs))  # the kwargs keep the ids in the key valid
        while len(_CACHE) > MAX_MODELS:
            _CACHE.popitem(last=False)
    return model


def clear() -> None:
    """Forget the kept models."""
    _CACHE.clear()


def _key(factory: Callable[..., Any], kwargs: Mapping[str, Any]) -> Any:
    if not ENABLED or keras.backend.backend() != "tensorflow":
        return None
    seed, rate = kwargs.get("seed"), kwargs.get("learning_rate")
    if isinstance(seed, bool) or not isinstance(seed, int):
        return None
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < np.inf:
        return None  # (a value the factory may reject: it builds, and checks it)
    import tensorflow as tf

    if tf.distribute.has_strategy():
        return None
    try:
        return (factory, _freeze({k: v for k, v in kwargs.items() if k != "learning_rate"}))
    except TypeError:  # an unhashable factory
        return None


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a keyword value: equal for equal values (arrays by content;
    objects that are neither by identity, kept alive by the cache entry)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, np.ndarray) and value.dtype.kind != "O":
        data = np.ascontiguousarray(value)
        return ("array", data.shape, data.dtype.str,
                hashlib.blake2b(data.view(np.uint8).reshape(-1), digest_size=16).hexdigest())
    return ("object", id(value))


def _snapshot(model: keras.Model) -> tuple[list, list] | None:
    """Every variable of the model and of its optimizer (built now, as training would), or
    ``None`` when the model cannot be reused (no optimizer, a learning-rate schedule)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", False):
        return None
    try:
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        optimizer.learning_rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    except (TypeError, ValueError, AttributeError):  # a schedule: it cannot be assigned
        return None
    return ([keras.ops.convert_to_numpy(v) for v in model.variables],
            [keras.ops.convert_to_numpy(v) for v in optimizer.variables])


def _restore(model: keras.Model, snapshot: tuple[list, list], learning_rate: float) -> bool:
    weights, slots = snapshot
    variables, optimizer_variables = model.variables, model.optimizer.variables
    if len(variables) != len(weights) or len(optimizer_variables) != len(slots):
        return False
    for variable, value in zip(variables, weights):
        variable.assign(value)
    for variable, value in zip(optimizer_variables, slots):
        variable.assign(value)
    model.optimizer.learning_rate = float(learning_rate)
    return True
