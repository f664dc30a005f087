"""``seq2seq(...)``: an encoder-decoder with attention from training pairs, compiled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from keras_zoo.base import normalize_name, positive_int, set_seed
from keras_zoo.base import text as _text
from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo.factory import CompileArgs, compile_model, model_factory
from keras_zoo.zoo.heads import resolve_head
from keras_zoo.zoo.recurrent import DEFAULT_GLOBAL_CLIPNORM, recurrent_clipping
from keras_zoo.zoo.registry import register_model
from keras_zoo.zoo.translation.metrics import SequenceAccuracy
from keras_zoo.zoo.translation.model import Seq2Seq
from keras_zoo.zoo.translation.tokens import END, START

__all__ = ["seq2seq"]

DEFAULT_ADAM_LEARNING_RATE = 3e-3
ADAM_FAMILY = ("adam", "adamw", "nadam", "adamax")


_EXAMPLE = {"sources": ["abc", "bca", "cab", "abcd", "dcb"],
            "targets": ["cba", "acb", "bac", "dcba", "bcd"], "units": 8, "embedding_dim": 4}


@register_model(family="seq2seq", input_kind="pairs", aliases=("encoder_decoder",),
                example_kwargs=_EXAMPLE)
@model_factory(head=False, exclude=("jit_compile",), global_clipnorm=DEFAULT_GLOBAL_CLIPNORM,
               steps_per_execution=1, notes={
                   "learning_rate": "``None``: 3e-3 for the Adam family (``adam``, ``adamw``, "
                   "``nadam``, ``adamax``), the optimizer's Keras default otherwise. With the "
                   "default clipping, 3e-3 reached 1.0 exact match on held-out dates in 6 epochs "
                   "where Keras' 1e-3 gave 0.991 after 10 (see ``benchmarks/README.md``).",
                   "global_clipnorm": "Clip the norm of all gradients together; ``clipnorm`` or "
                   "``clipvalue`` replace it, ``None`` turns clipping off."})
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
    name: str = "seq2seq",
    compile_args: CompileArgs,
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
    sources, targets = _check_pairs(sources, targets)
    for argument, value in (("source_vocab_size", source_vocab_size),
                            ("target_vocab_size", target_vocab_size)):
        if value is not None:
            positive_int(argument, value)
    rules = {"split": split, "standardize": standardize}
    source_vocabulary = _vocabulary("source", sources, source_vocabulary, source_vocab_size, rules)
    target_vocabulary = _vocabulary("target", targets, target_vocabulary, target_vocab_size, rules)
    if max_target_length is None:
        if targets is None:
            raise InputValueError("Give `max_target_length` (or the training `targets` to read "
                                  "it off). Received: max_target_length=None")
        max_target_length = int(_text.token_lengths(targets, **rules).max())
    head = resolve_head("multiclass", num_classes=len(target_vocabulary) + 4,
                        label_smoothing=label_smoothing,
                        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                                 SequenceAccuracy()])
    compile_args = recurrent_clipping(compile_args)
    set_seed(compile_args.seed)
    model = Seq2Seq(source_vocabulary, target_vocabulary, max_target_length=max_target_length,
                    tokenize=tokenize, standardize=standardize, cell=cell, units=units,
                    embedding_dim=embedding_dim, bidirectional=bidirectional, attention=attention,
                    attention_units=attention_units, dropout=dropout,
                    name=normalize_name(name) or "seq2seq")
    if targets is not None:
        model.validate_data(sources if sources is not None else targets, targets)
    if compile_args.compile:
        _compile(model, head, compile_args)
    return model


def _check_pairs(sources: Any, targets: Any) -> tuple[Any, Any]:
    if sources is not None:
        sources = _text.as_texts(sources, "sources")
    if targets is not None:
        targets = _text.as_texts(targets, "targets")
    if sources is not None and targets is not None and len(sources) != len(targets):
        raise InputValueError(f"There are {len(sources)} sources but {len(targets)} targets; "
                              "each source needs its target. "
                              f"Received: len(targets)={len(targets)}")
    return sources, targets


def _vocabulary(side: str, texts: Any, given: Any, size: int | None, rules: dict[str, Any]
                ) -> list[str]:
    if given is not None:
        return list(given)[:size] if size is not None else given
    if texts is None:
        raise InputValueError(f"Give the training `{side}s` (the vocabulary is read off them) "
                              f"or a `{side}_vocabulary`. Received: {side}s=None")
    return _text.build_vocabulary(texts, **rules, max_tokens=size, exclude=(START, END))


def _compile(model: Seq2Seq, head: Any, compile_args: CompileArgs) -> None:
    settings = compile_args.optimizer_settings()
    if settings["learning_rate"] is None and isinstance(settings["optimizer"], (str, dict)) and (
            catalog.canonical_optimizer(settings["optimizer"]) in ADAM_FAMILY):
        settings["learning_rate"] = DEFAULT_ADAM_LEARNING_RATE
    # Weighted metrics: the per-token weights leave padding out of the accuracies.
    compile_model(model, head, **settings, steps_per_execution=compile_args.steps_per_execution,
                  jit_compile=False, weighted_metrics=True)
