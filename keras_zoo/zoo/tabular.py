"""The tabular family: fully connected (Sequential) networks.

``ann(...)`` builds ``Input -> [Dense -> (BatchNorm) -> activation -> (Dropout)] x N -> head``
and compiles it. Every keyword is also a tuning axis (``keras_zoo.tuning``).

Choices a user will notice:

* Hidden layers default to ReLU with He-normal initialization; the initializer follows the
  activation when not given (He for the ReLU family, Glorot for tanh/sigmoid, LeCun for SELU).
* With ``batch_norm=True`` each hidden layer is ``Dense (no bias) -> BatchNormalization ->
  activation``: the normalisation's shift replaces the bias, as in the original paper.
* The model is compiled with ``steps_per_execution=32`` by default: small tabular models spend
  their time in per-step overhead, and several steps per graph call measured faster.
* Inputs are expected to be standardised (``StandardScaler``); ``ann_pipeline`` in
  ``keras_zoo.zoo.sklearn`` does that for you. ``normalization=`` (which ``Dataset.model_kwargs``
  supplies) puts the standardisation inside the model instead.
* A raw table (missing values, text columns): ``table=`` (a
  :class:`~keras_zoo.base.table.TableSpec`, which ``Dataset.model_kwargs`` supplies for a CSV or
  DataFrame) gives a :class:`~keras_zoo.zoo.table_model.TableModel`, a Functional model whose
  first layer standardises the numbers, imputes missing ones (with a missing-indicator) and
  one-hot encodes or embeds the categories, and whose ``fit``/``predict``/``evaluate`` take raw
  rows (DataFrame, dict of columns, list of records). A classifier then also takes and predicts
  class names (``classes=``, or learned on the first ``fit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from keras_zoo.base import layer_sizes, normalize_name, per_layer, set_seed
from keras_zoo.base.errors import InputValueError
from keras_zoo.base.table import TableSpec
from keras_zoo.zoo import catalog
from keras_zoo.zoo.blocks import dense_block, normalization_layer
from keras_zoo.zoo.class_labels import class_labels_for, head_args_with_classes
from keras_zoo.zoo.factory import CompileArgs, HeadArgs, model_factory
from keras_zoo.zoo.heads import output_layer
from keras_zoo.zoo.layers.table import MAX_ONEHOT, TablePreprocessing
from keras_zoo.zoo.registry import register_model
from keras_zoo.zoo.table_model import TableModel

__all__ = ["ann"]


@register_model(family="ann", aliases=("dnn", "sequential_ann"), input_kind="tabular",
                example_kwargs={"input_dim": 6, "task": "binary", "hidden_units": (8,)})
@model_factory()
def ann(
    input_dim: int | None = None,
    *,
    normalization: tuple[Sequence[float], Sequence[float]] | None = None,
    target_normalization: tuple[Sequence[float], Sequence[float]] | None = None,
    table: Any = None,
    classes: Sequence[str] | None = None,
    max_onehot: int = MAX_ONEHOT,
    embedding_dim: int | None = None,
    hidden_units: Sequence[int] = (64, 32),
    activation: Any = "relu",
    initializer: Any = None,
    dropout: float | Sequence[float] = 0.0,
    batch_norm: bool = False,
    l1: float = 0.0,
    l2: float = 0.0,
    name: str = "ann",
    head_args: HeadArgs,
    compile_args: CompileArgs,
) -> keras.Sequential:
    """A fully connected network for tabular data (a compiled ``keras.Sequential``).

    Args:
        input_dim: Number of input features.
        normalization: ``(mean, variance)`` per feature. When given, the model starts with a
            ``Normalization`` layer holding them, so it standardises raw features itself and a
            saved model predicts on raw input. ``Dataset.model_kwargs()`` supplies the training
            split's statistics; leave it ``None`` when the inputs are already scaled (e.g. after
            ``StandardScaler``).
        target_normalization: Regression only: ``(mean, variance)`` of the targets. The network
            then learns standardised targets and a final inverted ``Normalization`` layer maps
            them back, so predictions, loss and metrics stay in the targets' units while training
            converges as fast as on scaled targets. ``Dataset.model_kwargs()`` supplies it.
        table: A raw table's columns: a :class:`~keras_zoo.base.table.TableSpec` (or its
            ``get_config()``), which ``Dataset.model_kwargs()`` supplies for a CSV or a DataFrame
            and ``TableSpec.learn(training_frame)`` makes. The model is then a
            :class:`~keras_zoo.zoo.table_model.TableModel` taking raw rows (``input_dim``, if
            given, must be its number of columns; ``normalization`` does not apply: the
            table's own statistics standardise the numbers).
        classes: With ``table``, a classifier's class names, id 0 first (``num_classes``
            follows); without them it learns them, sorted, on its first ``fit`` on names.
            ``Dataset.model_kwargs()`` supplies them.
        max_onehot: With ``table``: category columns with at most this many ids (categories +
            one for missing or unseen) are one-hot encoded, wider ones embedded.
        embedding_dim: With ``table``: the embeddings' width; ``None`` grows with the
            categories (``min(32, round(1.6 * ids ** 0.56))``).
            That applies to a linear output; under the exponential output of the Poisson loss
            the output bias starts at ``log(mean)`` instead (so predictions start at the
            targets' mean), and other output activations leave it out.
        hidden_units: Units per hidden layer, e.g. ``(64, 32)``; ``()`` gives a linear/logistic model.
        activation: Hidden activation, one for all layers or one per layer: any catalog name
            (``relu``, ``leaky_relu``, ``prelu``, ``elu``, ``selu``, ``tanh``, ``sigmoid`` ...), a
            dict such as ``{"name": "leaky_relu", "negative_slope": 0.1}``, or a Keras object.
        initializer: Hidden kernel initializer; ``None`` follows the activation (He for the ReLU
            family, Glorot for tanh/sigmoid, LeCun for SELU). Names: ``zeros``, ``random_normal``,
            ``glorot_uniform``/``xavier_uniform``, ``he_normal``/``kaiming_normal``, ``lecun_normal``...
        dropout: Dropout rate after each hidden layer (one value or one per layer), in ``[0, 1)``.
        batch_norm: Batch normalisation after each hidden Dense (before the activation).
        l1, l2: L1/L2 penalties on the hidden kernels.
        name: The model's name.

    Returns:
        A ``keras.Sequential``, compiled unless ``compile=False``.

    Example:
        >>> import keras_zoo as kz
        >>> model = kz.zoo.ann(input_dim=30, task="binary", hidden_units=(64, 32),
        ...                    activation="relu", dropout=0.3, batch_norm=True, optimizer="adam")
        >>> model.output_shape
        (None, 1)
    """
    spec, input_dim = _table_input(table, input_dim, normalization)
    head_args, names = head_args_with_classes(head_args, classes, raw_text=spec is not None,
                                              raw="a table model (table=)")
    if input_dim is None or not isinstance(input_dim, int) or input_dim < 1:
        raise InputValueError(
            f"`input_dim` must be the number of input features (a positive int). "
            f"Received: input_dim={input_dim!r}"
        )
    hidden_units = layer_sizes("hidden_units", hidden_units)
    head = head_args.resolve()
    n = len(hidden_units)
    activations = per_layer("activation", activation, n)
    dropouts = per_layer("dropout", dropout, n)
    initializers = per_layer("initializer", initializer, n)
    for act in activations:  # validate names before anything is built
        catalog.canonical_activation(act)
    set_seed(compile_args.seed)

    layers: list[keras.layers.Layer] = [keras.Input(shape=(input_dim,), name="features")]
    if normalization is not None:
        layers.append(normalization_layer(normalization, input_dim))
    if target_normalization is not None and head.task != "regression":
        raise InputValueError("`target_normalization` applies to task='regression' only. "
                         f"Received: task={head.task!r}")
    for i, (units, act, rate, init) in enumerate(zip(hidden_units, activations, dropouts,
                                                     initializers)):
        layers += dense_block(units, activation=act, initializer=init, dropout=rate,
                              batch_norm=batch_norm, l1=l1, l2=l2, name=f"hidden_{i + 1}")
    output_activation_name = catalog.canonical_activation(head.activation)
    bias = None
    if target_normalization is not None and output_activation_name == "exponential":
        mean = np.asarray(target_normalization[0], dtype="float64")
        if np.all(mean > 0):
            bias = np.log(mean).tolist()  # exp(bias) starts at the targets' mean
    layers += output_layer(head, initializer=catalog.default_initializer(head.activation),
                           bias=bias)
    if target_normalization is not None and output_activation_name == "linear":
        layers.append(normalization_layer(target_normalization, head.units, invert=True,
                                          argument="target_normalization", name="unstandardize"))
    if spec is None:
        model = keras.Sequential(layers, name=normalize_name(name) or "ann")
    else:
        model = _table_model(spec, layers[1:], TablePreprocessing(
            spec, max_onehot=max_onehot, embedding_dim=embedding_dim, name="table"),
            normalize_name(name) or "ann")
        model.with_class_labels(class_labels_for(head, "many_to_one", names))
    return compile_args.apply(model, head)


def _table_input(table: Any, input_dim: Any, normalization: Any) -> tuple[TableSpec | None, Any]:
    """``ann``'s ``table=`` checked against ``input_dim`` and ``normalization``."""
    if table is None:
        return None, input_dim
    spec = TableSpec.from_config(table)
    if input_dim is not None and input_dim != len(spec):
        raise InputValueError(
            f"`input_dim` must be the table's number of columns ({len(spec)}) or None. "
            f"Received: input_dim={input_dim!r}")
    if normalization is not None:
        raise InputValueError(
            "`normalization` does not apply with `table`: the table's statistics standardise "
            "its numbers inside the model. Pass one of them. Received: both")
    return spec, len(spec)


def _table_model(spec: TableSpec, layers: list, first: keras.layers.Layer, name: str
                 ) -> TableModel:
    """``rows -> TablePreprocessing -> layers`` as a :class:`TableModel`."""
    rows = keras.Input(shape=(len(spec),), name="rows")
    x = first(rows)
    for layer in layers:
        x = layer(x)
    return TableModel(rows, x, name=name).with_table(spec)
