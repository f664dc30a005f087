"""The loss table.

Every entry resolves through ``keras.losses.get({"class_name": ..., "config": ...})``: Keras'
own losses by class name, keras_zoo's (:class:`~keras_zoo.zoo.layers.PseudoHuber`,
:class:`~keras_zoo.zoo.layers.SparseCategoricalCrossentropyWithSmoothing`) by their registered
names. On top the table keeps the aliases, the descriptions and, in ``extra``, the tasks a loss
suits (``"tasks"``), whether it takes label smoothing (``"label_smoothing"``) and the label
format it implies (``"labels"``: ``"onehot"``, ``"sparse"`` or ``None``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras

from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo.catalog.table import ComponentInfo, ComponentTable, keras_component
from keras_zoo.zoo.layers import PseudoHuber, SparseCategoricalCrossentropyWithSmoothing

__all__ = ["LOSSES", "canonical_loss", "get_loss", "list_losses"]

_REGRESSION = ("regression",)
_BINARY = ("binary", "multilabel")
_MULTICLASS = ("multiclass",)
_CROSSENTROPY_DEFAULTS = {"label_smoothing": 0.0, "from_logits": False}


def _loss(name: str, description: str, keras_name: str, aliases: tuple[str, ...] = (), *,
          tasks: tuple[str, ...], label_smoothing: bool = False, labels: str | None = None,
          defaults: Mapping[str, Any] | None = None) -> ComponentInfo:
    return keras_component(keras.losses.get, keras_name, name, description, aliases,
                           defaults=defaults,
                           extra={"tasks": tasks, "label_smoothing": label_smoothing,
                                  "labels": labels})


def _sparse_categorical_crossentropy(label_smoothing: float = 0.0, **settings: Any) -> Any:
    """Keras' sparse cross-entropy, or keras_zoo's when labels are smoothed (Keras' has no
    ``label_smoothing``)."""
    if label_smoothing:
        name = keras.saving.get_registered_name(SparseCategoricalCrossentropyWithSmoothing)
        settings["label_smoothing"] = label_smoothing
    else:
        name = "SparseCategoricalCrossentropy"
    return keras.losses.get({"class_name": name, "config": settings})


LOSSES = ComponentTable("loss", "loss", [
    _loss("mse", "Mean squared error: the regression default; differentiable, one minimum, "
          "sensitive to outliers.", "MeanSquaredError",
          ("mean_squared_error", "l2", "squared_error"), tasks=_REGRESSION),
    _loss("mae", "Mean absolute error: robust to outliers, constant gradient.",
          "MeanAbsoluteError", ("mean_absolute_error", "l1", "absolute_error"),
          tasks=_REGRESSION),
    _loss("huber", "Huber: squared error below `delta`, absolute error above it.",
          "Huber", ("huber_loss", "smooth_l1"), tasks=_REGRESSION, defaults={"delta": 1.0}),
    _loss("pseudo_huber", "Pseudo-Huber: a smooth Huber, delta^2 (sqrt(1 + (e/delta)^2) - 1).",
          keras.saving.get_registered_name(PseudoHuber), ("pseudohuber", "charbonnier"),
          tasks=_REGRESSION, defaults={"delta": 1.0}),
    _loss("log_cosh", "log(cosh(error)): like MSE for small errors, like MAE for large ones.",
          "LogCosh", ("logcosh",), tasks=_REGRESSION),
    _loss("msle", "Mean squared logarithmic error: relative errors of positive targets.",
          "MeanSquaredLogarithmicError", ("mean_squared_logarithmic_error",), tasks=_REGRESSION),
    _loss("mape", "Mean absolute percentage error.",
          "MeanAbsolutePercentageError", ("mean_absolute_percentage_error",), tasks=_REGRESSION),
    _loss("poisson", "Poisson negative log-likelihood: count targets.", "Poisson",
          tasks=_REGRESSION),
    _loss("binary_crossentropy", "Binary cross-entropy (log loss): sigmoid outputs, binary and "
          "multilabel tasks; `label_smoothing` supported.", "BinaryCrossentropy",
          ("bce", "binary_cross_entropy", "log_loss", "logloss"), tasks=_BINARY,
          label_smoothing=True, defaults=_CROSSENTROPY_DEFAULTS),
    _loss("categorical_crossentropy", "Categorical cross-entropy: softmax outputs, one-hot labels; "
          "`label_smoothing` supported.", "CategoricalCrossentropy",
          ("cce", "categorical_cross_entropy", "crossentropy", "cross_entropy"), tasks=_MULTICLASS,
          label_smoothing=True, labels="onehot", defaults=_CROSSENTROPY_DEFAULTS),
    ComponentInfo(
        "sparse_categorical_crossentropy", "Sparse categorical cross-entropy: softmax outputs, "
        "integer labels; `label_smoothing` supported (keras_zoo adds it).",
        _sparse_categorical_crossentropy,
        ("scce", "sparse_cce", "sparse_categorical_cross_entropy"), {"from_logits": False},
        {"tasks": _MULTICLASS, "label_smoothing": True, "labels": "sparse"},
        "SparseCategoricalCrossentropy"),
    _loss("hinge", "Hinge loss max(0, 1 - y * f(x)) of SVMs; 0/1 labels are mapped to -1/1.",
          "Hinge", ("svm",), tasks=_BINARY),
    _loss("squared_hinge", "Squared hinge loss: a smoother hinge.", "SquaredHinge",
          tasks=_BINARY),
    _loss("categorical_hinge", "Multiclass hinge loss on one-hot labels.", "CategoricalHinge",
          tasks=_MULTICLASS, labels="onehot"),
    _loss("kl_divergence", "Kullback-Leibler divergence between label and predicted distributions.",
          "KLDivergence", ("kld", "kullback_leibler_divergence"), tasks=_MULTICLASS,
          labels="onehot"),
])


def canonical_loss(spec: Any) -> str | None:
    """The canonical name of a loss spec, or ``None`` for an object given as is."""
    return LOSSES.spec_name(spec)


def get_loss(spec: Any, *, label_smoothing: float = 0.0) -> Any:
    """A fresh Keras loss from a name, dict or object.

    ``label_smoothing`` applies to the cross-entropy losses; giving it to any other loss raises
    ``ValueError`` rather than being ignored.
    """
    if not isinstance(spec, (str, Mapping)):
        if label_smoothing:
            raise InputValueError(
                "`label_smoothing` can only be set for a loss given by name; set it on the loss "
                f"object instead. Received: loss={spec!r}, label_smoothing={label_smoothing!r}"
            )
        return spec
    info, settings = LOSSES.split_spec(spec)
    if label_smoothing:
        if not info.extra["label_smoothing"]:
            smoothable = [n for n, e in LOSSES.entries.items() if e.extra["label_smoothing"]]
            raise InputValueError(
                f"Label smoothing applies to cross-entropy losses ({', '.join(smoothable)}), "
                f"not to {info.name!r}. Received: loss={spec!r}, label_smoothing={label_smoothing}"
            )
        settings.setdefault("label_smoothing", float(label_smoothing))
    return LOSSES.build(info, settings)


def list_losses(pattern: str | None = None) -> dict[str, str]:
    """Loss names with one-line descriptions."""
    return LOSSES.listing(pattern)
