"""Class names for the raw-text classifiers: ``model.fit(texts, ["spam", "ham", ...])``.

Keras' losses take numbers, so string labels used to fail deep inside TensorFlow ("Cast string to
float is not supported"). A raw-text recurrent classifier (``task="binary"`` or
``"multiclass"``, ``shape="many_to_one"``, sparse labels) holds a :class:`ClassLabels`: its
task, its number of classes and, once known, the class names in id order. The names are either
given when the model is built (``kz.zoo.lstm(texts=..., classes=["ham", "spam"])``: id ``i`` is
``classes[i]``, and ``num_classes`` follows from them) or learned on the first ``fit`` that
sees string labels: sorted, as scikit-learn's ``LabelEncoder`` and the dataset loaders order
them. ``fit``, ``evaluate``, ``train_on_batch``, ``test_on_batch`` and ``kz.zoo.fit`` then map
names to ids before Keras sees them; integer labels are taken as ids, as before.

The names are part of the model's config (``TextModel.get_config()``: JSON, no Lambda layer),
so a ``.keras`` file reloads with them in safe mode. A label outside the known names is refused
with :class:`~keras_zoo.base.errors.InputValueError` naming it and the known classes; so are
string labels given to a model that takes other targets (regression, multilabel, one-hot or
per-step labels), with what to pass instead.

Integer labels are always class ids, as in plain Keras: when the classes came from numbers (a
CSV's ``1``/``2`` target: names ``["1", "2"]``, ids 0 and 1), pass those labels as text
(``y.astype(str)``), which is what ``keras-zoo evaluate`` does.

Labels are mapped in Python, so they must be in memory (a list, NumPy array or pandas Series);
a ``tf.data`` pipeline must carry integer ids.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo.heads import Head, binary_threshold

__all__ = ["ClassLabels", "check_classes", "class_labels_for", "head_args_with_classes",
           "refuse_string_labels", "string_labels"]

LABEL_TASKS = ("binary", "multiclass")
_SHOWN = 20  # names quoted in a message before "..."

def _listed(names: Sequence[Any]) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:_SHOWN])
    return f"[{shown}{f', ... ({len(names)} in all)' if len(names) > _SHOWN else ''}]"


def _as_name(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def string_labels(y: Any, argument: str = "y") -> np.ndarray | None:
    """``y`` as a flat array of class names (``str``) when it holds strings, else ``None``
    (numbers, booleans, tensors, datasets and ``None`` pass as they are).

    Raises:
        InputValueError: An object array mixing strings with other values (``None``, NaN).
    """
    if not isinstance(y, np.ndarray) or y.dtype.kind not in "OUS":
        return None
    flat = y.reshape(-1)
    if y.dtype.kind in "US":
        return np.asarray([_as_name(v) for v in flat], dtype=object)
    is_text = [isinstance(v, (str, bytes)) for v in flat]
    if not any(is_text):
        return None
    if not all(is_text):
        bad = is_text.index(False)
        raise InputValueError(
            f"`{argument}` mixes class names with other values: every label must be a string "
            f"(or every label an integer class id). Received: {argument}[{bad}]={flat[bad]!r}")
    return np.asarray([_as_name(v) for v in flat], dtype=object)


def check_classes(classes: Any, argument: str = "classes") -> tuple[str, ...]:
    """The class names given to a factory: at least two distinct strings, in id order."""
    if isinstance(classes, (str, bytes)) or not isinstance(classes, (Sequence, np.ndarray)):
        raise InputTypeError(f"`{argument}` must be a list of class names, id 0 first, e.g. "
                             f"['ham', 'spam']. Received: {argument}={classes!r}")
    names = list(classes)
    not_text = [n for n in names if not isinstance(n, (str, bytes))]
    if not_text:
        raise InputTypeError(f"`{argument}` must hold class names (strings); integer labels need "
                             f"no names. Received: {argument}={_listed(names)}")
    names = [_as_name(n) for n in names]
    if len(names) < 2 or len(set(names)) != len(names):
        raise InputValueError(f"`{argument}` must name at least 2 classes, each once. "
                              f"Received: {argument}={_listed(names)}")
    return tuple(names)


def head_args_with_classes(head_args: Any, classes: Any, *, raw_text: bool,
                           raw: str = "a raw-text model (texts= or vocabulary=)"
                           ) -> tuple[Any, Any]:
    """A factory's ``classes=`` checked against its input and ``num_classes`` (which it implies
    when omitted): ``(head_args, class names or None)``."""
    if classes is None:
        return head_args, None
    names = check_classes(classes)
    if not raw_text:
        raise InputValueError(
            f"`classes` names the labels of {raw}; a model on "
            "token ids, sequences or encoded features takes integer class ids 0..n-1. "
            f"Received: classes={_listed(names)}")
    if head_args.num_classes is None:
        return dataclasses.replace(head_args, num_classes=len(names)), names
    if head_args.num_classes != len(names):
        raise InputValueError(
            f"`classes` names {len(names)} classes but num_classes={head_args.num_classes}; "
            f"give one name per class (or omit num_classes). Received: classes={_listed(names)}")
    return head_args, names


def class_labels_for(head: Head, shape: str, classes: tuple[str, ...] | None
                     ) -> ClassLabels | None:
    """What a raw-text model's head makes of string labels: a :class:`ClassLabels` for a
    single-label classifier on sparse labels, else ``None`` (``classes=`` is then refused)."""
    if shape != "many_to_one" or head.task not in LABEL_TASKS or head.label_format == "onehot":
        if classes is not None:
            raise InputValueError(
                "`classes` applies to single-label classifiers (task='binary' or 'multiclass', "
                f"shape='many_to_one', sparse labels); this model is task={head.task!r}, "
                f"shape={shape!r}, label_format={head.label_format!r}. "
                f"Received: classes={_listed(classes)}")
        return None
    n = 2 if head.task == "binary" else int(head.units)
    if classes is not None and len(classes) != n:
        raise InputValueError(f"task={head.task!r} has {n} classes but `classes` names "
                              f"{len(classes)}. Received: classes={_listed(classes)}")
    threshold = binary_threshold(head.activation) if head.task == "binary" else 0.5
    return ClassLabels(head.task, n, classes, threshold)


@dataclasses.dataclass(frozen=True)
class ClassLabels:
    """A classifier's class names (see the module docstring).

    Attributes:
        task: ``"binary"`` (one output unit) or ``"multiclass"`` (one unit per class).
        num_classes: Classes the head predicts (2 for binary).
        classes: The names in id order, or ``None`` until given or learned.
        threshold: Binary heads: the output above which the prediction is ``classes[1]``.
    """

    task: str
    num_classes: int
    classes: tuple[str, ...] | None = None
    threshold: float = 0.5

    def get_config(self) -> dict[str, Any]:
        return {"task": self.task, "num_classes": self.num_classes,
                "classes": None if self.classes is None else list(self.classes),
                "threshold": self.threshold}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ClassLabels:
        classes = config.get("classes")
        return cls(str(config["task"]), int(config["num_classes"]),
                   None if classes is None else tuple(str(c) for c in classes),
                   float(config.get("threshold", 0.5)))

    def learned(self, names: np.ndarray, argument: str) -> ClassLabels:
        """These labels' classes, sorted (the first ``fit`` on string labels)."""
        found = sorted(set(names.tolist()))
        if len(found) != self.num_classes:
            raise InputValueError(
                f"`{argument}` has {len(found)} distinct class(es) {_listed(found)} but the model "
                f"predicts {self.num_classes}; build it with classes=[...] naming all "
                f"{self.num_classes} in id order (or with num_classes={len(found)}). "
                f"Received: {len(names)} label(s)")
        return dataclasses.replace(self, classes=tuple(found))

    def ids(self, names: np.ndarray, argument: str) -> np.ndarray:
        """Class names -> int32 ids; names outside :attr:`classes` are refused."""
        index = {name: i for i, name in enumerate(self.classes or ())}
        ids = np.fromiter((index.get(n, -1) for n in names), dtype="int32", count=len(names))
        unknown = ids < 0
        if unknown.any():
            first = int(np.flatnonzero(unknown)[0])
            raise InputValueError(
                f"`{argument}` holds {int(unknown.sum())} label(s) outside the model's classes: "
                f"unknown {_listed(sorted(set(names[unknown].tolist())))}, known "
                f"{_listed(self.classes or ())}. Received: {argument}[{first}]={names[first]!r}")
        return ids

    def encode(self, y: Any, argument: str, *, learn: bool) -> tuple[ClassLabels, Any]:
        """``(labels, targets)``: string labels as ids (learning the classes when ``learn`` and
        none are known yet); anything else unchanged."""
        names = string_labels(y, argument)
        if names is None:
            return self, y
        labels = self
        if labels.classes is None:
            if not learn:
                raise InputValueError(
                    f"The model has no class names yet: fit it on string labels first, build it "
                    f"with classes=[...], or pass integer class ids 0..{self.num_classes - 1}. "
                    f"Received: {argument}[0]={names[0]!r}")
            labels = labels.learned(names, argument)
        return labels, labels.ids(names, argument).reshape(y.shape)

    def decode(self, predictions: Any) -> np.ndarray:
        """The model's outputs -> one class name per sample (class ids without names)."""
        scores = np.asarray(predictions)
        if self.task == "binary":
            ids = (scores.reshape(len(scores), -1)[:, 0] > self.threshold).astype("int64")
        else:
            ids = np.argmax(scores.reshape(len(scores), -1), axis=-1)
        return ids if self.classes is None else np.asarray(self.classes)[ids]


def refuse_string_labels(y: Any, argument: str) -> Any:
    """For a model without :class:`ClassLabels`: ``y`` unchanged, or one line saying what to
    pass when it holds strings."""
    names = string_labels(y, argument)
    if names is None:
        return y
    raise InputValueError(
        "This model takes numeric targets, not class names: string labels are mapped to ids "
        "only by raw-text and table classifiers (texts=, vocabulary= or table=; task='binary' or "
        "'multiclass', shape='many_to_one', sparse labels); pass integer class ids 0..n-1 (e.g. from "
        "sklearn.preprocessing.LabelEncoder) or the targets its head takes. "
        f"Received: {argument}[0]={names[0]!r}")
