"""Device resolution and placement (on a CPU split into logical devices by conftest; PyTorch
has one CPU device, so the tests that need two are skipped there with that reason)."""

from __future__ import annotations

import keras
import pytest

from keras_zoo.base.backend import backend
from keras_zoo.tuning.trial import devices

two_cpus = pytest.mark.skipif(backend() == "torch", reason="PyTorch has one CPU device")


def device_of(x) -> str:
    """A tensor's device in keras-zoo's names (``/CPU:1``)."""
    if backend() == "tensorflow":
        return "/" + x.device.rsplit("device:", 1)[1]
    if backend() == "jax":
        (device,) = x.devices()
        return f"/{device.platform.upper()}:{device.id}"
    return "/CPU:0" if x.device.type == "cpu" else f"/GPU:{x.device.index}"


@pytest.mark.every_backend
def test_auto_without_gpu_is_the_cpu(caplog):
    assert devices.resolve_devices("auto") == ["/CPU:0"]
    assert devices.resolve_devices("cpu") == ["/CPU:0"]


@pytest.mark.every_backend
def test_gpu_requested_without_one_is_a_clear_error():
    with pytest.raises(ValueError, match="sees no GPU"):
        devices.resolve_devices("gpu")


@pytest.mark.every_backend
@two_cpus
def test_names_are_normalised_and_checked():
    assert devices.resolve_devices(["cpu:1", "/device:CPU:0"]) == ["/CPU:1", "/CPU:0"]
    with pytest.raises(ValueError, match="Unknown device '/GPU:3'. Available: /CPU:0, /CPU:1"):
        devices.resolve_devices(["/GPU:3"])
    with pytest.raises(ValueError, match="twice"):
        devices.resolve_devices(["/CPU:0", "cpu:0"])


@pytest.mark.every_backend
def test_unknown_device_names_what_there_is():
    with pytest.raises(ValueError, match="Unknown device '/GPU:3'. Available: /CPU:0"):
        devices.resolve_devices(["/GPU:3"])


@pytest.mark.every_backend
@two_cpus
def test_workers_placement_gives_each_worker_its_device():
    placement = devices.make_placement(["/CPU:0", "/CPU:1"], "workers")
    assert placement.mode == "workers" and placement.n_workers == 2
    assert [placement.device_for(i) for i in range(3)] == ["/CPU:0", "/CPU:1", "/CPU:0"]
    for worker, expected in ((1, "/CPU:1"), (0, "/CPU:0")):
        with placement.scope(worker):
            x = keras.ops.ones((2,)) + 1.0
        assert device_of(x) == expected


@pytest.mark.every_backend
def test_a_single_device_scope_places_on_it():
    placement = devices.make_placement("cpu")
    with placement.scope(0):
        x = keras.ops.ones((2,)) * 3.0
    assert placement.mode == "single" and device_of(x) == "/CPU:0"


@pytest.mark.every_backend
@pytest.mark.tensorflow_only("MirroredStrategy is tf.distribute")
def test_mirrored_placement_spans_the_devices():
    import tensorflow as tf

    placement = devices.make_placement(["/CPU:0", "/CPU:1"], "mirrored")
    assert placement.n_workers == 1
    with placement.scope():
        strategy = tf.distribute.get_strategy()
        assert strategy.num_replicas_in_sync == 2


@pytest.mark.every_backend
@pytest.mark.skipif(backend() != "jax", reason="the refusal of 'mirrored' off TensorFlow, "
                    "on JAX (the backend here with two CPU devices)")
def test_mirrored_is_refused_off_tensorflow_with_the_alternative():
    with pytest.raises(ValueError, match="multi_device='mirrored'.*needs the TensorFlow "
                       "backend.*multi_device='workers'"):
        devices.make_placement(["/CPU:0", "/CPU:1"], "mirrored")


@pytest.mark.every_backend
@pytest.mark.skipif(backend() != "torch", reason="PyTorch's refusal; TensorFlow and JAX split "
                    "the CPU (conftest)")
def test_torch_cannot_split_its_cpu():
    with pytest.raises(ValueError, match="PyTorch has one CPU device"):
        devices.split_cpu(2)
    assert devices.split_cpu(1) == ["/CPU:0"]


@pytest.mark.every_backend
def test_bad_multi_device():
    with pytest.raises(ValueError, match="'workers' or 'mirrored'"):
        devices.make_placement("auto", "pipeline")


@pytest.mark.every_backend
def test_describe_names_the_backend():
    info = devices.describe("cpu", "workers")
    assert info["backend"] == backend() and info["gpus"] == 0
    assert info["devices"] == ["/CPU:0"] and info["workers"] == 1
    assert any(line.startswith("CPU") for line in info["physical"])
