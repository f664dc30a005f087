"""The recurrent family: SimpleRNN, LSTM and GRU networks for text and sequences.

``rnn(...)`` builds ``inputs -> [vectorize] -> embedding -> recurrent layers -> [dense] -> head``
and compiles it; ``simple_rnn``, ``lstm``, ``gru``, ``bilstm`` and ``bigru`` are the same factory
with the cell (and direction) fixed. Every keyword is also a tuning axis (``keras_zoo.tuning``).

What goes in (chosen from the arguments, in this order):

* **raw strings** when ``texts=`` (the training texts the vocabulary is adapted on) or
  ``vocabulary=`` is given: a ``TextVectorization`` layer inside the model turns text into token
  ids, so a saved model predicts on raw text. Token 0 is padding and token 1 (``[UNK]``) stands for
  every word outside the vocabulary. The model is a :class:`~keras_zoo.zoo.text_model.TextModel`: its
  own ``fit``, ``evaluate``, ``predict``, ``*_on_batch`` and ``model(...)`` take texts as a list,
  a NumPy unicode or object array or a pandas Series (plain Keras takes object arrays only).
  A raw-text classifier also takes class names as labels (``["spam", "ham", ...]``): given as
  ``classes=`` or learned, sorted, on the first ``fit``; saved with the model, and
  ``model.predict_classes(texts)`` gives names (see ``keras_zoo.zoo.class_labels``).
* **integer token ids** when ``vocab_size=`` is given (0 = padding), e.g. ``imdb``/``reuters``.
* **float sequences** ``(timesteps, features)`` when ``input_shape=`` (or ``input_dim=`` features
  with any number of steps) is given.
* **a vector** ``(input_dim,)`` for the ``one_to_many`` and ``one_to_one`` shapes.

The four shapes (``shape=``):

==============  ================================  =============================================
shape           in -> out                          e.g.
==============  ================================  =============================================
many_to_one     sequence -> one prediction         sentiment, topic, time-series regression
many_to_many    sequence -> one label per step     tagging (labels ``(samples, steps)``)
one_to_many     vector -> sequence                 generating ``output_length`` steps from a code
one_to_one      vector -> one prediction           a single recurrent step (the course's fourth
                                                   shape; a dense network does the same job)
==============  ================================  =============================================

Choices a user will notice:

* **Masking is on**: padded steps (token 0, or all-zero feature vectors) are skipped by the
  recurrent layers, in both directions of a bidirectional layer, and are left out of the loss and
  metrics of ``many_to_many`` models. Padding therefore never changes a prediction.
* **Gradients are clipped by default**: ``global_clipnorm=1.0`` (the norm over all gradients), the
  usual cure for exploding gradients in recurrent networks. Pass ``global_clipnorm=None`` to turn it
  off; setting ``clipnorm`` or ``clipvalue`` replaces it (Keras allows one of the three).
* Heads follow the task rules of ``keras_zoo.zoo.heads``; a per-step head is the same Dense layer
  applied at every step. A binary or regression per-step head outputs ``(samples, steps, 1)``;
  ``kz.zoo.fit`` takes its targets as ``(samples, steps)`` too and adds the last axis (plain
  ``model.fit``/``evaluate`` need ``(samples, steps, 1)``: with ``(samples, steps)`` Keras reduces
  the step axis away before applying the padding mask, and fails).
* Cells use ``tanh`` with Glorot-uniform input kernels and orthogonal recurrent kernels (Keras'
  defaults); the input-kernel initializer follows the activation like everywhere in the zoo.
* **XLA is off** (``jit_compile=False``). Measured on 2 CPU cores (LSTM(64) on integer tokens,
  3,500 samples, batch 32): ``kz.zoo.fit`` without XLA ran 1.0 s per epoch; ``model.fit`` 2.3 s,
  or 1.4 s with XLA after a 14 s first epoch; but XLA inside ``kz.zoo.fit``'s one-graph epoch
  ran 68 s per epoch. Pass ``jit_compile=True`` only with ``model.fit``. Raw-text models cannot
  use XLA at all (text vectorization has no XLA kernel).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from keras_zoo.base import (
    check_choice,
    check_fraction,
    layer_sizes,
    normalize_name,
    per_layer,
    positive_int,
    set_seed,
)
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo.blocks import dense_block
from keras_zoo.zoo.class_labels import class_labels_for, head_args_with_classes
from keras_zoo.zoo.factory import CompileArgs, HeadArgs, model_factory, variant
from keras_zoo.zoo.heads import output_layer
from keras_zoo.zoo.recurrent_inputs import InputSpec, build_inputs
from keras_zoo.zoo.registry import register_model
from keras_zoo.zoo.text_model import TextModel

__all__ = ["bigru", "bilstm", "gru", "lstm", "recurrent_layer", "rnn", "simple_rnn"]

SHAPES = ("many_to_one", "many_to_many", "one_to_many", "one_to_one")
MERGE_MODES = ("concat", "sum", "mul", "ave")
DEFAULT_GLOBAL_CLIPNORM = 1.0
_CELLS = {"simple": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
_CELL_ALIASES = {"simple": "simple", "simple_rnn": "simple", "simplernn": "simple", "rnn": "simple",
                 "vanilla": "simple", "elman": "simple", "lstm": "lstm", "gru": "gru"}

_EXAMPLE_TEXTS = ["the cat sat", "a dog ran far", "cat and dog", "the dog sat down",
                  "run far away now", "a cat ran"]


def canonical_cell(cell: str) -> str:
    """``"LSTM"``, ``"simple_rnn"``, ``"SimpleRNN"`` ... -> ``"lstm"``, ``"simple"``, ``"gru"``."""
    key = normalize_name(cell) if isinstance(cell, str) else cell
    if key not in _CELL_ALIASES:
        raise InputValueError(f"`cell` must be one of 'simple', 'lstm', 'gru'. Received: cell={cell!r}")
    return _CELL_ALIASES[key]


def cell_activation(spec: Any, argument: str = "activation") -> Any:
    """An activation a recurrent cell can take: a function or its name.

    Catalog names whose activation is a plain function work (``tanh``, ``relu``, ``sigmoid``,
    ``hard_sigmoid``, ``softsign``, ``gelu`` ...), as do ``elu`` with its default ``alpha`` and any
    callable. Activations that need their own layer (``prelu``'s learned slope, ``leaky_relu``
    with a chosen slope) cannot run inside a cell and raise ``ValueError``.
    """
    if isinstance(spec, keras.layers.Layer):
        raise InputTypeError(f"A recurrent cell takes an activation function, not a layer. "
                         f"Received: {argument}={spec!r}")
    fn = catalog.activation_function(spec)
    if fn is not None:
        return fn
    name = catalog.canonical_activation(spec)
    if name == "elu" and isinstance(spec, str):
        return "elu"
    raise InputValueError(
        f"{name!r} needs its own layer (a learned or configured slope) and cannot be a recurrent "
        f"cell's {argument}; use a function such as 'tanh', 'relu', 'elu' or 'sigmoid'. "
        f"Received: {argument}={spec!r}"
    )


def recurrent_layer(cell: str, units: int, *, return_sequences: bool = False,
                    bidirectional: bool = False, merge_mode: str = "concat",
                    activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                    initializer: Any = None, recurrent_initializer: Any = "orthogonal",
                    dropout: float = 0.0, recurrent_dropout: float = 0.0,
                    name: str = "recurrent") -> keras.layers.Layer:
    """One SimpleRNN/LSTM/GRU layer, optionally wrapped in ``Bidirectional``.

    ``recurrent_activation`` (the gates) applies to LSTM and GRU only; SimpleRNN has no gates.
    """
    cell = canonical_cell(cell)
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
        raise InputValueError(f"`units` must be positive integers. Received: units={units!r}")
    check_fraction("dropout", dropout)
    check_fraction("recurrent_dropout", recurrent_dropout)
    check_choice("merge_mode", merge_mode, MERGE_MODES)
    init = initializer if initializer is not None else catalog.default_initializer(activation)
    kwargs: dict[str, Any] = {
        "units": int(units), "activation": cell_activation(activation),
        "kernel_initializer": catalog.get_initializer(init),
        "recurrent_initializer": catalog.get_initializer(recurrent_initializer),
        "dropout": float(dropout), "recurrent_dropout": float(recurrent_dropout),
        "return_sequences": return_sequences,
    }
    if cell != "simple":
        kwargs["recurrent_activation"] = cell_activation(recurrent_activation,
                                                         "recurrent_activation")
    layer_cls = getattr(keras.layers, _CELLS[cell])
    if bidirectional:
        return keras.layers.Bidirectional(layer_cls(**kwargs, name=f"{name}_{cell}"),
                                          merge_mode=merge_mode, name=name)
    return layer_cls(**kwargs, name=name)


def _resolve_units(units: Any, num_layers: int | None) -> tuple[int, ...]:
    if isinstance(units, (int, np.integer)) and not isinstance(units, bool):
        n = 1 if num_layers is None else positive_int("num_layers", num_layers)
        return (int(units),) * n
    try:
        sizes = tuple(units) if not isinstance(units, (str, bytes)) else None  # "abc": whole
    except TypeError:
        sizes = None
    if sizes is None:
        raise InputValueError("`units` must be a positive integer or one per layer, e.g. (64, 32). "
                         f"Received: units={units!r}")
    units = sizes
    if not units:
        raise InputValueError("`units` needs at least one recurrent layer. Received: units=()")
    if num_layers is not None and num_layers != len(units):
        raise InputValueError(f"`units` gives {len(units)} layers but num_layers={num_layers}; give one "
                         f"value per layer or a single int. Received: units={units!r}")
    return units


def recurrent_clipping(compile_args: CompileArgs) -> CompileArgs:
    """The default global clipping steps aside for clipnorm/clipvalue or an optimizer object."""
    if compile_args.global_clipnorm == DEFAULT_GLOBAL_CLIPNORM and (
            compile_args.clipnorm is not None or compile_args.clipvalue is not None
            or isinstance(compile_args.optimizer, keras.optimizers.Optimizer)):
        return dataclasses.replace(compile_args, global_clipnorm=None)
    return compile_args


@register_model(family="rnn", input_kind="sequence",
                example_kwargs={"vocab_size": 20, "task": "binary", "units": 4, "embedding_dim": 4})
@model_factory(global_clipnorm=DEFAULT_GLOBAL_CLIPNORM, steps_per_execution=1, jit_compile=False,
               notes={"global_clipnorm": "Clip the norm of all gradients together, the usual "
                      "cure for exploding gradients in recurrent networks; ``clipnorm`` or "
                      "``clipvalue`` (or an optimizer object) replace it, ``None`` turns "
                      "clipping off.",
                      "jit_compile": "XLA compilation, off by default (see the module docstring)."})
def rnn(
    vocab_size: int | None = None,
    *,
    texts: Sequence[str] | None = None,
    vocabulary: Sequence[str] | None = None,
    sequence_length: int | None = None,
    tokenize: str = "word",
    standardize: str | None = "lower_and_strip_punctuation",
    classes: Sequence[str] | None = None,
    input_shape: Sequence[int | None] | None = None,
    input_dim: int | None = None,
    output_length: int | None = None,
    shape: str = "many_to_one",
    cell: str = "lstm",
    units: int | Sequence[int] = 64,
    num_layers: int | None = None,
    bidirectional: bool = False,
    merge_mode: str = "concat",
    embedding_dim: int = 64,
    mask: bool = True,
    dropout: float | Sequence[float] = 0.0,
    recurrent_dropout: float | Sequence[float] = 0.0,
    activation: Any = "tanh",
    recurrent_activation: Any = "sigmoid",
    initializer: Any = None,
    recurrent_initializer: Any = "orthogonal",
    dense_units: Sequence[int] = (),
    dense_activation: Any = "relu",
    dense_dropout: float = 0.0,
    name: str = "rnn",
    head_args: HeadArgs,
    compile_args: CompileArgs,
) -> keras.Model:
    """A recurrent network (SimpleRNN, LSTM or GRU) for text and sequences.

    Returns a compiled ``keras.Model``; see the module docstring for the inputs and shapes.

    Args:
        vocab_size: Integer-token input: the number of token ids (0 = padding). With raw text:
            the largest vocabulary to keep, padding and ``[UNK]`` included (default 20,000).
        texts: Raw-text input: the training texts the ``TextVectorization`` layer inside the
            model is adapted on. ``Dataset.model_kwargs()`` supplies them.
        vocabulary: Raw-text input with a fixed vocabulary (tokens, most frequent first) instead
            of adapting on ``texts``.
        sequence_length: Steps per sample. Raw text is padded or cut to this many tokens (``None``:
            each batch is padded to its longest text); integer tokens: the fixed input length
            (``None``: any length).
        tokenize: Raw text: ``"word"`` (split on whitespace) or ``"character"``.
        standardize: Raw text: ``"lower_and_strip_punctuation"`` (default), ``"lower"``,
            ``"strip_punctuation"`` or ``None``.
        classes: Raw-text classifiers (``task="binary"``/``"multiclass"``, ``many_to_one``): the
            class names, id 0 first; ``num_classes`` follows from them. A raw-text classifier
            takes class names as labels in ``fit``/``evaluate``/``kz.zoo.fit`` either way:
            without ``classes`` it learns them, sorted, on its first ``fit`` on names. They are
            saved with the model; ``model.classes_`` lists them and
            ``model.predict_classes(texts)`` predicts names (``keras_zoo.zoo.class_labels``).
        input_shape: Float sequences: ``(timesteps, features)``; ``timesteps`` may be ``None``.
        input_dim: Features of a vector input (``one_to_many``, ``one_to_one``), or of float
            sequences of any length.
        output_length: ``one_to_many``: steps to generate.
        shape: ``"many_to_one"`` (default), ``"many_to_many"``, ``"one_to_many"`` or
            ``"one_to_one"`` (see the module docstring).
        cell: ``"simple"`` (SimpleRNN), ``"lstm"`` (default) or ``"gru"``.
        units: Units per recurrent layer: one int, or one per stacked layer, e.g. ``(64, 32)``.
        num_layers: Stacked recurrent layers when ``units`` is one int (default 1).
        bidirectional: Read the sequence in both directions (``Bidirectional``).
        merge_mode: How the two directions combine: ``"concat"``, ``"sum"``, ``"mul"``, ``"ave"``.
        embedding_dim: Size of the token embedding (token inputs only).
        mask: Mask padded steps (token 0 / all-zero feature vectors). On by default.
        dropout: Dropout of each recurrent layer's inputs (one value or one per layer).
        recurrent_dropout: Dropout of the recurrent state (one value or one per layer).
        activation: The cells' activation (``tanh`` by default); any catalog function name.
        recurrent_activation: LSTM/GRU gate activation (``sigmoid`` by default).
        initializer: Input-kernel initializer; ``None`` follows the activation (Glorot for tanh).
        recurrent_initializer: Recurrent-kernel initializer (``orthogonal``).
        dense_units: Dense layers between the recurrent layers and the head, e.g. ``(32,)``.
        dense_activation: Activation of those Dense layers.
        dense_dropout: Dropout after each of those Dense layers.
        name: The model's name.

    The head keywords apply per step for ``many_to_many``/``one_to_many``.

    Returns:
        A ``keras.Model``, compiled unless ``compile=False``.

    Raises:
        ValueError: No input description, an unknown cell/shape/merge mode, an activation a cell
            cannot take, empty texts, or any head contradiction (see ``keras_zoo.zoo.heads``).

    Example:
        >>> import keras_zoo as kz
        >>> model = kz.zoo.rnn(texts=["a good film", "a bad film"], task="binary",
        ...                    cell="gru", units=8, embedding_dim=8)
        >>> model.output_shape
        (None, 1)
        >>> kz.zoo.rnn(vocab_size=100, shape="many_to_many", task="multiclass",
        ...            num_classes=5, units=8).output_shape
        (None, None, 5)
    """
    check_choice("shape", shape, SHAPES)
    cell = canonical_cell(cell)
    layer_units = _resolve_units(units, num_layers)
    n_layers = len(layer_units)
    dropouts = per_layer("dropout", dropout, n_layers)
    recurrent_dropouts = per_layer("recurrent_dropout", recurrent_dropout, n_layers)
    dense_units = layer_sizes("dense_units", dense_units)
    sequence_length = positive_int("sequence_length", sequence_length, allow_none=True)
    embedding_dim = positive_int("embedding_dim", embedding_dim)
    vocab_size = positive_int("vocab_size", vocab_size, allow_none=True)
    cell_activation(activation)
    cell_activation(recurrent_activation, "recurrent_activation")
    head_args, classes = head_args_with_classes(head_args, classes, raw_text=(
        texts is not None or vocabulary is not None))
    head = head_args.resolve()
    labels = class_labels_for(head, shape, classes)
    if head_args.metrics is None and head.task == "regression" and shape in (
            "many_to_many", "one_to_many"):
        # Keras' R2Score takes (samples, outputs) only; per-step regression reports MAE.
        head = dataclasses.replace(head, metrics=[keras.metrics.MeanAbsoluteError(name="mae")])
    compile_args = recurrent_clipping(compile_args)
    set_seed(compile_args.seed)

    inputs, x = build_inputs(InputSpec(texts, vocabulary, vocab_size, sequence_length, tokenize,
                                standardize, input_shape, input_dim, output_length, shape,
                                embedding_dim, mask))
    sequence_out = shape in ("many_to_many", "one_to_many")
    for i, (n_units, rate, r_rate) in enumerate(zip(layer_units, dropouts, recurrent_dropouts)):
        last = i == n_layers - 1
        x = recurrent_layer(cell, n_units, return_sequences=sequence_out or not last,
                            bidirectional=bidirectional, merge_mode=merge_mode,
                            activation=activation, recurrent_activation=recurrent_activation,
                            initializer=initializer, recurrent_initializer=recurrent_initializer,
                            dropout=rate, recurrent_dropout=r_rate,
                            name=f"{'bi' if bidirectional else ''}{cell}_{i + 1}")(x)
    for i, n_units in enumerate(dense_units):
        for layer in dense_block(n_units, activation=dense_activation, dropout=dense_dropout,
                                 name=f"dense_{i + 1}"):
            x = layer(x)
    for layer in output_layer(head, initializer=catalog.default_initializer(head.activation)):
        x = layer(x)
    # Raw text: a TextModel, whose fit/predict/__call__ ... take lists, unicode arrays, Series.
    model_class = TextModel if inputs.dtype == "string" else keras.Model
    model = model_class(inputs, x, name=normalize_name(name) or "rnn")
    if isinstance(model, TextModel):  # class names as labels (keras_zoo.zoo.class_labels)
        model.with_class_labels(labels)
    return compile_args.apply(model, head)


# === Shortcuts ===

def _shortcut(name: str, cell: str, bidirectional: bool, summary: str, example: str):
    """``rnn`` with the cell fixed and its own default direction and name (a variant: it has
    ``rnn``'s full signature minus ``cell``, so every keyword stays a tuning axis)."""
    doc = (f"{summary}\n\n"
           f"``{name}(...)`` is ``rnn(..., cell={cell!r}, bidirectional={bidirectional})``; it "
           "takes every other argument of :func:`rnn` (see there).\n\n"
           f"Example:\n{example}")
    return variant(rnn, name, fixed={"cell": cell}, defaults={"bidirectional": bidirectional},
                   doc=doc, module=__name__)


_TEXT_EXAMPLE = {"texts": _EXAMPLE_TEXTS, "task": "binary", "units": 4, "embedding_dim": 4}

_SHORTCUTS = (  # name, cell, bidirectional, aliases, summary, example
    ("simple_rnn", "simple", False, ("simplernn", "vanilla_rnn"),
     "A SimpleRNN (Elman) network: the plain recurrent cell, prone to vanishing gradients.",
     "    >>> import keras_zoo as kz\n"
     "    >>> kz.zoo.simple_rnn(vocab_size=50, task='binary', units=8).layers[2].__class__"
     ".__name__\n    'SimpleRNN'"),
    ("lstm", "lstm", False, (),
     "An LSTM network: forget, input and output gates keep long-range information.",
     "    >>> import keras_zoo as kz\n"
     "    >>> model = kz.zoo.lstm(texts=['good film', 'bad film'], task='binary', units=8)\n"
     "    >>> model.output_shape\n    (None, 1)"),
    ("gru", "gru", False, (),
     "A GRU network: update and reset gates, fewer weights than an LSTM.",
     "    >>> import keras_zoo as kz\n"
     "    >>> kz.zoo.gru(vocab_size=50, task='multiclass', num_classes=4).output_shape\n"
     "    (None, 4)"),
    ("bilstm", "lstm", True, ("bidirectional_lstm",),
     "A bidirectional LSTM: one LSTM reads left to right, another right to left.",
     "    >>> import keras_zoo as kz\n"
     "    >>> clf = kz.zoo.bilstm(vocab_size=20000, num_classes=2)\n"
     "    >>> clf.output_shape\n    (None, 1)"),
    ("bigru", "gru", True, ("bidirectional_gru",),
     "A bidirectional GRU: one GRU reads left to right, another right to left.",
     "    >>> import keras_zoo as kz\n"
     "    >>> kz.zoo.bigru(vocab_size=50, task='regression').output_shape\n    (None, 1)"),
)

simple_rnn, lstm, gru, bilstm, bigru = (
    register_model(family="rnn", input_kind="text", aliases=aliases,
                   example_kwargs=_TEXT_EXAMPLE)(_shortcut(name, cell, bidirectional, summary,
                                                           example))
    for name, cell, bidirectional, aliases, summary, example in _SHORTCUTS
)
