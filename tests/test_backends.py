"""The same numbers on every Keras backend: each custom layer and loss, and ``.keras`` files
moved from one backend to another (each backend in its own interpreter, as ``KERAS_BACKEND``
needs; the computations are in ``tests/backend_parity.py``). The suite's own backend runs them in
the test process; each other backend in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_zoo.base.backend import BACKENDS
from tests import backend_parity

SCRIPT = os.path.join(os.path.dirname(__file__), "backend_parity.py")


def _run(backend: str, out_dir: str, *modes: str) -> None:
    """The modes, in order, in one fresh interpreter under ``backend``."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, SCRIPT, out_dir, *modes], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{backend} {' + '.join(modes)} failed:\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def parity(tmp_path_factory):
    """Every backend saves (layers' numbers, models), then every backend loads the others'.

    The suite's backend saves and loads here, in the test process (most of a subprocess' time is
    importing Keras and the package); the last other backend saves and then loads in one
    interpreter, since every other backend has saved by then: 2 subprocesses fewer than 6."""
    out = str(tmp_path_factory.mktemp("parity"))
    here = keras.backend.backend()
    others = [backend for backend in BACKENDS if backend != here]
    backend_parity.run(out, "save")
    for backend in others[:-1]:
        _run(backend, out, "save")
    _run(others[-1], out, "save", "load")  # every backend has saved: it loads them all
    for backend in others[:-1]:
        _run(backend, out, "load")
    backend_parity.run(out, "load")
    keras.backend.clear_session(free_memory=False)
    return out


def _npz(*parts: str) -> dict[str, np.ndarray]:
    with np.load(os.path.join(*parts)) as data:
        return dict(data)


@pytest.mark.tensorflow_only("runs every backend itself, once, from the TensorFlow suite")
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_every_custom_layer_and_loss_gives_tensorflows_numbers(parity, backend):
    reference, other = _npz(parity, "tensorflow", "layers.npz"), _npz(parity, backend, "layers.npz")
    assert sorted(other) == sorted(reference) and len(reference) >= 20
    for name, expected in reference.items():
        assert other[name].shape == expected.shape, name
        np.testing.assert_allclose(other[name], expected, rtol=1e-5, atol=1e-5, err_msg=name)
    assert not np.allclose(reference["padding_reflect"], reference["padding_edge"])  # distinct


@pytest.mark.tensorflow_only("runs every backend itself, once, from the TensorFlow suite")
@pytest.mark.parametrize("saved", BACKENDS)
def test_a_model_saved_on_one_backend_predicts_the_same_on_the_others(parity, saved):
    expected = _npz(parity, saved, "saved.npz")
    assert sorted(expected) == ["ann", "cnn", "lstm"]
    for loader in BACKENDS:
        if loader == saved:
            continue
        loaded = _npz(parity, loader, f"loaded_from_{saved}.npz")
        for name in expected:
            np.testing.assert_allclose(loaded[name], expected[name], rtol=1e-5, atol=1e-5,
                                       err_msg=f"{name}: saved on {saved}, loaded on {loader}")
