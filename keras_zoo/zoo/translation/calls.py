"""Seq2Seq's Keras methods on texts, on every backend (mixed into :class:`Seq2Seq`).

On TensorFlow the model vectorizes its strings in the graph, so texts go to Keras unchanged,
checked first. On JAX and PyTorch no graph holds strings: these methods vectorize the texts
eagerly (the model's own ``TextVectorization`` layers) and hand Keras token ids:
``(source ids, decoder inputs)``, output ids and per-token weights (:meth:`training_arrays`).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from keras_zoo.base import text as _text
from keras_zoo.zoo.text_model import as_string_inputs, as_targets
from keras_zoo.zoo.translation.tokens import is_text as _is_text

__all__ = ["TextCalls"]

_TF = keras.backend.backend() == "tensorflow"  # string tensors exist only there


def _texts_to_check(x: Any) -> bool:
    """Whether ``fit``/``evaluate`` check ``x`` as source texts: not for id arrays
    ``(source_ids, decoder_inputs)`` (what the model trains on under JAX/PyTorch)."""
    ids = isinstance(x, (list, tuple)) and len(x) == 2 and all(
        isinstance(a, np.ndarray) and a.dtype.kind in "iu" for a in x)
    return not ids and (_is_text(x) or isinstance(x, (np.ndarray, list, tuple)))


class TextCalls:
    """``fit``, ``evaluate``, ``predict``, ``*_on_batch`` and ``model(...)`` on texts; the model
    provides ``validate_data``, ``_teacher_forcing_batch``, ``_shift`` and its vectorizers."""

    def training_arrays(self, x: Any, y: Any, sample_weight: Any = None) -> tuple:
        """Texts -> the NumPy ``((source ids, decoder inputs), output ids, weights)`` a
        training step takes, vectorized eagerly: on JAX and PyTorch, whose graphs hold no
        strings, ``fit`` and ``evaluate`` train on these."""
        data = (x, y) if sample_weight is None else (x, y, np.asarray(sample_weight))
        (source, inputs), outputs, weights = self._teacher_forcing_batch(data)
        return ((ops.convert_to_numpy(source), ops.convert_to_numpy(inputs)),
                ops.convert_to_numpy(outputs), ops.convert_to_numpy(weights))

    def _source_ids(self, x: Any) -> Any:
        """Source texts -> their ids on JAX/PyTorch (eager vectorization); as is on TensorFlow."""
        if _TF or not _is_text(x):
            return x
        return ops.convert_to_numpy(self.source_vectorizer(np.asarray(x, dtype=object)))

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        """``keras.Model.fit`` on (source texts, target texts), checked first (see
        :meth:`validate_data`)."""
        x, y = as_string_inputs(x), as_targets(y)
        if _texts_to_check(x):
            x, y = self.validate_data(x, y)
        if validation_data is not None and len(validation_data) >= 2 and _is_text(
                validation_data[0]):
            validation_data = (*self.validate_data(*validation_data[:2]), *validation_data[2:])
        if not _TF and _is_text(x):
            x, y, kwargs["sample_weight"] = self.training_arrays(x, y, kwargs.get("sample_weight"))
            if validation_data is not None and len(validation_data) >= 2:
                validation_data = self.training_arrays(*validation_data[:3])
        return super().fit(x, y, *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.evaluate`` on (source texts, target texts): teacher-forced loss, token
        accuracy and sequence accuracy. For the exact match of decoded texts use
        :meth:`exact_match`."""
        x, y = as_string_inputs(x), as_targets(y)
        if _texts_to_check(x):
            x, y = self.validate_data(x, y)
        if not _TF and _is_text(x):
            x, y, kwargs["sample_weight"] = self.training_arrays(x, y, kwargs.get("sample_weight"))
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """The greedy decoder's probabilities ``(samples, max_target_length + 1, vocabulary)``."""
        x = as_string_inputs(x)
        if _is_text(x):
            x = _text.as_texts(x, "texts", allow_empty_strings=True)
        return super().predict(self._source_ids(x), *args, **kwargs)

    def train_on_batch(self, x, y=None, sample_weight=None, *args, **kwargs):
        """``keras.Model.train_on_batch`` on (source texts, target texts)."""
        x, y, sample_weight = self._batch_ids(x, y, sample_weight)
        return super().train_on_batch(x, y, sample_weight, *args, **kwargs)

    def test_on_batch(self, x, y=None, sample_weight=None, *args, **kwargs):
        """``keras.Model.test_on_batch`` on (source texts, target texts)."""
        x, y, sample_weight = self._batch_ids(x, y, sample_weight)
        return super().test_on_batch(x, y, sample_weight, *args, **kwargs)

    def _batch_ids(self, x: Any, y: Any, sample_weight: Any) -> tuple:
        x, y = as_string_inputs(x), as_targets(y)
        if _TF or not _is_text(x):
            return x, y, sample_weight
        return self.training_arrays(x, y, sample_weight)

    def __call__(self, *args, **kwargs):
        if not _TF and args:  # texts become ids before they reach a JAX/PyTorch graph
            args = (self._id_inputs(as_string_inputs(args[0], "inputs")), *args[1:])
        return super().__call__(*args, **kwargs)

    def _id_inputs(self, inputs: Any) -> Any:
        if isinstance(inputs, (tuple, list)) and len(inputs) == 2 and _is_text(inputs[0]):
            target = self._shift(self.target_vectorizer(inputs[1]))[0]
            return self._source_ids(inputs[0]), ops.convert_to_numpy(target)
        return self._source_ids(inputs)

    def predict_on_batch(self, x):
        """``keras.Model.predict_on_batch`` on source texts (or ids)."""
        x = as_string_inputs(x)
        if _is_text(x):
            x = _text.as_texts(x, "texts", allow_empty_strings=True)
        return super().predict_on_batch(self._source_ids(x))
