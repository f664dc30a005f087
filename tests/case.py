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


def read_tensorboard(directory: str | Path) -> dict[str, list[tuple[str, int, Any, str]]]:
    """Every summary under ``directory``, read back with TensorBoard's own event reader.

    Returns ``{run: [(tag, step, value, plugin), ...]}``: ``run`` is the folder of the event
    file relative to ``directory`` (``"train"``, ``"trial_0/execution0/validation"`` ...),
    ``value`` the tensor as NumPy (a float for scalars) or, for the HParams plugin, its parsed
    ``HParamsPluginData``; events in file order.
    """
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.plugins.hparams import plugin_data_pb2
    from tensorboard.util import tensor_util

    runs: dict[str, list[tuple[str, int, Any, str]]] = {}
    for path in sorted(Path(directory).rglob("events.out.tfevents.*")):
        run = path.parent.relative_to(directory).as_posix()
        for event in EventFileLoader(str(path)).Load():
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name
                if plugin == "hparams":
                    data = plugin_data_pb2.HParamsPluginData.FromString(
                        value.metadata.plugin_data.content)
                    runs.setdefault(run, []).append((value.tag, event.step, data, plugin))
                elif value.HasField("tensor"):
                    array = tensor_util.make_ndarray(value.tensor)
                    item = float(array) if array.ndim == 0 and array.dtype.kind == "f" else array
                    runs.setdefault(run, []).append((value.tag, event.step, item, plugin))
    return runs


def scalars(events: list[tuple[str, int, Any, str]], tag: str) -> list[tuple[int, float]]:
    """``(step, value)`` of the scalar ``tag`` among one run's events."""
    return [(step, value) for t, step, value, plugin in events
            if t == tag and plugin == "scalars"]


def to_numpy(x: Any) -> np.ndarray:
    """A tensor of any backend (a PyTorch one that requires grad too) as a NumPy array."""
    return keras.ops.convert_to_numpy(x)
