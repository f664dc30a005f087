"""Device resolution and placement (on a CPU split into logical devices by conftest)."""

from __future__ import annotations

import pytest
import tensorflow as tf

from keras_zoo.tuning import devices


def test_auto_without_gpu_is_the_cpu(caplog):
    assert devices.resolve_devices("auto") == ["/CPU:0"]
    assert devices.resolve_devices("cpu") == ["/CPU:0"]


def test_gpu_requested_without_one_is_a_clear_error():
    with pytest.raises(ValueError, match="sees no GPU"):
        devices.resolve_devices("gpu")


def test_names_are_normalised_and_checked():
    assert devices.resolve_devices(["cpu:1", "/device:CPU:0"]) == ["/CPU:1", "/CPU:0"]
    with pytest.raises(ValueError, match="Unknown device '/GPU:3'. Available: /CPU:0, /CPU:1"):
        devices.resolve_devices(["/GPU:3"])
    with pytest.raises(ValueError, match="twice"):
        devices.resolve_devices(["/CPU:0", "cpu:0"])


def test_workers_placement_gives_each_worker_its_device():
    placement = devices.make_placement(["/CPU:0", "/CPU:1"], "workers")
    assert placement.mode == "workers" and placement.n_workers == 2
    assert [placement.device_for(i) for i in range(3)] == ["/CPU:0", "/CPU:1", "/CPU:0"]
    with placement.scope(1):
        assert tf.constant(1.0).device.endswith("CPU:1")


def test_mirrored_placement_spans_the_devices():
    placement = devices.make_placement(["/CPU:0", "/CPU:1"], "mirrored")
    assert placement.n_workers == 1
    with placement.scope():
        strategy = tf.distribute.get_strategy()
        assert strategy.num_replicas_in_sync == 2


def test_bad_multi_device():
    with pytest.raises(ValueError, match="'workers' or 'mirrored'"):
        devices.make_placement("auto", "pipeline")


def test_describe():
    info = devices.describe(["/CPU:0", "/CPU:1"], "workers")
    assert info["devices"] == ["/CPU:0", "/CPU:1"] and info["workers"] == 2
