"""keras-zoo: a Keras 3 model zoo with hyperparameter search over Keras Tuner.

Subpackages:
    keras_zoo.base      the neutral layer: task and label rules, text rules, checks, error types
    keras_zoo.zoo       model factories (ann, ...), the component catalog, task heads, registry
    keras_zoo.datasets  loaders -> ``Dataset`` (splits, task, tf.data pipelines)
    keras_zoo.diagnostics  training health: gradients, dead/saturated units, findings and cures
    keras_zoo.tuning    grid/random/hyperband/bayesian search over any factory

Importing ``keras_zoo`` registers its custom layers and losses, so saved models reload with
``keras.saving.load_model`` in safe mode; it does the same in a program, a notebook and the
``keras-zoo`` command (whose entry, :mod:`keras_zoo_cli`, answers ``--help`` and the listings
without importing this package).
"""

import os as _os

__version__ = "0.1.0"
__all__ = ["InputError", "InputFileError", "InputTypeError", "InputValueError", "__version__",
           "base", "datasets", "diagnostics", "load", "search", "tuning", "zoo"]

# TensorFlow's C++ start-up chatter (CUDA probing on CPU machines) hides real messages; users can
# still set their own level before importing.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_zoo.base.quiet import quiet_native_stderr as _quiet

with _quiet():
    import keras

    if keras.backend.backend() == "tensorflow":  # device probing also prints (cuInit on CPUs)
        import tensorflow as _tf

        _tf.config.list_physical_devices()

from keras_zoo.base.backend import adapt_loading as _adapt_loading

_adapt_loading()  # .keras files from TensorFlow/JAX load on PyTorch

from keras_zoo import base, datasets, diagnostics, tuning, zoo
from keras_zoo.base.errors import (
    InputError,
    InputFileError,
    InputTypeError,
    InputValueError,
)
from keras_zoo.datasets import load
from keras_zoo.tuning import search
