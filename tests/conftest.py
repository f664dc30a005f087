"""Shared fixtures: small seeded data, quiet TensorFlow, a clean Keras session per test."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo.tuning import split_cpu

# Two logical CPU devices for the whole session (before TensorFlow's first op), so the device
# placement of searches (tf.device, MirroredStrategy) is tested without GPUs.
split_cpu(2)


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts from a clean Keras graph and a fixed seed."""
    keras.backend.clear_session(free_memory=False)  # gc.collect() here would cost ~0.3 s a test
    keras.utils.set_random_seed(0)
    yield


@pytest.fixture(scope="session")
def breast_cancer():
    return kz.load("breast_cancer", seed=0)


@pytest.fixture(scope="session")
def iris():
    return kz.load("iris", seed=0)


@pytest.fixture
def tiny_binary():
    """64 samples, 6 features, a linearly separable binary target."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int32")
    return x, y
