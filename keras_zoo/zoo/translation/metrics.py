"""Sequence accuracy: the share of target sequences predicted right in every token."""

from __future__ import annotations

import keras
from keras import ops

from keras_zoo.zoo.layers import PACKAGE

__all__ = ["SequenceAccuracy"]


@keras.saving.register_keras_serializable(package=PACKAGE)
class SequenceAccuracy(keras.metrics.Metric):
    """Share of sequences whose every (weighted) token is predicted right.

    Positions with ``sample_weight == 0`` (padding) do not count. With integer targets
    ``(batch, steps)`` and probabilities ``(batch, steps, classes)``.
    """

    def __init__(self, name: str = "sequence_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        hits = ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), y_true)
        if sample_weight is not None:
            hits = ops.logical_or(hits, ops.equal(ops.cast(sample_weight, "float32"), 0.0))
        rows = ops.all(hits, axis=-1)
        self.correct.assign_add(ops.sum(ops.cast(rows, self.dtype)))
        self.count.assign_add(ops.cast(ops.shape(rows)[0], self.dtype))

    def result(self):
        return ops.divide_no_nan(self.correct, self.count)

    def reset_state(self):
        self.correct.assign(0.0)
        self.count.assign(0.0)
