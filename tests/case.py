"""Reusable checks for every layer, loss and model the zoo ships (after keras-hub's TestCase).

* :func:`run_serialization_test`: ``get_config`` -> JSON -> ``from_config`` rebuilds an object
  with the same config (what ``.keras`` files rely on), and the rebuilt object computes the same
  outputs when inputs are given.
* :func:`run_model_saving_test`: ``model.save(".keras")`` -> ``keras.saving.load_model`` in safe
  mode -> the same predictions.

Import them in a test module: ``from tests.case import run_model_saving_test``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keras
import numpy as np


def json_round_trip(obj: Any) -> Any:
    """Serialize ``obj`` as a saved model does (through JSON) and rebuild it."""
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(obj)))
    return keras.saving.deserialize_keras_object(config)


def run_serialization_test(obj: Any, inputs: Any = None, *, call: Any = None,
                           rtol: float = 1e-6, atol: float = 1e-6) -> Any:
    """Check ``from_config(get_config())`` through JSON gives the same object; return the copy.

    Args:
        obj: A layer, loss, metric or model.
        inputs: When given, ``call(obj, inputs)`` and ``call(copy, inputs)`` must agree (weights
            are copied first for layers that have them).
        call: How to apply the object; default ``obj(inputs)``; losses take ``(y_true, y_pred)``.
    """
    copy = json_round_trip(obj)
    assert type(copy) is type(obj)
    assert copy.get_config() == obj.get_config()
    if inputs is not None:
        apply = call or (lambda o, x: o(x))
        expected = apply(obj, inputs)
        if getattr(obj, "weights", None):
            if not copy.built:
                apply(copy, inputs)
            copy.set_weights(obj.get_weights())
        np.testing.assert_allclose(keras.ops.convert_to_numpy(apply(copy, inputs)),
                                   keras.ops.convert_to_numpy(expected), rtol=rtol, atol=atol)
    return copy


def run_model_saving_test(model: keras.Model, inputs: Any, directory: str | Path, *,
                          rtol: float = 1e-4, atol: float = 1e-5) -> keras.Model:
    """Save ``model`` as ``.keras``, reload it in safe mode, and check it predicts the same."""
    path = Path(directory) / f"{model.name}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(reloaded.predict(inputs, verbose=0)),
                               np.asarray(model.predict(inputs, verbose=0)), rtol=rtol, atol=atol)
    return reloaded
