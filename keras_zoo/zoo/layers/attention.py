"""Attention over a source sequence for the seq2seq decoders: Bahdanau (additive) and Luong
(multiplicative) attention, with masking of padded source steps."""

from __future__ import annotations

import keras
from keras import ops

from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo.layers._package import PACKAGE

__all__ = ["BahdanauAttention", "LuongAttention"]


def _masked_softmax(scores, mask):
    """Softmax over the last axis (source positions), computed in float32; masked positions get
    weight 0. A row whose positions are all masked gets uniform weights rather than NaN."""
    scores = ops.cast(scores, "float32")
    if mask is not None:
        mask = ops.expand_dims(ops.cast(mask, "bool"), axis=-2)  # (batch, 1, source)
        scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
    return ops.softmax(scores, axis=-1)


def _check_attention_shapes(layer, query_shape, values_shape):
    if len(query_shape) != 3 or len(values_shape) != 3:
        raise InputValueError(
            f"{type(layer).__name__} takes a query (batch, target_steps, features) and values "
            f"(batch, source_steps, features). Received: query_shape={tuple(query_shape)}, "
            f"values_shape={tuple(values_shape)}"
        )
    if query_shape[-1] is None or values_shape[-1] is None:
        raise InputValueError(f"{type(layer).__name__} needs known feature sizes. Received: "
                         f"query_shape={tuple(query_shape)}, values_shape={tuple(values_shape)}")


class _SequenceAttention(keras.layers.Layer):
    """Shared call: scores -> masked softmax over the source -> weighted sum of the values.

    ``call(query, values, values_mask=None)`` returns ``(context, weights)``: ``context`` has shape
    ``(batch, target_steps, value_features)`` and ``weights`` ``(batch, target_steps,
    source_steps)``; each row of ``weights`` sums to 1 over the unmasked source positions.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = False

    def score(self, query, values):  # pragma: no cover - abstract
        raise NotImplementedError

    def call(self, query, values, values_mask=None):
        weights = _masked_softmax(self.score(query, values), values_mask)
        weights = ops.cast(weights, values.dtype)
        return ops.matmul(weights, values), weights

    def compute_output_shape(self, query_shape, values_shape):
        return ((query_shape[0], query_shape[1], values_shape[-1]),
                (query_shape[0], query_shape[1], values_shape[1]))


@keras.saving.register_keras_serializable(package=PACKAGE)
class BahdanauAttention(_SequenceAttention):
    """Additive (Bahdanau) attention: ``score(q, k) = v . tanh(W_q q + W_k k + b)``.

    Bahdanau, Cho & Bengio (2015). Keras' ``AdditiveAttention`` has no ``W_q``/``W_k``
    projections (it expects query and keys already projected); this layer learns them, so query
    and values may have different sizes.

    Args:
        units: Size of the hidden layer the score is computed in.

    Example:
        >>> import numpy as np
        >>> layer = BahdanauAttention(8)
        >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 6), "float32")
        >>> context, weights = layer(q, v)
        >>> tuple(context.shape), tuple(weights.shape)
        ((2, 3, 6), (2, 3, 5))
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise InputValueError(f"`units` must be a positive integer. Received: units={units!r}")
        self.units = units

    def build(self, query_shape, values_shape):
        _check_attention_shapes(self, query_shape, values_shape)
        self.query_kernel = self.add_weight(name="query_kernel", shape=(query_shape[-1], self.units),
                                            initializer="glorot_uniform")
        self.key_kernel = self.add_weight(name="key_kernel", shape=(values_shape[-1], self.units),
                                          initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.score_vector = self.add_weight(name="score_vector", shape=(self.units,),
                                            initializer="glorot_uniform")

    def score(self, query, values):
        q = ops.matmul(query, self.query_kernel)                        # (b, t, u)
        k = ops.matmul(values, self.key_kernel) + self.bias             # (b, s, u)
        hidden = ops.tanh(ops.expand_dims(q, 2) + ops.expand_dims(k, 1))  # (b, t, s, u)
        return ops.sum(hidden * self.score_vector, axis=-1)             # (b, t, s)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class LuongAttention(_SequenceAttention):
    """Multiplicative (Luong) attention: ``score(q, k) = q . k`` ("dot") or ``q . W k``
    ("general").

    Luong, Pham & Manning (2015). ``"dot"`` needs query and values of the same size and has no
    weights; ``"general"`` learns ``W``.

    Args:
        score: ``"general"`` (default) or ``"dot"``.
        scale: Divide the scores by ``sqrt(features)`` (as in scaled dot-product attention).

    Example:
        >>> import numpy as np
        >>> layer = LuongAttention("dot")
        >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
        >>> [tuple(t.shape) for t in layer(q, v)]
        [(2, 3, 4), (2, 3, 5)]
    """

    SCORES = ("general", "dot")

    def __init__(self, score: str = "general", scale: bool = False, **kwargs):
        super().__init__(**kwargs)
        if score not in self.SCORES:
            raise InputValueError(f"`score` must be one of 'general', 'dot'. Received: score={score!r}")
        self.score_mode = score
        self.scale = bool(scale)

    def build(self, query_shape, values_shape):
        _check_attention_shapes(self, query_shape, values_shape)
        if self.score_mode == "dot" and query_shape[-1] != values_shape[-1]:
            raise InputValueError(
                "Luong 'dot' attention needs query and values of the same size; use "
                f"score='general' otherwise. Received: query features {query_shape[-1]}, "
                f"values features {values_shape[-1]}"
            )
        if self.score_mode == "general":
            self.kernel = self.add_weight(name="kernel", shape=(values_shape[-1], query_shape[-1]),
                                          initializer="glorot_uniform")

    def score(self, query, values):
        keys = ops.matmul(values, self.kernel) if self.score_mode == "general" else values
        scores = ops.matmul(query, ops.transpose(keys, (0, 2, 1)))      # (b, t, s)
        if self.scale:
            scores = scores / ops.sqrt(ops.cast(ops.shape(query)[-1], scores.dtype))
        return scores

    def get_config(self):
        config = super().get_config()
        config.update({"score": self.score_mode, "scale": self.scale})
        return config
