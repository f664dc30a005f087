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

BACKEND = keras.backend.backend()
print(f"keras-zoo test suite: Keras {keras.__version__} on the {BACKEND} backend")

# Two logical CPU devices for the whole session (before the backend's first op), so the device
# placement of searches (keras.device, MirroredStrategy) is tested without GPUs. PyTorch has one
# CPU device: the tests that need two say so and are skipped there.
if BACKEND != "torch":
    split_cpu(2)


def pytest_report_header(config):
    return f"keras backend: {BACKEND}"


# The modules that take longest (measured with `pytest -n 2 --durations=0`, 2026-12-07), longest
# first. They run first, so that with pytest-xdist (`make test` runs two test processes, each file
# in one of them) the short files fill the gaps at the end instead of one long file running alone.
LONGEST_FIRST = (
    "tuning/test_workers.py", "test_backends.py", "notebooks/test_notebooks.py",
    "tuning/test_remote.py", "test_readme.py", "tuning/test_search.py",
    "zoo/test_sklearn_checks.py", "zoo/test_text_inputs.py", "tuning/test_resume.py",
    "tuning/test_diagnostics_search.py", "diagnostics/test_monitor.py",
    "diagnostics/test_findings.py", "zoo/test_recurrent.py", "zoo/test_convolutional.py",
    "zoo/test_translation.py", "tuning/test_pruning.py", "zoo/test_registry.py",
    "zoo/test_training.py", "test_signals.py",
)


def _rank(item) -> int:
    path = item.nodeid.split("::", 1)[0].removeprefix("tests/")
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config, items):
    """The longest modules first (a stable sort: each module keeps its order). On JAX/PyTorch,
    tests of TensorFlow-only features are skipped, each with its reason (the refusal those
    backends give is tested on its own)."""
    items.sort(key=_rank)
    if BACKEND == "tensorflow":
        return
    for item in items:
        marker = item.get_closest_marker("tensorflow_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"TensorFlow-only on {BACKEND}: {reason}"))


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
