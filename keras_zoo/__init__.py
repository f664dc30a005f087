"""keras-zoo: a Keras 3 model zoo with hyperparameter search over Keras Tuner.

Subpackages:
    keras_zoo.base      the neutral layer: task and label rules, text rules, checks, error types
    keras_zoo.zoo       model factories (ann, ...), the component catalog, task heads, registry
    keras_zoo.datasets  loaders -> ``Dataset`` (splits, task, tf.data pipelines)
    keras_zoo.diagnostics  training health: gradients, dead/saturated units, findings and cures
    keras_zoo.tuning    grid/random/hyperband/bayesian search over any factory

Importing ``keras_zoo`` registers its custom layers and losses, so saved models reload with
``keras.saving.load_model`` in safe mode.
"""

import os as _os
import sys as _sys

from keras_zoo.cli import prestart as _prestart

__version__ = "0.1.0"
__all__ = ["InputError", "InputFileError", "InputTypeError", "InputValueError", "__version__",
           "base", "datasets", "diagnostics", "load", "search", "tuning", "zoo"]

_prestart.from_command_line()  # `keras-zoo tune --workers N`: workers import while we do

# TensorFlow's C++ start-up chatter (CUDA probing on CPU machines) hides real messages; users can
# still set their own level before importing.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if _prestart.light_command(_sys.argv):
    # `keras-zoo --help`, `--version`, `models`, `datasets`, `components`: answered without Keras
    # (keras_zoo.cli.listing, from the snapshot keras_zoo.cli.catalog). Should anything still ask
    # for a subpackage, it imports on first use.
    _LAZY = {"InputError": "keras_zoo.base.errors", "InputFileError": "keras_zoo.base.errors",
             "InputTypeError": "keras_zoo.base.errors", "InputValueError": "keras_zoo.base.errors",
             "load": "keras_zoo.datasets", "search": "keras_zoo.tuning"}

    def __getattr__(name: str):
        import importlib

        if name in _LAZY:
            return getattr(importlib.import_module(_LAZY[name]), name)
        if name in __all__:
            return importlib.import_module(f"keras_zoo.{name}")
        raise AttributeError(f"module 'keras_zoo' has no attribute {name!r}")
else:
    from keras_zoo.base.quiet import quiet_native_stderr as _quiet

    with _quiet():
        import keras

        if keras.backend.backend() == "tensorflow":  # device probing also prints (cuInit on CPUs)
            import tensorflow as _tf

            _tf.config.list_physical_devices()

    from keras_zoo.base.backend import adapt_loading as _adapt_loading

    _adapt_loading()  # .keras files from TensorFlow/JAX load on PyTorch

    from keras_zoo import base, datasets, diagnostics, tuning, zoo
    from keras_zoo.base.errors import InputError, InputFileError, InputTypeError, InputValueError
    from keras_zoo.datasets import load
    from keras_zoo.tuning import search
