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
A raw-text classifier's ``TextModel`` also maps class names (``["spam", "ham", ...]``) to ids
and back (``keras_zoo.zoo.class_labels``); its names are part of its config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
import pandas as pd

from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo import training as _training
from keras_zoo.zoo.class_labels import ClassLabels, refuse_string_labels
from keras_zoo.zoo.layers._package import PACKAGE

__all__ = ["ClassNames", "StringInputs", "TextModel", "as_string_inputs", "as_targets"]


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


def _with_converted(args: tuple, kwargs: dict, name: str, position: int, convert: Any
                    ) -> tuple[tuple, dict]:
    """A method's argument ``name`` (``args[position]`` after x and y, or a keyword) converted."""
    if len(args) > position:
        return (*args[:position], convert(args[position]), *args[position + 1:]), kwargs
    if kwargs.get(name) is not None:
        kwargs = {**kwargs, name: convert(kwargs[name])}
    return args, kwargs


class StringInputs:
    """Converts text inputs before Keras' methods see them (a mixin for ``keras.Model``).

    Targets go through :meth:`_as_targets` (:func:`as_targets` here) and ``class_weight``
    through :meth:`_class_weight` (as is here); ``TextModel`` also maps class names to ids.
    """

    def _as_inputs(self, x: Any, argument: str = "x") -> Any:
        return as_string_inputs(x, argument)

    def _as_targets(self, y: Any, argument: str = "y", *, learn: bool = False) -> Any:
        return as_targets(y)

    def _class_weight(self, weights: Any) -> Any:
        return weights

    def _validation(self, data: Any) -> Any:
        if isinstance(data, (tuple, list)) and len(data) in (2, 3):
            return (self._as_inputs(data[0], "validation_data[0]"),
                    self._as_targets(data[1], "validation_data[1]"), *data[2:])
        return data

    def fit(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.fit``; texts may be lists, unicode or object arrays, pandas Series."""
        y = self._as_targets(y, learn=True)  # before the validation labels: it may learn classes
        args, kwargs = _with_converted(args, kwargs, "validation_data", 5, self._validation)
        args, kwargs = _with_converted(args, kwargs, "class_weight", 7, self._class_weight)
        return super().fit(self._as_inputs(x), y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.evaluate``, with texts converted as in :meth:`fit`."""
        return super().evaluate(self._as_inputs(x), self._as_targets(y), *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """``keras.Model.predict``, with texts converted as in :meth:`fit`."""
        return super().predict(self._as_inputs(x), *args, **kwargs)

    def train_on_batch(self, x, y=None, *args, **kwargs):
        """``keras.Model.train_on_batch``, with texts converted as in :meth:`fit`."""
        y = self._as_targets(y, learn=True)
        args, kwargs = _with_converted(args, kwargs, "class_weight", 1, self._class_weight)
        return super().train_on_batch(self._as_inputs(x), y, *args, **kwargs)

    def test_on_batch(self, x, y=None, *args, **kwargs):
        """``keras.Model.test_on_batch``, with texts converted as in :meth:`fit`."""
        return super().test_on_batch(self._as_inputs(x), self._as_targets(y), *args, **kwargs)

    def predict_on_batch(self, x):
        """``keras.Model.predict_on_batch``, with texts converted as in :meth:`fit`."""
        return super().predict_on_batch(self._as_inputs(x))

    def __call__(self, *args, **kwargs):
        if args:
            args = (self._as_inputs(args[0], "inputs"), *args[1:])
        elif "inputs" in kwargs:
            kwargs["inputs"] = self._as_inputs(kwargs["inputs"], "inputs")
        return super().__call__(*args, **kwargs)


class ClassNames:
    """Class names for a single-label classifier (a mixin for :class:`StringInputs` models):
    ``fit``, ``evaluate``, ``*_on_batch`` and ``kz.zoo.fit`` map names to ids, the names are
    part of the config, :meth:`predict_classes` predicts names (``keras_zoo.zoo.class_labels``).
    :class:`TextModel` and ``keras_zoo.zoo.table_model.TableModel`` mix it in."""

    def with_class_labels(self, labels: ClassLabels | None) -> Any:
        """Set what the model makes of class names (the raw-text factories call this)."""
        self._class_labels = labels
        return self

    @property
    def class_labels(self) -> ClassLabels | None:
        """The task, number of classes and class names, or ``None`` (not a single-label
        classifier: string labels are refused)."""
        return getattr(self, "_class_labels", None)

    @property
    def classes_(self) -> np.ndarray | None:
        """The class names in id order (the columns of a multiclass ``predict``; a binary
        output is the probability of ``classes_[1]``), or ``None`` while unknown."""
        labels = self.class_labels
        return None if labels is None or labels.classes is None else np.asarray(labels.classes)

    def _as_targets(self, y: Any, argument: str = "y", *, learn: bool = False) -> Any:
        y = as_targets(y)
        labels = self.class_labels
        if labels is None:
            return refuse_string_labels(y, argument)
        labels, y = labels.encode(y, argument, learn=learn)
        self._class_labels = labels
        return y

    def _class_weight(self, weights: Any) -> Any:
        names = [k for k in weights if isinstance(k, (str, bytes))] if isinstance(
            weights, Mapping) else []
        if not names:
            return weights
        ids = self._as_targets(np.asarray(names, dtype=object), "class_weight").tolist()
        return {dict(zip(names, ids)).get(k, k): v for k, v in weights.items()}

    def validate_class_weight(self, weights: Any) -> Any:
        """``kz.zoo.fit``'s ``class_weight``: keys that are class names become ids, as in
        :meth:`fit` (after :meth:`validate_data` learned the names)."""
        return self._class_weight(weights)

    def validate_data(self, x: Any, y: Any) -> tuple[Any, Any]:
        """``kz.zoo.fit``'s check of in-memory data: class names become ids, as in :meth:`fit`."""
        return x, self._as_targets(y, learn=True)

    def classes_from(self, predictions: Any) -> np.ndarray:
        """One class per row of ``predict``'s (or ``kz.zoo.predict``'s) output: the names in
        :attr:`classes_`, or class ids while the model has no names."""
        if self.class_labels is None:
            raise InputValueError(
                "Class predictions need a single-label classifier (task='binary' or "
                "'multiclass', shape='many_to_one'); use predict() for this model's outputs. "
                f"Received: a model with output shape {self.output_shape}")
        return self.class_labels.decode(predictions)

    def predict_classes(self, x: Any, batch_size: int | None = None) -> np.ndarray:
        """The predicted class of each text: names from :attr:`classes_` (ids while unknown).

        Binary: ``classes_[1]`` where the output is above the head's threshold (0.5 for a
        sigmoid); multiclass: the most probable class. Predicts as ``kz.zoo.predict`` does.
        """
        options = {} if batch_size is None else {"batch_size": batch_size}
        return self.classes_from(_training.predict(self, x, **options))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if self.class_labels is not None:
            config["class_labels"] = self.class_labels.get_config()
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Any:
        config = dict(config)
        labels = config.pop("class_labels", None)
        model = super().from_config(config, custom_objects=custom_objects)
        return model.with_class_labels(None if labels is None else ClassLabels.from_config(labels))


@keras.saving.register_keras_serializable(package=PACKAGE)
class TextModel(ClassNames, StringInputs, keras.Model):
    """A Functional model with raw-text input whose Keras methods take texts in any usual form.

    Built like ``keras.Model(inputs, outputs)``; saved and reloaded like any Functional model
    (its config is the Functional config, plus its ``class_labels`` when it has them).

    A single-label classifier built by a raw-text factory also takes class names as labels
    (``keras_zoo.zoo.class_labels``): ``fit``, ``evaluate``, ``*_on_batch`` and ``kz.zoo.fit``
    map them to ids (the names given as ``classes=``, else those of the first ``fit``, sorted),
    as ``fit``'s and ``train_on_batch``'s ``class_weight`` keys;
    :attr:`classes_` lists them in id order and :meth:`predict_classes` predicts names. Integer
    labels are taken as class ids, as in plain Keras.

    Example:
        >>> import numpy as np
        >>> import keras_zoo as kz
        >>> model = kz.zoo.lstm(texts=["a good film", "a bad film"], task="binary", units=4)
        >>> type(model).__name__
        'TextModel'
        >>> model.predict(np.array(["a good film", "bad"]), verbose=0).shape  # dtype <U11
        (2, 1)
        >>> history = model.fit(["a good film", "a bad film"], ["pos", "neg"], verbose=0)
        >>> model.classes_.tolist(), model.predict_classes(["a good film"]).shape
        (['neg', 'pos'], (1,))
    """
