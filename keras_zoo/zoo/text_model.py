"""Models that take raw text through Keras' own methods: :class:`StringInputs` and :class:`TextModel`.

Keras' data adapters take texts only as NumPy object arrays or string tensors: a NumPy unicode
array (``np.array(list_of_strings)``, dtype ``<U...``) fails inside ``fit`` with ``Invalid dtype:
str...``, and a Python list of strings is read as a list of separate inputs. :class:`StringInputs`
converts what a user naturally passes (a list or tuple of strings, a unicode/bytes or object
array, a pandas Series or one-column DataFrame, also inside a dict, list or tuple of inputs) to
1-D object arrays before ``fit``, ``evaluate``, ``predict``, ``train_on_batch``,
``test_on_batch``, ``predict_on_batch`` and ``__call__`` hand it to Keras; tensors, datasets,
generators and numeric data pass unchanged. A value that is not a string (``None``, NaN) is
refused with its position instead of failing deep inside TensorFlow.

:class:`TextModel` is a Functional ``keras.Model`` with those methods: the raw-text recurrent
factories (``kz.zoo.lstm(texts=...)`` ...) return one. ``Seq2Seq`` mixes :class:`StringInputs` in
too. ``TextModel`` is registered as ``keras_zoo>TextModel``, so a saved model reloads with
``keras.saving.load_model`` in safe mode once ``keras_zoo`` is imported, and keeps its methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
import pandas as pd

from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo.layers._package import PACKAGE

__all__ = ["StringInputs", "TextModel", "as_string_inputs", "as_targets"]


def _is_string_sequence(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and bool(x) and isinstance(x[0], (str, bytes))


def _check_strings(arr: np.ndarray, argument: str) -> np.ndarray:
    bad = [i for i, value in enumerate(arr.reshape(-1)) if not isinstance(value, (str, bytes))]
    if bad:
        raise InputValueError(
            f"`{argument}` must hold strings; {len(bad)} value(s) are not (positions "
            f"{bad[:5]}{' ...' if len(bad) > 5 else ''}). "
            f"Received: {argument}[{bad[0]}]={arr.reshape(-1)[bad[0]]!r}")
    return arr


def _texts(x: Any, argument: str) -> Any:
    """One input: texts in any of the accepted forms -> a 1-D object array; anything else as is."""
    if isinstance(x, pd.DataFrame) and x.shape[1] == 1:
        x = x.iloc[:, 0]
    if isinstance(x, pd.Series):  # pandas' "string" dtype has kind "O" too
        if x.dtype.kind not in "OUS":
            return x.to_numpy()
        return _check_strings(x.to_numpy(dtype=object), argument)
    if _is_string_sequence(x):
        return _check_strings(np.asarray(x, dtype=object), argument)
    if isinstance(x, np.ndarray) and x.dtype.kind in "OUS":
        arr = x.astype(object) if x.dtype.kind != "O" else x
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        return _check_strings(arr, argument) if x.dtype.kind == "O" else arr
    return x


def as_string_inputs(x: Any, argument: str = "x") -> Any:
    """Model inputs with every text input as a 1-D NumPy object array (see the module docstring).

    Raises:
        TypeError: One string instead of a collection of texts.
        ValueError: A text input holding a value that is not a string.
    """
    if isinstance(x, (str, bytes)):
        raise InputTypeError(f"`{argument}` must be a list or array of texts (one per sample), "
                             f"not one string; wrap it in a list. Received: {argument}={x[:40]!r}")
    if isinstance(x, Mapping):
        return {k: _texts(v, f"{argument}[{k!r}]") for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and not _is_string_sequence(x):
        return type(x)(_texts(v, f"{argument}[{i}]") for i, v in enumerate(x))
    return _texts(x, argument)


def as_targets(y: Any) -> Any:
    """Targets as Keras' adapters take them: a list of strings or numbers, a pandas Series or
    DataFrame as a NumPy array (texts as object arrays); anything else (object arrays, one array
    per output) as is."""
    if isinstance(y, (pd.Series, pd.DataFrame)):
        y = y.to_numpy()
    elif _is_string_sequence(y):
        return np.asarray(y, dtype=object)
    elif isinstance(y, (list, tuple)) and y and isinstance(y[0], (int, float, np.generic)):
        return np.asarray(y)
    if isinstance(y, np.ndarray) and y.dtype.kind in "US":
        return y.astype(object)
    return y


def _validation(data: Any) -> Any:
    if isinstance(data, (tuple, list)) and len(data) in (2, 3):
        return (as_string_inputs(data[0], "validation_data[0]"),
                as_targets(data[1]), *data[2:])
    return data


class StringInputs:
    """Converts text inputs before Keras' methods see them (a mixin for ``keras.Model``)."""

    def fit(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.fit``; texts may be lists, unicode or object arrays, pandas Series."""
        if len(args) > 5:  # validation_data given by position
            args = (*args[:5], _validation(args[5]), *args[6:])
        elif "validation_data" in kwargs:
            kwargs["validation_data"] = _validation(kwargs["validation_data"])
        return super().fit(as_string_inputs(x), as_targets(y), *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.evaluate``, with texts converted as in :meth:`fit`."""
        return super().evaluate(as_string_inputs(x), as_targets(y), *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """``keras.Model.predict``, with texts converted as in :meth:`fit`."""
        return super().predict(as_string_inputs(x), *args, **kwargs)

    def train_on_batch(self, x, y=None, *args, **kwargs):
        """``keras.Model.train_on_batch``, with texts converted as in :meth:`fit`."""
        return super().train_on_batch(as_string_inputs(x), as_targets(y), *args, **kwargs)

    def test_on_batch(self, x, y=None, *args, **kwargs):
        """``keras.Model.test_on_batch``, with texts converted as in :meth:`fit`."""
        return super().test_on_batch(as_string_inputs(x), as_targets(y), *args, **kwargs)

    def predict_on_batch(self, x):
        """``keras.Model.predict_on_batch``, with texts converted as in :meth:`fit`."""
        return super().predict_on_batch(as_string_inputs(x))

    def __call__(self, *args, **kwargs):
        if args:
            args = (as_string_inputs(args[0], "inputs"), *args[1:])
        elif "inputs" in kwargs:
            kwargs["inputs"] = as_string_inputs(kwargs["inputs"], "inputs")
        return super().__call__(*args, **kwargs)


@keras.saving.register_keras_serializable(package=PACKAGE)
class TextModel(StringInputs, keras.Model):
    """A Functional model with raw-text input whose Keras methods take texts in any usual form.

    Built like ``keras.Model(inputs, outputs)``; saved and reloaded like any Functional model
    (its config is the Functional config).

    Example:
        >>> import numpy as np
        >>> import keras_zoo as kz
        >>> model = kz.zoo.lstm(texts=["a good film", "a bad film"], task="binary", units=4)
        >>> type(model).__name__
        'TextModel'
        >>> model.predict(np.array(["a good film", "bad"]), verbose=0).shape  # dtype <U11
        (2, 1)
    """
