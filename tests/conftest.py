"""Shared fixtures: small seeded data, quiet TensorFlow, a clean Keras session per test."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import keras_zoo as kz  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts from a clean Keras graph and a fixed seed."""
    keras.backend.clear_session()
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
