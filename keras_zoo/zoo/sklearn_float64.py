"""The estimators' predictions in float64: a float64 twin of ``model_`` (see
``predict_float64``), kept outside the estimator in a weak table."""

from __future__ import annotations

import weakref

import keras
import numpy as np

from keras_zoo.zoo import training

__all__ = ["predict_float64"]

# model_ -> its float64 twin; kept outside the estimator so predict leaves its state as it was.
_TWINS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PREDICT_CHUNK = 65536


def _float64_twin(model: keras.Model) -> keras.Model | None:
    """An uncompiled copy of ``model`` whose layers compute in float64 (None if it cannot be)."""
    def float64(layer: keras.layers.Layer) -> keras.layers.Layer:
        return layer.__class__.from_config({**layer.get_config(), "dtype": "float64"})

    try:
        return keras.models.clone_model(model, clone_function=float64)
    except (TypeError, ValueError, NotImplementedError):  # a layer that does not rebuild so
        return None


def predict_float64(model: keras.Model, X: np.ndarray) -> np.ndarray:
    """``model``'s outputs computed in float64 from its current weights.

    In float32 a row's outputs differ in the last bits with its position in the batch (the
    matrix products' blocking), so ``predict(X)[idx]`` and ``predict(X[idx])`` would differ;
    in float64 such differences are ~1e-16, and the outputs are what scikit-learn's estimators
    return. The weights are read from ``model`` at every call, so a ``model_`` trained further
    predicts with its new weights.
    """
    if model not in _TWINS:
        _TWINS[model] = _float64_twin(model)
    twin = _TWINS[model]
    if twin is None:
        return np.asarray(training.predict(model, X), dtype="float64")
    for source, target in zip(model.weights, twin.weights):
        target.assign(keras.ops.cast(source, "float64"))
    parts = [keras.ops.convert_to_numpy(twin(X[i:i + _PREDICT_CHUNK], training=False))
             for i in range(0, len(X), _PREDICT_CHUNK)]
    return np.concatenate(parts, axis=0).astype("float64", copy=False)
