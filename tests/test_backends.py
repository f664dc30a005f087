"""The same numbers on every Keras backend: each custom layer and loss, and ``.keras`` files
moved from one backend to another (each backend in its own interpreter, as ``KERAS_BACKEND``
needs; the computations are in ``tests/backend_parity.py``)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from keras_zoo.base.backend import BACKENDS

SCRIPT = os.path.join(os.path.dirname(__file__), "backend_parity.py")


def _run(backend: str, out_dir: str, mode: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, SCRIPT, out_dir, mode], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{backend} {mode} failed:\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def parity(tmp_path_factory):
    """Every backend saves (layers' numbers, models), then every backend loads the others'."""
    out = str(tmp_path_factory.mktemp("parity"))
    for mode in ("save", "load"):
        for backend in BACKENDS:
            _run(backend, out, mode)
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
