"""One compiled pass over the probe sample: gradients, weights, activations, per recorded layer.

The pass runs the model in inference mode (``training=False``: dropout off, batch normalization on
its moving statistics), so it reads the model and changes nothing: no weight, optimizer slot,
moving statistic, metric or random-generator state moves. Everything for one record comes back
as a few tensors from one traced function call, so a record costs about one forward and one
backward pass over the probe sample.

The gradient is taken with TensorFlow's ``GradientTape``: the one backend-specific part of the
package.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from keras_zoo.diagnostics.layers import RELU_FAMILY, SATURATING, Row
from keras_zoo.zoo.fast_loop import quiet_own_retracing

quiet_own_retracing.filter.add("Probe.__init__.<locals>")

# Columns of the per-row statistics the probe returns, in order.
STATS = ("grad_norm", "bias_grad_norm", "weight_norm", "update_ratio", "dead_fraction",
         "saturated_fraction", "activation_mean", "activation_std")
SATURATION_TOLERANCE = 0.01  # "within 1% of the asymptote": sigmoid below 0.01 or above 0.99,
#                              tanh beyond +-0.99
SATURATED_SAMPLES = 0.5      # a unit is saturated when it is so on most (> half) of the probe


def _graph(model: keras.Model, rows: list[Row], embedding: Any | None) -> keras.Model | None:
    """A functional model returning every recorded activation (and the embedding's input and
    output) beside the model's output; ``None`` for a model without a layer graph."""
    try:
        outputs = [row.activation_layer.output for row in rows if row.activation_layer]
        if embedding is not None:
            outputs += [embedding.input, embedding.output]
        return keras.Model(model.inputs, outputs + [model.outputs[0]])
    except (AttributeError, ValueError, TypeError, IndexError):
        return None


def time_embedding(model: keras.Model, rows: list[Row]) -> Any | None:
    """The embedding whose output feeds a recurrent layer: the input of each time step."""
    for i, row in enumerate(rows):
        if row.kind == "Embedding" and any(r.recurrent for r in rows[i + 1:]):
            return row.layer
    return None


class Probe:
    """The traced pass for one model and one probe sample."""

    def __init__(self, model: keras.Model, rows: list[Row], x: Any, y: Any, sample_weight: Any,
                 *, seed: int = 0):
        import tensorflow as tf

        self.model, self.rows = model, rows
        self.embedding = time_embedding(model, rows)
        self.graph = _graph(model, rows, self.embedding)
        if self.graph is None:
            self.embedding = None
        # token 0 is padding only when the embedding masks it; otherwise every step is real
        self.mask_zero = bool(getattr(self.embedding, "mask_zero", False))
        batch = getattr(model, "diagnostic_batch", None)
        if batch is not None:  # e.g. Seq2Seq: texts -> teacher-forced ids, targets, weights
            x, y, sample_weight = batch((x, y, sample_weight))
        self._x = keras.tree.map_structure(tf.convert_to_tensor, x)
        self._y = tf.convert_to_tensor(y)
        self._sw = None if sample_weight is None else tf.convert_to_tensor(sample_weight)
        rng = np.random.default_rng(seed)
        self._projections = [tf.constant(rng.standard_normal(int(np.prod(r.kernel.shape[:-1])))
                                         .astype("float32")) for r in rows]
        self._before = [[tf.Variable(tf.zeros(k.shape, tf.float32), trainable=False)
                         for k in r.kernels] for r in rows]
        # Closures, not bound methods: TensorFlow counts traces per Python function, and every
        # Probe traces its own (a search builds many), which is not the retracing it warns of.
        # No autograph: the pass has no data-dependent Python control flow, and converting
        # Keras' call stack tripled the trace time (1.6 s -> 0.43 s on the breast_cancer ANN).
        self._run = tf.function(lambda: self._pass(), autograph=False)

    @property
    def has_activations(self) -> bool:
        return self.graph is not None

    def _snapshot(self):
        for befores, row in zip(self._before, self.rows):
            for before, kernel in zip(befores, row.kernels):
                before.assign(keras.ops.cast(kernel, "float32"))

    def changed_since_record(self) -> bool:
        """Whether any kernel differs from the last record's (early stopping restored others)."""
        return any(bool(keras.ops.any(keras.ops.not_equal(keras.ops.cast(k, "float32"), b)))
                   for befores, row in zip(self._before, self.rows)
                   for b, k in zip(befores, row.kernels))

    def snapshot(self) -> None:
        """Remember the kernels now: the next record's update is measured from here (each
        record also remembers them, so a Monitor recording every epoch calls this once). Eager:
        a few copies cost less than tracing them."""
        self._snapshot()

    def _forward(self):
        if self.graph is None:
            return [], None, None, self.model(self._x, training=False)
        outs = self.graph(self._x, training=False)
        n = sum(1 for row in self.rows if row.activation_layer)
        taken = iter(outs[:n])
        acts = [next(taken) if row.activation_layer else None for row in self.rows]
        y_pred = outs[-1]
        ids, emb = (outs[n], outs[n + 1]) if self.embedding is not None else (None, None)
        return acts, ids, emb, y_pred

    def _pass(self):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            acts, ids, emb, y_pred = self._forward()
            loss = self.model.compute_loss(x=self._x, y=self._y, y_pred=y_pred,
                                           sample_weight=self._sw, training=False)
        kernels = [k for r in self.rows for k in r.kernels]
        biases = [r.bias for r in self.rows if r.bias is not None]
        wrt = kernels + biases + ([emb] if emb is not None else [])
        grads = tape.gradient(loss, wrt, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        kernel_grads, bias_grads = iter(grads[:len(kernels)]), iter(grads[len(kernels):])
        nan = tf.constant(np.nan, tf.float32)
        table, projections = [], []
        for i, row in enumerate(self.rows):  # few ops per row: tracing cost grows with each op
            weights = [tf.cast(k, tf.float32) for k in row.kernels]
            bias_grad = _norm(next(bias_grads)) if row.bias is not None else nan
            # the update ratio is relative to the weights the epoch started from, as the rule
            # of thumb is
            before = _norm(*self._before[i])
            change = _norm(*[w - b for w, b in zip(weights, self._before[i])])
            update = tf.where(before > 0, change / before, nan)
            stats = [_norm(*[next(kernel_grads) for _ in weights]), bias_grad, _norm(*weights),
                     update]
            stats += _activation_stats(acts[i], row.activation) if acts and acts[i] is not None \
                else [nan] * 4
            table.append(tf.stack(stats))
            kernel = weights[0]
            projections.append(tf.linalg.matvec(tf.reshape(kernel, (-1, kernel.shape[-1])),
                                                self._projections[i], transpose_a=True))
        with tf.control_dependencies(table):  # the next epoch's update is measured from here
            self._snapshot()
        out = {"table": tf.stack(table), "loss": tf.cast(loss, tf.float32),
               "projections": projections}
        if emb is not None:
            g = grads[-1]
            g = tf.cast(g, tf.float32)
            out["time"] = tf.sqrt(tf.reduce_sum(g * g, axis=-1))
            out["ids"] = ids
        return out

    def __call__(self) -> dict[str, Any]:
        """Run the pass; NumPy arrays back (``table`` rows follow ``rows``, columns ``STATS``)."""
        with quiet_own_retracing():  # one trace per Probe, by design: not TensorFlow's worry
            out = self._run()
        return keras.tree.map_structure(lambda t: t.numpy(), out)


def _norm(*tensors):
    """The Euclidean norm of all the tensors' entries together."""
    import tensorflow as tf

    total = 0.0
    for t in tensors:
        if isinstance(t, tf.IndexedSlices):  # an embedding's gradient: rows may repeat
            t = tf.convert_to_tensor(t)
        t = tf.cast(t, tf.float32)
        total = total + tf.reduce_sum(t * t)
    return tf.sqrt(total)


def _activation_stats(a, activation: str | None) -> list:
    """Dead fraction (ReLU family), saturated fraction (sigmoid/tanh family), mean, std."""
    import tensorflow as tf

    nan = tf.constant(np.nan, tf.float32)
    a = tf.cast(a, tf.float32)
    if a.shape.rank == 1:
        a = a[:, None]
    axes = list(range(a.shape.rank - 1))  # everything but the units axis
    dead = nan
    if activation in RELU_FAMILY:
        dead = tf.reduce_mean(tf.cast(tf.reduce_max(tf.abs(a), axis=axes) == 0.0, tf.float32))
    saturated = nan
    if activation in SATURATING:
        low, high = SATURATING[activation]
        near = (a - low <= SATURATION_TOLERANCE) | (high - a <= SATURATION_TOLERANCE)
        per_unit = tf.reduce_mean(tf.cast(near, tf.float32), axis=axes)
        saturated = tf.reduce_mean(tf.cast(per_unit > SATURATED_SAMPLES, tf.float32))
    mean = tf.reduce_mean(a)
    std = tf.sqrt(tf.maximum(tf.reduce_mean(a * a) - mean * mean, 0.0))
    return [dead, saturated, mean, std]
