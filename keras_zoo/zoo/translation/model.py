"""The :class:`Seq2Seq` model: text in, text out (see ``keras_zoo.zoo.translation``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from keras_zoo.base import check_choice, check_fraction, normalize_name, positive_int
from keras_zoo.base import text as _text
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo.fast_loop import quiet_own_retracing
from keras_zoo.zoo.layers import PACKAGE, BahdanauAttention, LuongAttention
from keras_zoo.zoo.recurrent import canonical_cell
from keras_zoo.zoo.text_model import StringInputs
from keras_zoo.zoo.translation.attention_map import AttentionMap
from keras_zoo.zoo.translation.beam import beam_batch
from keras_zoo.zoo.translation.calls import TextCalls
from keras_zoo.zoo.translation.tokens import END, END_ID, PAD_ID, START, START_ID
from keras_zoo.zoo.translation.tokens import is_text as _is_text

__all__ = ["Seq2Seq", "canonical_attention"]

log = logging.getLogger(__name__)

_TF = keras.backend.backend() == "tensorflow"  # string tensors exist only there

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


@keras.saving.register_keras_serializable(package=PACKAGE)
class Seq2Seq(TextCalls, StringInputs, keras.Model):
    """An encoder-decoder that reads and writes text (see the module docstring).

    Its Keras methods (``fit``, ``evaluate``, ``predict``, ``*_on_batch``, ``model(...)``) take
    texts as lists, NumPy unicode or object arrays or pandas Series
    (:class:`~keras_zoo.zoo.text_model.StringInputs`).

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
        # TensorFlow: a string tensor, so the summary knows shapes; elsewhere (no string
        # tensors) the vectorizers run eagerly on a NumPy object array.
        text = (ops.convert_to_tensor(["a"], dtype="string") if _TF else
                np.array(["a"], dtype=object))
        self.source_vectorizer(text)
        self.target_vectorizer(text)
        src = ops.ones((1, 2), dtype="int32")
        self._teacher_forced(src, ops.full((1, 2), START_ID, dtype="int32"), training=False)
        self.built = True

    # === Forward passes ===

    def call(self, inputs, training=False):
        """``(source_ids, decoder_input_ids)`` -> teacher-forced probabilities;
        ``(source_texts, target_texts)`` -> the same from texts; ``source_texts`` (or
        ``source_ids``) -> the greedy decoder's probabilities."""
        if isinstance(inputs, (tuple, list)) and len(inputs) == 2 and not _is_text(inputs):
            source, target = inputs
            if _is_text(source):
                source = self.source_vectorizer(source)
                target = self._shift(self.target_vectorizer(target))[0]
            return self._teacher_forced(source, target, training=training)[0]
        source = self.source_vectorizer(inputs) if _is_text(inputs) else inputs
        return self._greedy(source)[0]

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

    def diagnostic_batch(self, data):
        """``(source texts, target texts[, weights])`` -> ``((source ids, decoder inputs), output
        ids, per-token weights)``: the batch one training step sees (``kz.diagnostics.Monitor``
        takes its gradients on it)."""
        return self._teacher_forcing_batch(data)

    def _step_batch(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self._teacher_forcing_batch(data) if _is_text(x) else data

    def train_step(self, *args):
        # TensorFlow: ``train_step(data)`` on texts, vectorized in the graph. JAX/PyTorch: the
        # batch is already ids (see :meth:`training_arrays`); JAX's step also takes the state first.
        *state, data = args
        return super().train_step(*state, self._step_batch(data))

    def test_step(self, *args):
        *state, data = args
        return super().test_step(*state, self._step_batch(data))

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
            with quiet_own_retracing():  # a new model's predict function is no retracing
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
            with quiet_own_retracing():
                ids, scores = beam_batch(self, arr[start:start + batch_size], width,
                                         length_penalty)
            cut += int((~np.isin(ids, (END_ID, PAD_ID)).any(axis=-1)).sum())
            texts_out += [self._detokenize(row)[0] for row in ids]
            scores_out.append(scores)
        self._warn_cut(cut, len(arr))
        return texts_out, np.concatenate(scores_out)

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
        ids = ops.convert_to_numpy(probs)[0].argmax(axis=-1)
        translation, tokens = self._detokenize(ids)
        n_out = min(len(tokens) + 1, len(ids))  # the [END] row too
        source_tokens = _text.tokenize_text(arr[0], split=self.split, standardize=self.standardize)
        n_src = int(np.count_nonzero(ops.convert_to_numpy(source_ids)[0]))
        out_tokens = tokens + ([END] if n_out > len(tokens) else [])
        return AttentionMap(source_tokens[:n_src], out_tokens,
                            ops.convert_to_numpy(weights)[0, :n_out, :n_src], translation)

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
