"""Losses Keras lacks: the pseudo-Huber loss and sparse cross-entropy with label smoothing."""

from __future__ import annotations

import keras
from keras import ops

from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo.layers._package import PACKAGE

__all__ = ["PseudoHuber", "SparseCategoricalCrossentropyWithSmoothing"]


@keras.saving.register_keras_serializable(package=PACKAGE)
class PseudoHuber(keras.losses.Loss):
    """Pseudo-Huber loss: ``delta**2 * (sqrt(1 + (error / delta)**2) - 1)``.

    A smooth approximation of the Huber loss: quadratic for small errors, linear (slope ``delta``)
    for large ones, and differentiable everywhere. Keras has no built-in pseudo-Huber loss.

    Args:
        delta: Where the loss turns from quadratic to linear. Must be positive.

    Example:
        >>> loss = PseudoHuber(delta=1.0)
        >>> float(loss([0.0, 0.0], [0.0, 3.0]))  # doctest: +ELLIPSIS
        1.08...
    """

    def __init__(self, delta: float = 1.0, reduction="sum_over_batch_size", name="pseudo_huber",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not delta > 0:
            raise InputValueError(f"`delta` must be positive. Received: delta={delta!r}")
        self.delta = float(delta)

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        # Targets of shape (n,) against outputs of shape (n, 1), as Keras' own losses accept them:
        # without this the difference would broadcast to (n, n) and train every output towards
        # the batch mean.
        if len(y_true.shape) == len(y_pred.shape) - 1:
            y_true = ops.expand_dims(y_true, -1)
        elif len(y_pred.shape) == len(y_true.shape) - 1:
            y_pred = ops.expand_dims(y_pred, -1)
        delta = ops.cast(self.delta, y_pred.dtype)
        scaled = (y_pred - y_true) / delta
        return ops.mean(ops.square(delta) * (ops.sqrt(1.0 + ops.square(scaled)) - 1.0), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"delta": self.delta})
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class SparseCategoricalCrossentropyWithSmoothing(keras.losses.Loss):
    """Sparse categorical cross-entropy with label smoothing.

    Keras' ``SparseCategoricalCrossentropy`` has no ``label_smoothing``; this loss one-hot encodes
    the integer labels and applies the usual smoothing ``y * (1 - s) + s / num_classes``, so integer
    labels and label smoothing work together.

    Args:
        label_smoothing: Smoothing factor in ``[0, 1)``.
        from_logits: Whether predictions are logits rather than probabilities.
    """

    def __init__(self, label_smoothing: float = 0.0, from_logits: bool = False,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not 0.0 <= label_smoothing < 1.0:
            raise InputValueError(
                f"`label_smoothing` must be in [0, 1). Received: label_smoothing={label_smoothing!r}"
            )
        self.label_smoothing = float(label_smoothing)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        num_classes = ops.shape(y_pred)[-1]
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):
            y_true = ops.squeeze(y_true, axis=-1)
        one_hot = ops.one_hot(y_true, num_classes, dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(
            one_hot, y_pred, from_logits=self.from_logits, label_smoothing=self.label_smoothing
        )

    def get_config(self):
        config = super().get_config()
        config.update({"label_smoothing": self.label_smoothing, "from_logits": self.from_logits})
        return config
