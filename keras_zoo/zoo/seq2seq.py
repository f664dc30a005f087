"""Sequence-to-sequence: an LSTM/GRU encoder-decoder with Bahdanau or Luong attention.

``seq2seq(sources, targets, ...)`` returns a compiled :class:`Seq2Seq`, a ``keras.Model`` that
reads raw source texts and writes target texts:

* **Text in, text out.** Two ``TextVectorization`` layers inside the model turn characters (or
  words) into ids, so ``model.fit(sources, targets)``, ``kz.zoo.fit(model, sources, targets)``,
  ``model.evaluate`` and a Keras Tuner trial all take the texts themselves, and a saved model
  translates raw text. Token 0 is padding, 1 ``[UNK]`` (any source token outside the vocabulary:
  the documented out-of-vocabulary token; ``translate(..., unknown="error")`` refuses such texts
  instead), 2 ``[START]`` and 3 ``[END]``.
* **Teacher forcing.** Training feeds the decoder the true previous token; the loss is the
  cross-entropy of every target token plus ``[END]``, averaged over real (unpadded) tokens, and
  ``accuracy`` is token accuracy. ``sequence_accuracy`` is the share of targets whose every token
  is right under teacher forcing (close to the exact match of ``translate`` once trained).
* **Attention** (``attention=``): ``"bahdanau"`` (additive, ``v . tanh(W_q q + W_k k)``),
  ``"luong"`` (multiplicative, ``q . W k``, Luong's "general"), ``"luong_dot"`` (``q . k``) or
  ``None`` (the classic encoder-decoder: the decoder only sees the encoder's final state). The
  decoder LSTM/GRU runs over the target, attention looks at every encoder output for every
  decoder step, and ``tanh(W [context; decoder state])`` feeds the softmax (Luong et al.'s
  architecture, with either score). This keeps teacher-forced training one pass over each
  sequence instead of a step-by-step loop.
* **Decoding.** ``translate(texts)`` decodes greedily (``beam_width=1``) or with beam search
  (``beam_width=k``, hypotheses ranked by log-probability divided by the GNMT length penalty
  ``((5 + length) / 6) ** length_penalty``). ``model.predict(texts)`` returns the greedy
  decoder's probabilities, shape ``(samples, max_target_length + 1, target_vocabulary_size)``.
* **Attention maps.** ``attention(text)`` returns the weights of each output token over the
  source tokens (rows sum to 1) as an :class:`AttentionMap` with a ``plot()`` method.
* **Saving.** ``model.save("m.keras")`` (one file) or ``model.save("m_dir", zipped=False)`` (one
  folder); ``keras.saving.load_model`` (safe mode, after ``import keras_zoo``) returns a
  ``Seq2Seq`` that translates identically. Inference reuses the trained layers by name (the
  decoder's own cell steps through time); nothing is rebuilt by list position.
* **Bad input fails early.** Empty texts, values that are not text, different numbers of sources
  and targets, and targets longer than ``max_target_length`` tokens raise ``ValueError`` in
  ``fit``, ``evaluate`` and ``kz.zoo.fit`` before any training; ``translate`` refuses empty
  sources (and, with ``unknown="error"``, tokens outside the source vocabulary). Sources have no
  length limit; a translation that runs the decoder's ``max_target_length + 1`` steps without
  ``[END]`` is cut there and logged as a warning.
* Gradients are clipped by default (``global_clipnorm=1.0``), as for the recurrent family, and
  Adam's learning rate defaults to 3e-3 (measured: about half the epochs of Keras' 1e-3).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from keras import ops

from keras_zoo.base import check_choice, check_fraction, normalize_name, positive_int, set_seed
from keras_zoo.base import text as _text
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo.heads import resolve_head
from keras_zoo.zoo.layers import PACKAGE, BahdanauAttention, LuongAttention
from keras_zoo.zoo.registry import register_model
from keras_zoo.zoo.rnn import DEFAULT_GLOBAL_CLIPNORM, _clipping, canonical_cell

__all__ = ["AttentionMap", "Seq2Seq", "SequenceAccuracy", "seq2seq"]

log = logging.getLogger(__name__)

START = "[START]"
END = "[END]"
PAD_ID, OOV_ID, START_ID, END_ID = 0, 1, 2, 3
DEFAULT_ADAM_LEARNING_RATE = 3e-3
ADAM_FAMILY = ("adam", "adamw", "nadam", "adamax")

ATTENTION = {"bahdanau": "bahdanau", "additive": "bahdanau", "luong": "luong",
             "luong_general": "luong", "general": "luong", "multiplicative": "luong",
             "luong_dot": "luong_dot", "dot": "luong_dot", "none": None}


def canonical_attention(attention: str | None) -> str | None:
    """``"Bahdanau"``, ``"additive"`` -> ``"bahdanau"``; ``"general"`` -> ``"luong"``;
    ``"dot"`` -> ``"luong_dot"``; ``None``/``"none"`` -> ``None``."""
    if attention is None:
        return None
    key = normalize_name(attention) if isinstance(attention, str) else attention
    if key not in ATTENTION:
        raise InputValueError("`attention` must be one of 'bahdanau', 'luong', 'luong_dot' or None. "
                         f"Received: attention={attention!r}")
    return ATTENTION[key]


def _is_text(x: Any) -> bool:
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, (list, tuple)):
        return bool(x) and isinstance(x[0], (str, bytes))
    dtype = getattr(x, "dtype", None)
    if isinstance(dtype, np.dtype):
        return dtype.kind in "OUS"
    return dtype is not None and "string" in str(dtype)


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


@dataclass
class AttentionMap:
    """Attention weights of one translation.

    Attributes:
        source_tokens: The source text's tokens (columns).
        output_tokens: The generated tokens, ``[END]`` included when it was produced (rows).
        weights: ``(len(output_tokens), len(source_tokens))``; each row sums to 1.
        translation: The decoded text.
    """

    source_tokens: list[str]
    output_tokens: list[str]
    weights: np.ndarray
    translation: str

    def plot(self, ax=None, cmap: str = "viridis"):
        """A heatmap of the weights (outputs down, source across); returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(max(3.0, 0.35 * len(self.source_tokens) + 1),
                                          max(2.5, 0.35 * len(self.output_tokens) + 1)))
        ax.imshow(self.weights, cmap=cmap, aspect="auto", vmin=0.0, vmax=1.0)
        show = (lambda t: "␣" if t == " " else t)
        ax.set_xticks(range(len(self.source_tokens)), [show(t) for t in self.source_tokens],
                      rotation=90)
        ax.set_yticks(range(len(self.output_tokens)), [show(t) for t in self.output_tokens])
        ax.set_xlabel("source")
        ax.set_ylabel("output")
        return ax


@keras.saving.register_keras_serializable(package=PACKAGE)
class Seq2Seq(keras.Model):
    """An encoder-decoder that reads and writes text (see the module docstring).

    Build it with :func:`seq2seq`, which computes the vocabularies from training pairs and
    compiles it. The constructor takes the vocabularies themselves, so ``get_config`` holds
    everything needed to rebuild the model.

    Args:
        source_vocabulary: Source tokens (characters or words), without ``""``/``[UNK]``.
        target_vocabulary: Target tokens, without the special tokens.
        max_target_length: The longest target the decoder writes, in tokens (``[END]`` not
            counted).
        tokenize: ``"character"`` or ``"word"``.
        standardize: ``None``, ``"lower"``, ``"strip_punctuation"`` or
            ``"lower_and_strip_punctuation"`` (applied to sources and targets alike).
        cell: ``"lstm"`` or ``"gru"``.
        units: Encoder units; the decoder has as many (twice as many with a bidirectional
            encoder, whose two final states are concatenated to start the decoder).
        embedding_dim: Token embedding size (source and target).
        bidirectional: Read the source in both directions.
        attention: ``"bahdanau"``, ``"luong"``, ``"luong_dot"`` or ``None``.
        attention_units: Hidden size of Bahdanau's score (default: the decoder's units).
        dropout: Dropout on the embeddings and before the output layer.
    """

    def __init__(self, source_vocabulary: Sequence[str], target_vocabulary: Sequence[str], *,
                 max_target_length: int, tokenize: str = "character",
                 standardize: str | None = None, cell: str = "lstm", units: int = 128,
                 embedding_dim: int = 64, bidirectional: bool = False,
                 attention: str | None = "bahdanau", attention_units: int | None = None,
                 dropout: float = 0.0, name: str = "seq2seq", **kwargs):
        super().__init__(name=name, **kwargs)
        self.source_vocabulary = [str(t) for t in source_vocabulary]
        self.target_vocabulary = [str(t) for t in target_vocabulary]
        for argument, vocab in (("source_vocabulary", self.source_vocabulary),
                                ("target_vocabulary", self.target_vocabulary)):
            if not vocab:
                raise InputValueError(f"`{argument}` is empty. Received: {argument}=[]")
            reserved = {_text.PAD, _text.OOV, START, END} & set(vocab)
            if reserved:
                raise InputValueError(f"`{argument}` must not hold the reserved tokens "
                                 f"{sorted(reserved)}. Received: {argument}={vocab[:10]!r}...")
        self.tokenize = tokenize
        self.split = _text.resolve_split(tokenize)
        self.standardize = _text.check_standardize(standardize)
        self.max_target_length = positive_int("max_target_length", max_target_length)
        self.cell = canonical_cell(cell)
        if self.cell == "simple":
            raise InputValueError("seq2seq takes cell='lstm' or 'gru'. Received: cell='simple'")
        self.units = positive_int("units", units)
        self.embedding_dim = positive_int("embedding_dim", embedding_dim)
        self.bidirectional = bool(bidirectional)
        self.attention_kind = canonical_attention(attention)
        self.attention_units = (positive_int("attention_units", attention_units)
                                if attention_units else None)
        self.dropout_rate = check_fraction("dropout", dropout)
        self.decoder_units = self.units * (2 if self.bidirectional else 1)
        self.target_size = len(self.target_vocabulary) + 4  # pad, [UNK], [START], [END]
        self._source_index = set(self.source_vocabulary)

        # === Layers ===
        self.source_vectorizer = keras.layers.TextVectorization(
            standardize=self.standardize, split=self.split, vocabulary=self.source_vocabulary,
            name="source_vectorizer")
        self.target_vectorizer = keras.layers.TextVectorization(
            standardize=self.standardize, split=self.split,
            vocabulary=[START, END, *self.target_vocabulary],
            output_sequence_length=self.max_target_length, name="target_vectorizer")
        self.source_embedding = keras.layers.Embedding(len(self.source_vocabulary) + 2,
                                                       self.embedding_dim, name="source_embedding")
        self.target_embedding = keras.layers.Embedding(self.target_size, self.embedding_dim,
                                                       name="target_embedding")
        rnn_cls = keras.layers.LSTM if self.cell == "lstm" else keras.layers.GRU
        encoder = rnn_cls(self.units, return_sequences=True, return_state=True, name="encoder")
        self.encoder = (keras.layers.Bidirectional(encoder, name="bidirectional_encoder")
                        if self.bidirectional else encoder)
        self.decoder = rnn_cls(self.decoder_units, return_sequences=True, return_state=True,
                               name="decoder")
        if self.attention_kind == "bahdanau":
            self.attention_layer = BahdanauAttention(self.attention_units or self.decoder_units,
                                                     name="attention")
        elif self.attention_kind is not None:
            self.attention_layer = LuongAttention(
                "dot" if self.attention_kind == "luong_dot" else "general", name="attention")
        else:
            self.attention_layer = None
        self.attention_combine = (keras.layers.Dense(self.decoder_units, activation="tanh",
                                                     name="attention_combine")
                                  if self.attention_layer is not None else None)
        self.dropout_layer = keras.layers.Dropout(self.dropout_rate, name="dropout")
        self.classifier = keras.layers.Dense(self.target_size, activation="softmax",
                                             name="classifier")
        self.build()

    # === Config ===

    def get_config(self):
        return {
            "name": self.name, "trainable": self.trainable,
            "source_vocabulary": list(self.source_vocabulary),
            "target_vocabulary": list(self.target_vocabulary),
            "max_target_length": self.max_target_length, "tokenize": self.tokenize,
            "standardize": self.standardize, "cell": self.cell, "units": self.units,
            "embedding_dim": self.embedding_dim, "bidirectional": self.bidirectional,
            "attention": self.attention_kind, "attention_units": self.attention_units,
            "dropout": self.dropout_rate,
        }

    def build(self, input_shape=None):
        """Create every weight now (on two dummy tokens), so a fresh model saves and a loaded one
        takes its weights back by layer name."""
        if self.built:
            return
        text = ops.convert_to_tensor(["a"], dtype="string")  # a tensor: the summary knows shapes
        self.source_vectorizer(text)
        self.target_vectorizer(text)
        src = ops.ones((1, 2), dtype="int32")
        self._teacher_forced(src, ops.full((1, 2), START_ID, dtype="int32"), training=False)
        self.built = True

    # === Forward passes ===

    def call(self, inputs, training=False):
        """``(source_ids, decoder_input_ids)`` -> teacher-forced probabilities;
        ``(source_texts, target_texts)`` -> the same from texts; ``source_texts`` -> the greedy
        decoder's probabilities."""
        if isinstance(inputs, (tuple, list)) and len(inputs) == 2 and not _is_text(inputs):
            source, target = inputs
            if _is_text(source):
                source = self.source_vectorizer(source)
                target = self._shift(self.target_vectorizer(target))[0]
            return self._teacher_forced(source, target, training=training)[0]
        return self._greedy(self.source_vectorizer(inputs))[0]

    def _encode(self, source_ids, training=False):
        source_ids = ops.cast(source_ids, "int32")
        mask = ops.not_equal(source_ids, PAD_ID)
        x = self.dropout_layer(self.source_embedding(source_ids), training=training)
        outputs = self.encoder(x, mask=mask, training=training)
        sequence, states = outputs[0], list(outputs[1:])
        if self.bidirectional:
            half = len(states) // 2
            states = [ops.concatenate([f, b], axis=-1) for f, b in zip(states[:half], states[half:])]
        return sequence, states, mask

    def _readout(self, decoded, encoded, mask, training=False):
        weights = None
        if self.attention_layer is not None:
            context, weights = self.attention_layer(decoded, encoded, values_mask=mask)
            decoded = self.attention_combine(ops.concatenate([decoded, context], axis=-1))
        decoded = self.dropout_layer(decoded, training=training)
        return self.classifier(decoded), weights

    def _teacher_forced(self, source_ids, decoder_inputs, training=False):
        encoded, states, mask = self._encode(source_ids, training)
        y = self.dropout_layer(self.target_embedding(ops.cast(decoder_inputs, "int32")),
                               training=training)
        decoded = self.decoder(y, initial_state=states, training=training)[0]
        return self._readout(decoded, encoded, mask, training)

    def _step(self, tokens, states, encoded, mask):
        """One decoder step for a batch of previous tokens: (probabilities, states, weights)."""
        y = self.target_embedding(ops.cast(tokens, "int32"))
        h, states = self.decoder.cell(y, states)
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        probs, weights = self._readout(ops.expand_dims(h, 1), encoded, mask)
        return probs[:, 0], states, (weights[:, 0] if weights is not None else None)

    def _greedy(self, source_ids):
        encoded, states, mask = self._encode(source_ids)
        tokens = ops.full((ops.shape(source_ids)[0],), START_ID, dtype="int32")
        probs_steps, weight_steps = [], []
        for _ in range(self.max_target_length + 1):
            probs, states, weights = self._step(tokens, states, encoded, mask)
            tokens = ops.cast(ops.argmax(probs, axis=-1), "int32")
            probs_steps.append(probs)
            weight_steps.append(weights)
        weights = ops.stack(weight_steps, axis=1) if self.attention_layer is not None else None
        return ops.stack(probs_steps, axis=1), weights

    def _shift(self, target_ids):
        """Target ids ``(batch, T)`` -> decoder inputs ``[START] t1 .. tT``, outputs
        ``t1 .. tn [END] 0 ..`` (both ``T + 1`` long) and a 0/1 mask of the real outputs."""
        target_ids = ops.cast(target_ids, "int32")
        batch = ops.shape(target_ids)[0]
        steps = self.max_target_length + 1
        inputs = ops.concatenate([ops.full((batch, 1), START_ID, dtype="int32"), target_ids], 1)
        lengths = ops.sum(ops.cast(ops.not_equal(target_ids, PAD_ID), "int32"), axis=1)
        padded = ops.concatenate([target_ids, ops.zeros((batch, 1), dtype="int32")], axis=1)
        outputs = padded + ops.one_hot(lengths, steps, dtype="int32") * END_ID
        return inputs, outputs, ops.cast(ops.not_equal(outputs, PAD_ID), "float32")

    def _targets(self, y, sample_weight):
        """Target texts -> (output ids, per-token weights averaging the loss over real tokens)."""
        _, outputs, mask = self._shift(self.target_vectorizer(y))
        weights = mask * (ops.cast(ops.size(mask), "float32") / ops.maximum(ops.sum(mask), 1.0))
        if sample_weight is not None:
            weights = weights * ops.expand_dims(ops.cast(sample_weight, "float32"), -1)
        return outputs, weights

    # === Training ===

    def _teacher_forcing_batch(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if y is None:
            raise InputValueError("Seq2Seq trains on (source, target) pairs: pass the target texts as "
                             "y. Received: y=None")
        outputs, weights = self._targets(y, sample_weight)
        inputs = self._shift(self.target_vectorizer(y))[0]
        return (self.source_vectorizer(x), inputs), outputs, weights

    def train_step(self, data):
        return super().train_step(self._teacher_forcing_batch(data))

    def test_step(self, data):
        return super().test_step(self._teacher_forcing_batch(data))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y is not None and _is_text(y):
            y, sample_weight = self._targets(y, sample_weight)
        return super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                    training=training)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if y is not None and _is_text(y):
            y, sample_weight = self._targets(y, sample_weight)
        return super().compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def validate_data(self, x: Any, y: Any = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Check (source, target) texts before training; return them as NumPy object arrays.

        ``kz.zoo.fit``, ``fit`` and ``evaluate`` call it, so bad pairs fail before any training.

        Raises:
            ValueError: A value that is not text, empty texts, different numbers of sources and
                targets, or targets longer than ``max_target_length`` tokens.
        """
        sources = _text.as_texts(x, "sources")
        if y is None:
            return sources, None
        targets = _text.as_texts(y, "targets")
        if len(sources) != len(targets):
            raise InputValueError(f"There are {len(sources)} sources but {len(targets)} targets; each "
                             f"source needs its target. Received: len(targets)={len(targets)}")
        lengths = _text.token_lengths(targets, split=self.split, standardize=self.standardize)
        too_long = np.flatnonzero(lengths > self.max_target_length)
        if len(too_long):
            worst = int(too_long[np.argmax(lengths[too_long])])
            raise InputValueError(
                f"{len(too_long)} target(s) are longer than the decoder allows "
                f"(max_target_length={self.max_target_length} tokens); the longest has "
                f"{lengths[worst]} tokens. Build the model with a larger max_target_length (e.g. "
                f"the longest target of all your splits) or shorten those targets. Received: "
                f"targets[{worst}]={targets[worst]!r}"
            )
        return sources, targets

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        """``keras.Model.fit`` on (source texts, target texts), checked first (see
        :meth:`validate_data`)."""
        if _is_text(x) or isinstance(x, (np.ndarray, list, tuple)):
            x, y = self.validate_data(x, y)
        if validation_data is not None and len(validation_data) >= 2 and _is_text(
                validation_data[0]):
            validation_data = (*self.validate_data(*validation_data[:2]), *validation_data[2:])
        return super().fit(x, y, *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.evaluate`` on (source texts, target texts): teacher-forced loss, token
        accuracy and sequence accuracy. For the exact match of decoded texts use
        :meth:`exact_match`."""
        if _is_text(x) or isinstance(x, (np.ndarray, list, tuple)):
            x, y = self.validate_data(x, y)
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """The greedy decoder's probabilities ``(samples, max_target_length + 1, vocabulary)``."""
        if _is_text(x):
            x = _text.as_texts(x, "texts", allow_empty_strings=True)
        return super().predict(x, *args, **kwargs)

    # === Inference ===

    def _check_sources(self, texts: Any, unknown: str) -> np.ndarray:
        check_choice("unknown", unknown, ("replace", "error"))
        texts = _text.as_texts(texts, "texts")
        if unknown == "error":
            for i, text in enumerate(texts):
                tokens = _text.tokenize_text(text, split=self.split, standardize=self.standardize)
                missing = sorted({t for t in tokens if t not in self._source_index})
                if missing:
                    raise InputValueError(
                        f"texts[{i}] holds token(s) outside the source vocabulary: {missing}. "
                        "Use unknown='replace' to read them as [UNK]. "
                        f"Received: texts[{i}]={text!r}"
                    )
        return texts

    def _detokenize(self, ids: Sequence[int]) -> tuple[str, list[str]]:
        tokens = []
        vocab = [_text.PAD, _text.OOV, START, END, *self.target_vocabulary]
        for i in ids:
            i = int(i)
            if i in (END_ID, PAD_ID):
                break
            tokens.append(vocab[i] if i < len(vocab) else _text.OOV)
        joiner = "" if self.split == "character" else " "
        return joiner.join(tokens), tokens

    def translate(self, texts: str | Sequence[str], *, beam_width: int = 1,
                  length_penalty: float = 0.6, batch_size: int = 256,
                  unknown: str = "replace") -> str | list[str]:
        """Translate source texts.

        Args:
            texts: One text or a sequence of texts.
            beam_width: 1 decodes greedily; more runs beam search with that many hypotheses.
            length_penalty: Beam search ranks finished hypotheses by log-probability divided by
                ``((5 + length) / 6) ** length_penalty``; 0 ranks by log-probability alone.
            batch_size: Texts decoded at once.
            unknown: ``"replace"`` reads source tokens outside the vocabulary as ``[UNK]``;
                ``"error"`` raises ``ValueError`` naming them.

        Returns:
            The translation (for one text) or a list of translations.

        Example:
            >>> model.translate(["3 March 1998", "Tue 4 Jul 2000"])  # doctest: +SKIP
            ['1998-03-03', '2000-07-04']
        """
        single = isinstance(texts, (str, bytes))
        arr = self._check_sources([texts] if single else texts, unknown)
        batch_size = positive_int("batch_size", batch_size)
        if positive_int("beam_width", beam_width) > 1:
            out = self.beam_search(arr, beam_width, length_penalty=length_penalty,
                                   batch_size=batch_size, unknown=unknown)[0]
        else:
            out, cut = [], 0
            for start in range(0, len(arr), batch_size):
                probs = np.asarray(self.predict_on_batch(arr[start:start + batch_size]))
                ids = probs.argmax(axis=-1)
                cut += int((~np.isin(ids, (END_ID, PAD_ID)).any(axis=-1)).sum())
                out += [self._detokenize(row)[0] for row in ids]
            self._warn_cut(cut, len(arr))
        return out[0] if single else out

    def _warn_cut(self, cut: int, total: int) -> None:
        if cut:
            log.warning("%d of %d translation(s) ran the decoder's %d steps "
                        "(max_target_length=%d, plus [END]) without [END] and were cut there "
                        "(sources unlike the training data, or longer than any seen in "
                        "training).", cut, total, self.max_target_length + 1,
                        self.max_target_length)

    def beam_search(self, texts: Sequence[str], beam_width: int = 4, *,
                    length_penalty: float = 0.6, batch_size: int = 256,
                    unknown: str = "replace") -> tuple[list[str], np.ndarray]:
        """Beam-search translations and their scores (length-normalised log-probabilities).

        At ``beam_width=1`` it follows the greedy decoder token for token.
        """
        arr = self._check_sources(texts, unknown)
        width = positive_int("beam_width", beam_width)
        if width > self.target_size:
            raise InputValueError(f"`beam_width` cannot exceed the target vocabulary size "
                             f"({self.target_size}). Received: beam_width={beam_width}")
        if not isinstance(length_penalty, (int, float)) or length_penalty < 0:
            raise InputValueError("`length_penalty` must be a non-negative number. "
                             f"Received: length_penalty={length_penalty!r}")
        texts_out, scores_out, cut = [], [], 0
        for start in range(0, len(arr), positive_int("batch_size", batch_size)):
            ids, scores = self._beam_batch(arr[start:start + batch_size], width, length_penalty)
            cut += int((~np.isin(ids, (END_ID, PAD_ID)).any(axis=-1)).sum())
            texts_out += [self._detokenize(row)[0] for row in ids]
            scores_out.append(scores)
        self._warn_cut(cut, len(arr))
        return texts_out, np.concatenate(scores_out)

    def _beam_batch(self, texts: np.ndarray, width: int, alpha: float):
        n, vocab, steps = len(texts), self.target_size, self.max_target_length + 1
        encoded, states, mask = self._encode(self.source_vectorizer(texts))
        encoded = ops.repeat(encoded, width, axis=0)
        mask = ops.repeat(mask, width, axis=0)
        states = [ops.repeat(s, width, axis=0) for s in states]
        scores = np.full((n, width), -np.inf)
        scores[:, 0] = 0.0
        sequences = np.zeros((n, width, 0), dtype="int64")
        finished = np.zeros((n, width), dtype=bool)
        tokens = np.full((n, width), START_ID, dtype="int32")
        for _ in range(steps):
            probs, states, _ = self._step(ops.convert_to_tensor(tokens.reshape(-1)), states,
                                          encoded, mask)
            with np.errstate(divide="ignore"):
                logp = np.log(np.asarray(probs, dtype="float64")).reshape(n, width, vocab)
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

    def attention(self, text: str, *, unknown: str = "replace") -> AttentionMap:
        """The attention weights of the greedy translation of ``text``, for a heatmap.

        Example:
            >>> amap = model.attention("3 March 1998")  # doctest: +SKIP
            >>> amap.weights.sum(axis=1)                 # doctest: +SKIP
            array([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.], dtype=float32)
            >>> amap.plot()                              # doctest: +SKIP
        """
        if self.attention_layer is None:
            raise InputValueError("This model has no attention (attention=None): there are no "
                             "weights to show. Received: attention=None")
        if not isinstance(text, (str, bytes)):
            raise InputTypeError(f"`text` must be one text. Received: text={text!r}")
        arr = self._check_sources([text], unknown)
        source_ids = self.source_vectorizer(arr)
        probs, weights = self._greedy(source_ids)
        ids = np.asarray(probs)[0].argmax(axis=-1)
        translation, tokens = self._detokenize(ids)
        n_out = min(len(tokens) + 1, len(ids))  # the [END] row too
        source_tokens = _text.tokenize_text(arr[0], split=self.split, standardize=self.standardize)
        n_src = int(np.count_nonzero(np.asarray(source_ids)[0]))
        out_tokens = tokens + ([END] if n_out > len(tokens) else [])
        return AttentionMap(source_tokens[:n_src], out_tokens,
                            np.asarray(weights)[0, :n_out, :n_src], translation)

    def exact_match(self, sources: Sequence[str], targets: Sequence[str], **translate_kwargs
                    ) -> float:
        """Share of sources whose translation equals the target exactly (after the model's
        standardization of the target)."""
        sources, targets = self.validate_data(sources, targets)
        predictions = self.translate(sources, **translate_kwargs)
        expected = [self._standardized(t) for t in targets]
        return float(np.mean([p == e for p, e in zip(predictions, expected)]))

    def _standardized(self, text: str) -> str:
        tokens = _text.tokenize_text(text, split=self.split, standardize=self.standardize)
        return ("" if self.split == "character" else " ").join(tokens)


_EXAMPLE = {"sources": ["abc", "bca", "cab", "abcd", "dcb"],
            "targets": ["cba", "acb", "bac", "dcba", "bcd"], "units": 8, "embedding_dim": 4}


@register_model(family="seq2seq", input_kind="pairs", aliases=("encoder_decoder",),
                example_kwargs=_EXAMPLE)
def seq2seq(
    sources: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    *,
    source_vocabulary: Sequence[str] | None = None,
    target_vocabulary: Sequence[str] | None = None,
    source_vocab_size: int | None = None,
    target_vocab_size: int | None = None,
    max_target_length: int | None = None,
    tokenize: str = "character",
    standardize: str | None = None,
    cell: str = "lstm",
    units: int = 128,
    embedding_dim: int = 64,
    bidirectional: bool = False,
    attention: str | None = "bahdanau",
    attention_units: int | None = None,
    dropout: float = 0.0,
    label_smoothing: float = 0.0,
    optimizer: Any = "adam",
    learning_rate: float | None = None,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    global_clipnorm: float | None = DEFAULT_GLOBAL_CLIPNORM,
    steps_per_execution: int = 1,
    seed: int | None = None,
    compile: bool = True,
    name: str = "seq2seq",
) -> Seq2Seq:
    """An encoder-decoder with attention that translates text (a compiled :class:`Seq2Seq`).

    Args:
        sources, targets: Training pairs: the vocabularies (and ``max_target_length``) are read
            off them. ``Dataset.model_kwargs()`` of a ``pairs`` dataset supplies them.
        source_vocabulary, target_vocabulary: Fixed vocabularies instead (tokens, no specials).
        source_vocab_size, target_vocab_size: Keep at most this many tokens (most frequent
            first); the rest read as ``[UNK]``. ``None`` keeps all.
        max_target_length: The longest target, in tokens, the decoder writes; default: the
            longest of ``targets``. Longer targets are refused (``ValueError``).
        tokenize: ``"character"`` (default) or ``"word"``.
        standardize: ``None`` (default: texts as they are), ``"lower"``, ``"strip_punctuation"``
            or ``"lower_and_strip_punctuation"``; applies to sources and targets.
        cell: ``"lstm"`` (default) or ``"gru"`` for encoder and decoder.
        units: Encoder units (the decoder gets twice as many with ``bidirectional=True``).
        embedding_dim: Token embedding size.
        bidirectional: A bidirectional encoder.
        attention: ``"bahdanau"`` (additive, default), ``"luong"`` (general), ``"luong_dot"`` or
            ``None`` (no attention).
        attention_units: Hidden size of the Bahdanau score (default: decoder units).
        dropout: Dropout on the embeddings and before the output layer.
        label_smoothing: Label smoothing of the token cross-entropy.
        optimizer: Any catalog optimizer (``adam`` by default) or object.
        learning_rate: ``None``: 3e-3 for the Adam family (``adam``, ``adamw``, ``nadam``,
            ``adamax``), the optimizer's Keras default otherwise. With the default clipping,
            3e-3 reached 1.0 exact match on held-out dates in 6 epochs where Keras' 1e-3 gave
            0.991 after 10 (see ``benchmarks/README.md``).
        clipnorm, clipvalue, global_clipnorm: Gradient clipping; ``global_clipnorm=1.0`` by
            default (``clipnorm``/``clipvalue`` replace it, ``None`` turns it off).
        steps_per_execution: Batches per compiled call of ``model.fit``.
        seed: Seeds Python, NumPy and Keras before the weights are created.
        compile: Return the model compiled (default) or not.
        name: The model's name.

    XLA is not offered: the text vectorization inside the model has no XLA kernel.

    Returns:
        A :class:`Seq2Seq` (a ``keras.Model``), compiled with sparse categorical cross-entropy
        over target tokens, token ``accuracy`` and ``sequence_accuracy``.

    Example:
        >>> import keras_zoo as kz
        >>> data = kz.load("dates", n=200, seed=0)
        >>> model = kz.zoo.seq2seq(**data.model_kwargs(kz.zoo.seq2seq), units=16, seed=0)
        >>> history = kz.zoo.fit(model, data.x_train, data.y_train, epochs=1)
        >>> len(model.translate(["3 March 1998"])[0]) <= model.max_target_length
        True
    """
    split = _text.resolve_split(tokenize)
    _text.check_standardize(standardize)
    if sources is not None:
        sources = _text.as_texts(sources, "sources")
    if targets is not None:
        targets = _text.as_texts(targets, "targets")
    if sources is not None and targets is not None and len(sources) != len(targets):
        raise InputValueError(f"There are {len(sources)} sources but {len(targets)} targets; each "
                         f"source needs its target. Received: len(targets)={len(targets)}")
    for argument, value in (("source_vocab_size", source_vocab_size),
                            ("target_vocab_size", target_vocab_size)):
        if value is not None:
            positive_int(argument, value)
    def vocabulary(side: str, texts: Any, given: Any, size: int | None) -> list[str]:
        if given is not None:
            return list(given)[:size] if size is not None else given
        if texts is None:
            raise InputValueError(f"Give the training `{side}s` (the vocabulary is read off them) or "
                             f"a `{side}_vocabulary`. Received: {side}s=None")
        return _text.build_vocabulary(texts, split=split, standardize=standardize,
                                      max_tokens=size, exclude=(START, END))

    source_vocabulary = vocabulary("source", sources, source_vocabulary, source_vocab_size)
    target_vocabulary = vocabulary("target", targets, target_vocabulary, target_vocab_size)
    if max_target_length is None:
        if targets is None:
            raise InputValueError("Give `max_target_length` (or the training `targets` to read it off). "
                             "Received: max_target_length=None")
        max_target_length = int(_text.token_lengths(targets, split=split,
                                                    standardize=standardize).max())
    head = resolve_head("multiclass", num_classes=len(target_vocabulary) + 4,
                        label_smoothing=label_smoothing,
                        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                                 SequenceAccuracy()])
    clipping = _clipping(optimizer, clipnorm, clipvalue, global_clipnorm)
    set_seed(seed)
    model = Seq2Seq(source_vocabulary, target_vocabulary, max_target_length=max_target_length,
                    tokenize=tokenize, standardize=standardize, cell=cell, units=units,
                    embedding_dim=embedding_dim, bidirectional=bidirectional, attention=attention,
                    attention_units=attention_units, dropout=dropout,
                    name=normalize_name(name) or "seq2seq")
    if targets is not None:
        model.validate_data(sources if sources is not None else targets, targets)
    if compile:
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise InputValueError("`steps_per_execution` must be a positive integer. "
                             f"Received: steps_per_execution={steps_per_execution!r}")
        if learning_rate is None and isinstance(optimizer, (str, dict)) and (
                catalog.canonical_optimizer(optimizer) in ADAM_FAMILY):
            learning_rate = DEFAULT_ADAM_LEARNING_RATE
        # Weighted metrics: the per-token weights leave padding out of the accuracies.
        model.compile(optimizer=catalog.get_optimizer(optimizer, learning_rate=learning_rate,
                                                      **clipping),
                      loss=head.loss, weighted_metrics=head.metrics,
                      steps_per_execution=steps_per_execution, jit_compile=False)
    return model

