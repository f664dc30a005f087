"""What goes into a recurrent model: raw text, integer tokens, float sequences or a vector.

``rnn`` describes its input with an :class:`InputSpec`; :func:`build_inputs` returns the model's
``Input`` and the tensor the recurrent layers read (see ``keras_zoo.zoo.recurrent``). A raw-text
model holds a ``TextVectorization`` layer whose vocabulary comes from
:func:`keras_zoo.base.text.build_vocabulary`, the same rule the loaders and Seq2Seq use: tokens
by frequency, ties in code-point order. (Before keras-zoo 0.2 the layer was adapted with
``TextVectorization.adapt``, which breaks ties in reverse order: the same tokens are kept except
among equally frequent ones at the ``vocab_size`` cut-off, and token ids of ties differ.) The
vocabulary is fixed when the model is built, so it is part of the layer's config.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import keras

from keras_zoo.base import positive_int
from keras_zoo.base import text as _text
from keras_zoo.base.backend import require_tensorflow
from keras_zoo.base.errors import InputValueError

__all__ = ["DEFAULT_MAX_TOKENS", "RAW_TEXT_ELSEWHERE", "InputSpec", "build_inputs", "text_input"]

DEFAULT_MAX_TOKENS = _text.DEFAULT_MAX_TOKENS


RAW_TEXT_ELSEWHERE = (
    "On JAX and PyTorch, vectorize the texts before the model and build it on token ids: "
    "ids = keras.layers.TextVectorization(vocabulary=..., output_sequence_length=...)(texts) "
    "runs eagerly on any backend (or in a tf.data pipeline), then kz.zoo.lstm(vocab_size=..., "
    "sequence_length=...) and fit on the ids.")


def text_input(texts, vocabulary, vocab_size, sequence_length, tokenize, standardize, shape):
    # A string Input cannot enter a JAX or PyTorch graph (no string tensors there).
    require_tensorflow("A raw-text model (texts= or vocabulary=)", RAW_TEXT_ELSEWHERE)
    split = _text.resolve_split(tokenize)
    _text.check_standardize(standardize)
    if vocabulary is None:
        texts = _text.as_texts(texts, "texts")
    elif isinstance(vocabulary, str):
        raise InputValueError("`vocabulary` must be a list of tokens (most frequent first). "
                         f"Received: vocabulary={vocabulary[:40]!r}")
    else:
        vocabulary = [str(t) for t in vocabulary if t not in (_text.PAD, _text.OOV)]
        if not vocabulary:
            raise InputValueError("`vocabulary` is empty. Received: vocabulary=[]")
    if shape == "many_to_many" and sequence_length is None:
        raise InputValueError("shape='many_to_many' on raw text needs a fixed `sequence_length` (the "
                         "labels have one entry per token). Received: sequence_length=None")
    max_tokens = vocab_size if vocab_size is not None else (
        None if vocabulary is not None else DEFAULT_MAX_TOKENS)
    if max_tokens is not None and max_tokens < 3:
        raise InputValueError("`vocab_size` counts padding and [UNK] too, so it must be >= 3. "
                         f"Received: vocab_size={vocab_size!r}")
    if vocabulary is None:  # the project's one vocabulary rule (keras_zoo.base.text)
        vocabulary = _text.build_vocabulary(texts, split=split, standardize=standardize,
                                            max_tokens=max_tokens - 2)
    elif max_tokens is not None:
        vocabulary = vocabulary[:max_tokens - 2]
    vectorizer = keras.layers.TextVectorization(
        max_tokens=max_tokens, standardize=standardize, split=split,
        output_sequence_length=sequence_length, vocabulary=vocabulary, name="vectorize")
    return keras.Input(shape=(), dtype="string", name="text"), vectorizer


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """What ``rnn`` was told about its input (the keywords that describe it)."""

    texts: Any
    vocabulary: Any
    vocab_size: int | None
    sequence_length: int | None
    tokenize: str
    standardize: str | None
    input_shape: Any
    input_dim: int | None
    output_length: int | None
    shape: str
    embedding_dim: int
    mask: bool


def _vector_inputs(spec: InputSpec):
    if spec.texts is not None or spec.vocabulary is not None or spec.vocab_size is not None:
        raise InputValueError(f"shape={spec.shape!r} takes a vector (input_dim=), not text or "
                              f"tokens. Received: shape={spec.shape!r}")
    input_dim = positive_int("input_dim", spec.input_dim)
    inputs = keras.Input(shape=(input_dim,), name="features")
    if spec.shape == "one_to_many":
        steps = positive_int("output_length", spec.output_length)
        return inputs, keras.layers.RepeatVector(steps, name="repeat")(inputs)
    return inputs, keras.layers.Reshape((1, input_dim), name="one_step")(inputs)


def _text_inputs(spec: InputSpec):
    if spec.input_shape not in (None, ()):
        raise InputValueError("Raw-text input takes no `input_shape` (one string per sample). "
                              f"Received: input_shape={spec.input_shape!r}")
    inputs, vectorizer = text_input(spec.texts, spec.vocabulary, spec.vocab_size,
                                     spec.sequence_length, spec.tokenize, spec.standardize,
                                     spec.shape)
    x = keras.layers.Embedding(vectorizer.vocabulary_size(), spec.embedding_dim,
                               mask_zero=spec.mask, name="embedding")(vectorizer(inputs))
    return inputs, x


def _token_inputs(spec: InputSpec):
    if spec.input_shape is not None and len(tuple(spec.input_shape)) != 1:
        raise InputValueError("Integer-token input is 1-D (one token id per step); `input_shape` "
                              f"must be (steps,). Received: input_shape={spec.input_shape!r}")
    steps = spec.sequence_length or (next(iter(spec.input_shape)) if spec.input_shape else None)
    inputs = keras.Input(shape=(steps,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(spec.vocab_size, spec.embedding_dim, mask_zero=spec.mask,
                               name="embedding")(inputs)
    return inputs, x


def _sequence_inputs(spec: InputSpec):
    shape_in = tuple(spec.input_shape) if spec.input_shape is not None else (
        None, spec.input_dim)
    if len(shape_in) != 2 or shape_in[-1] is None:
        raise InputValueError("Float sequences need input_shape=(timesteps, features) "
                              f"(timesteps may be None). Received: input_shape={spec.input_shape!r}")
    inputs = keras.Input(shape=shape_in, name="sequence")
    return inputs, (keras.layers.Masking(0.0, name="masking")(inputs) if spec.mask else inputs)


def build_inputs(spec: InputSpec):
    """The model's ``Input`` and what the recurrent layers read (see the module docstring)."""
    if spec.shape in ("one_to_many", "one_to_one"):
        return _vector_inputs(spec)
    if spec.texts is not None or spec.vocabulary is not None:
        return _text_inputs(spec)
    if spec.vocab_size is not None:
        return _token_inputs(spec)
    if spec.input_shape is not None or spec.input_dim is not None:
        return _sequence_inputs(spec)
    raise InputValueError(
        "Tell the model what goes in: texts= (raw strings, the vocabulary is adapted on them) "
        "or vocabulary=, vocab_size= (integer token ids), input_shape=(timesteps, features) "
        "(float sequences), or input_dim= (a vector, for shape='one_to_many'/'one_to_one'). "
        "Received: none of them"
    )
