"""Beam search for :class:`~keras_zoo.zoo.translation.model.Seq2Seq` (NumPy bookkeeping over the
model's one-step decoder)."""

from __future__ import annotations

import numpy as np
from keras import ops

from keras_zoo.zoo.translation.tokens import END_ID, PAD_ID, START_ID

__all__ = ["beam_batch"]


def beam_batch(model, texts: np.ndarray, width: int, alpha: float):
    """Beam search over one batch of source texts: (best ids per text, their scores)."""
    n, vocab, steps = len(texts), model.target_size, model.max_target_length + 1
    encoded, states, mask = model._encode(model.source_vectorizer(texts))
    encoded = ops.repeat(encoded, width, axis=0)
    mask = ops.repeat(mask, width, axis=0)
    states = [ops.repeat(s, width, axis=0) for s in states]
    scores = np.full((n, width), -np.inf)
    scores[:, 0] = 0.0
    sequences = np.zeros((n, width, 0), dtype="int64")
    finished = np.zeros((n, width), dtype=bool)
    tokens = np.full((n, width), START_ID, dtype="int32")
    for _ in range(steps):
        probs, states, _ = model._step(ops.convert_to_tensor(tokens.reshape(-1)), states,
                                      encoded, mask)
        with np.errstate(divide="ignore"):
            logp = np.log(ops.convert_to_numpy(probs).astype("float64")).reshape(n, width, vocab)
        logp[finished] = -np.inf  # a finished hypothesis only continues with padding, free
        logp[..., PAD_ID] = np.where(finished, 0.0, logp[..., PAD_ID])
        candidates = (scores[:, :, None] + logp).reshape(n, width * vocab)
        top = np.argsort(-candidates, axis=1, kind="stable")[:, :width]
        beam, tokens = top // vocab, (top % vocab).astype("int32")
        scores = np.take_along_axis(candidates, top, axis=1)
        sequences = np.concatenate(
            [np.take_along_axis(sequences, beam[:, :, None], axis=1), tokens[:, :, None]], 2)
        finished = np.take_along_axis(finished, beam, axis=1) | (tokens == END_ID) | (
            tokens == PAD_ID)
        rows = (np.arange(n)[:, None] * width + beam).reshape(-1)
        states = [ops.take(s, ops.convert_to_tensor(rows), axis=0) for s in states]
        if finished.all():
            break
    ended = (sequences == END_ID) | (sequences == PAD_ID)
    lengths = np.where(ended.any(-1), ended.argmax(-1) + 1, sequences.shape[-1])
    normalised = scores / (((5.0 + lengths) / 6.0) ** alpha)
    best = np.argmax(normalised, axis=1)
    return sequences[np.arange(n), best], normalised[np.arange(n), best]
