"""Task heads: task -> output units, output activation, default loss and metrics.

The rules follow the theory the zoo teaches:

=============  ==================  =================  =======================================
task           output units        output activation  default loss
=============  ==================  =================  =======================================
binary         1                   sigmoid            binary cross-entropy
multiclass     num_classes         softmax            sparse categorical cross-entropy
                                                      (categorical for one-hot labels)
multilabel     num_labels          sigmoid            binary cross-entropy
regression     num_outputs (1)     linear             MSE (MAE, Huber, pseudo-Huber ...)
=============  ==================  =================  =======================================

With the Poisson loss a regression head uses an exponential output (the log link), since Poisson
rates must be positive.

:func:`~keras_zoo.base.tasks.infer_task` (re-exported here) reads the task off the labels when it is not given (see its docstring for the
rule) and :func:`resolve_head` refuses contradictions such as softmax on one unit, sigmoid with
categorical cross-entropy or continuous labels for a classifier.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from keras_zoo.base import check_choice, normalize_name
from keras_zoo.base.errors import InputValueError
from keras_zoo.base.tasks import MAX_CLASSES, TASKS, check_labels, infer_task
from keras_zoo.zoo import catalog

__all__ = ["MAX_CLASSES", "TASKS", "Head", "binary_threshold", "check_labels", "default_metrics",
           "infer_task", "output_layer", "resolve_head"]

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Head:
    """The output layer and training objective for one task.

    Attributes:
        task: One of ``binary``, ``multiclass``, ``multilabel``, ``regression``.
        units: Units in the output layer.
        activation: Output activation name (or object).
        loss: The loss (a Keras object).
        metrics: Metrics passed to ``compile``.
        label_format: ``"sparse"`` (integer labels), ``"onehot"``, ``"binary"`` or ``"continuous"``.
    """

    task: str
    units: int
    activation: Any
    loss: Any
    metrics: list[Any] = field(default_factory=list)
    label_format: str = "sparse"


def _binary_threshold(activation_name: str | None) -> float:
    # sigmoid/hard_sigmoid outputs are probabilities; tanh/linear outputs are centred on 0.
    return 0.0 if activation_name in ("tanh", "linear", "softsign") else 0.5


def binary_threshold(output_activation: Any) -> float:
    """Where a binary head's output separates its two classes: 0.5 for probabilities
    (sigmoid), 0.0 for outputs centred on 0 (tanh, linear, softsign)."""
    name = catalog.canonical_activation(output_activation) if output_activation else None
    return _binary_threshold(name)


def default_metrics(task: str, output_activation: Any = None) -> list[Any]:
    """The metrics a head reports by default: accuracy for classifiers, MAE and R^2 for regression."""
    name = catalog.canonical_activation(output_activation) if output_activation else None
    if task == "binary":
        return [keras.metrics.BinaryAccuracy(name="accuracy", threshold=_binary_threshold(name))]
    if task == "multilabel":
        return [keras.metrics.BinaryAccuracy(name="accuracy", threshold=_binary_threshold(name))]
    if task == "multiclass":
        return ["accuracy"]
    return [keras.metrics.MeanAbsoluteError(name="mae"), keras.metrics.R2Score(name="r2")]


_LABEL_FORMAT_ALIASES = {"integer": "sparse", "int": "sparse", "one_hot": "onehot",
                         "categorical": "onehot"}


def resolve_head(task: str | None = None, *, num_classes: int | None = None,
                 num_outputs: int = 1, loss: Any = None, output_activation: Any = None,
                 metrics: Any = None, label_smoothing: float = 0.0,
                 label_format: str | None = None) -> Head:
    """Build the :class:`Head` for a task, checking the choices fit together.

    Args:
        task: ``binary``, ``multiclass``, ``multilabel`` or ``regression``. ``None`` infers it from
            ``num_classes`` (2 -> binary, more -> multiclass) or, with neither given, from the loss
            (a regression loss -> regression); otherwise it is an error.
        num_classes: Classes (multiclass) or labels (multilabel). Binary may omit it.
        num_outputs: Regression outputs.
        loss: A catalog name, dict or Keras loss; ``None`` takes the task's default.
        output_activation: Overrides the task's output activation.
        metrics: ``None`` for the defaults, else a list passed to ``compile``.
        label_smoothing: Cross-entropy label smoothing in ``[0, 1)``.
        label_format: ``"sparse"`` (integer labels; alias ``"integer"``) or ``"onehot"``
            (aliases ``"one_hot"``, ``"categorical"``) for multiclass. ``None``: what the loss
            expects (one-hot for ``categorical_crossentropy``, ``categorical_hinge``,
            ``kl_divergence``), else sparse.

    Raises:
        ValueError: Unknown task, or a contradiction (softmax with one unit, sigmoid with
            categorical cross-entropy, a regression loss with a classifier output, ...).
    """
    loss_name = catalog.canonical_loss(loss) if loss is not None else None
    task = _task(task, num_classes, loss_name)
    if not 0.0 <= label_smoothing < 1.0:
        raise InputValueError(
            f"`label_smoothing` must be in [0, 1). Received: label_smoothing={label_smoothing!r}"
        )
    units = _units(task, num_classes, num_outputs)
    activation = _output_activation(task, units, loss_name, output_activation)
    label_format = _label_format(task, loss_name, label_format)
    if loss is None:
        loss = loss_name = {"binary": "binary_crossentropy", "multilabel": "binary_crossentropy",
                            "multiclass": ("sparse_categorical_crossentropy"
                                           if label_format == "sparse"
                                           else "categorical_crossentropy"),
                            "regression": "mse"}[task]
    if loss_name is not None:
        _check_loss(task, loss_name, catalog.canonical_activation(activation), label_format)
    loss_obj = catalog.get_loss(loss, label_smoothing=label_smoothing)
    if metrics is None:
        metrics = default_metrics(task, activation)
    return Head(task, units, activation, loss_obj, list(metrics), label_format)


def _task(task: str | None, num_classes: int | None, loss_name: str | None) -> str:
    """The task given, or the one ``num_classes`` or a regression-only loss implies."""
    if task is None:
        if num_classes is not None:
            task = "binary" if num_classes <= 2 else "multiclass"
        elif loss_name is not None and catalog.LOSSES.entries[loss_name].extra["tasks"] == (
                "regression",):
            task = "regression"
        else:
            raise InputValueError(
                "Cannot tell the task: pass task= (one of 'binary', 'multiclass', 'multilabel', "
                "'regression') or num_classes=. Received: task=None, num_classes=None"
            )
    return check_choice("task", task, TASKS)


def _units(task: str, num_classes: int | None, num_outputs: int) -> int:
    if task == "binary":
        if num_classes not in (None, 1, 2):
            raise InputValueError(
                "task='binary' has 2 classes (one sigmoid unit). "
                f"Received: num_classes={num_classes}"
            )
        return 1
    if task in ("multiclass", "multilabel"):
        if num_classes is None or num_classes < 2:
            raise InputValueError(
                f"task={task!r} needs num_classes >= 2 (the number of "
                f"{'classes' if task == 'multiclass' else 'labels'}). "
                f"Received: num_classes={num_classes}"
            )
        return int(num_classes)
    if num_outputs < 1:
        raise InputValueError(f"`num_outputs` must be >= 1. Received: num_outputs={num_outputs}")
    return int(num_outputs)


def _output_activation(task: str, units: int, loss_name: str | None, given: Any) -> Any:
    """The task's output activation (or the one given), refusing the contradictions."""
    default = {"binary": "sigmoid", "multilabel": "sigmoid", "multiclass": "softmax",
               "regression": "linear"}[task]
    if task == "regression" and loss_name == "poisson":
        default = "exponential"  # the log link: Poisson rates must be positive
    activation = given if given is not None else default
    act_name = catalog.canonical_activation(activation)
    if act_name == "softmax" and units == 1:
        raise InputValueError(
            "softmax over one unit always outputs 1.0: a binary head uses one sigmoid unit "
            "(output_activation='sigmoid'), or use task='multiclass' with num_classes=2."
        )
    if task == "multilabel" and act_name == "softmax":
        raise InputValueError("task='multilabel' needs independent sigmoid outputs, not softmax "
                              "(softmax forces the labels to compete). "
                              "Use output_activation='sigmoid'.")
    if task == "multiclass" and act_name == "sigmoid" and loss_name in (
            None, "categorical_crossentropy", "sparse_categorical_crossentropy"):
        raise InputValueError(
            "sigmoid outputs with categorical cross-entropy: the outputs do not sum to 1, so the "
            "loss is not a cross-entropy. Use output_activation='softmax' (multiclass) or "
            "task='multilabel' with binary cross-entropy."
        )
    return activation


def _label_format(task: str, loss_name: str | None, label_format: str | None) -> str:
    if label_format is None:
        # An explicit one-hot loss (categorical_crossentropy, categorical_hinge, ...) says the
        # labels are one-hot; otherwise multiclass labels are integers.
        implied = catalog.LOSSES.entries[loss_name].extra["labels"] if loss_name else None
        label_format = {"binary": "binary", "multilabel": "binary",
                        "multiclass": implied or "sparse", "regression": "continuous"}[task]
    if task == "multiclass":
        label_format = _LABEL_FORMAT_ALIASES.get(normalize_name(label_format) or "", label_format)
        check_choice("label_format", label_format, ("sparse", "onehot"))
    return label_format


def _check_loss(task: str, loss_name: str, act_name: str | None, label_format: str) -> None:
    """Refuse a loss that does not suit the task, the output or the labels."""
    info = catalog.LOSSES.entries[loss_name]
    suits = info.extra["tasks"]
    if task not in suits:
        if task == "regression" or suits != ("regression",):
            raise InputValueError(
                f"The loss {loss_name!r} is for {', '.join(suits)} tasks, not task={task!r}. "
                f"Losses for {task}: {', '.join(_losses_for(task))}."
            )
        log.warning("Regression loss %r on a %s task: it trains, but cross-entropy usually "
                    "learns faster and gives calibrated probabilities.", loss_name, task)
    if act_name == "softmax" and loss_name == "binary_crossentropy" and task != "multiclass":
        raise InputValueError("binary cross-entropy needs sigmoid outputs, not softmax.")
    wanted = info.extra["labels"]
    if task == "multiclass" and wanted and wanted != label_format:
        raise InputValueError(
            f"The loss {loss_name!r} expects {wanted} labels, but label_format={label_format!r}. "
            + ("Use 'sparse_categorical_crossentropy' for integer labels."
               if label_format == "sparse" else
               "Use 'categorical_crossentropy' for one-hot labels.")
        )


def _losses_for(task: str) -> list[str]:
    return [n for n, e in catalog.LOSSES.entries.items() if task in e.extra["tasks"]]


def output_layer(head: Head, *, initializer: Any = "glorot_uniform", name: str = "output",
                 bias: Sequence[float] | None = None) -> list[keras.layers.Layer]:
    """The Dense output layer (plus an activation layer when the activation needs one).

    ``bias`` starts the output bias at given values instead of zeros (e.g. ``log(mean)`` of the
    targets under an exponential output, so training starts at the right scale).
    """
    fn = catalog.activation_function(head.activation)
    bias_init = ("zeros" if bias is None else
                 keras.initializers.Constant(np.broadcast_to(np.asarray(bias, "float32"),
                                                             (head.units,)).tolist()))
    dense = keras.layers.Dense(head.units, activation=fn,
                               kernel_initializer=catalog.get_initializer(initializer),
                               bias_initializer=bias_init, name=name)
    if fn is not None:
        return [dense]
    return [dense, catalog.activation_layer(head.activation)]
