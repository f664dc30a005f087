"""The Keras backend in use, and the one rule for features that need TensorFlow.

keras-zoo runs on every Keras 3 backend (``KERAS_BACKEND=tensorflow`` (default), ``jax``,
``torch``). A few features are TensorFlow code by nature (string tensors in a model,
``tf.distribute``, ``tf.data``); on another backend they are refused by
:func:`require_tensorflow` with a message naming what to do instead, before anything is built.

Device names are TensorFlow's everywhere in keras-zoo (``/CPU:0``, ``/GPU:1``);
:func:`keras_device_name` turns one into what ``keras.device`` takes on the backend in use.
"""

from __future__ import annotations

import os

from keras_zoo.base.errors import InputValueError

BACKENDS = ("tensorflow", "jax", "torch")

__all__ = ["BACKENDS", "adapt_loading", "backend", "is_tensorflow", "keras_device_name",
           "require_tensorflow"]


def backend() -> str:
    """The Keras backend's name (``keras.backend.backend()``; Keras is imported on first use)."""
    import keras

    return keras.backend.backend()


def is_tensorflow() -> bool:
    return backend() == "tensorflow"


def require_tensorflow(feature: str, instead: str) -> None:
    """Refuse ``feature`` on a backend other than TensorFlow.

    Raises:
        InputValueError: The message names the feature, the backend in use, ``instead`` (what
            works on every backend) and ``KERAS_BACKEND=tensorflow``.
    """
    name = backend()
    if name != "tensorflow":
        raise InputValueError(
            f"{feature} needs the TensorFlow backend; Keras runs on {name!r} here "
            f"(KERAS_BACKEND={os.environ.get('KERAS_BACKEND', name)}). {instead} Or set "
            f"KERAS_BACKEND=tensorflow before Python starts. Received: backend={name!r}")


def keras_device_name(name: str) -> str:
    """``/GPU:1`` -> what ``keras.device`` takes on this backend: ``/GPU:1`` (TensorFlow),
    ``gpu:1`` (JAX), ``cuda:1`` (PyTorch); the CPU is ``cpu:0``/``cpu`` there."""
    kind, _, index = name.strip().lstrip("/").partition(":")
    kind, index = kind.lower(), index or "0"
    current = backend()
    if current == "tensorflow":
        return f"/{kind.upper()}:{index}"
    if current == "torch":
        return "cpu" if kind == "cpu" else f"cuda:{index}"
    return f"{kind}:{index}"


def adapt_loading() -> None:
    """Let ``.keras`` files saved on TensorFlow or JAX load on PyTorch.

    Such a file may hold ``steps_per_execution > 1`` in its compile config (the zoo's default on
    TensorFlow, see :func:`keras_zoo.zoo.factory.compile_model`); Keras' PyTorch trainer refuses
    any value but 1 at the first ``predict``/``fit``. On PyTorch, ``import keras_zoo`` makes
    ``keras.Model.compile_from_config`` (what ``keras.saving.load_model`` calls) read such a value
    as 1; nothing else of the config changes, and nothing changes on the other backends.
    """
    import keras

    if backend() != "torch" or getattr(keras.Model.compile_from_config, "_keras_zoo", False):
        return
    original = keras.Model.compile_from_config

    def compile_from_config(self, config):
        if isinstance(config, dict) and isinstance(config.get("steps_per_execution"), int) \
                and config["steps_per_execution"] > 1:
            config = {**config, "steps_per_execution": 1}  # PyTorch's trainer takes only 1
        return original(self, config)

    compile_from_config._keras_zoo = True
    compile_from_config.__doc__ = original.__doc__
    keras.Model.compile_from_config = compile_from_config
