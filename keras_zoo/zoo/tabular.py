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
  ``keras_zoo.zoo.sklearn`` does that for you.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from keras_zoo.base import layer_sizes, normalize_name, per_layer, set_seed
from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo.blocks import dense_block, normalization_layer
from keras_zoo.zoo.factory import CompileArgs, HeadArgs, model_factory
from keras_zoo.zoo.heads import output_layer
from keras_zoo.zoo.registry import register_model

__all__ = ["ann"]


@register_model(family="ann", aliases=("dnn", "sequential_ann"), input_kind="tabular",
                example_kwargs={"input_dim": 6, "task": "binary", "hidden_units": (8,)})
@model_factory()
def ann(
    input_dim: int | None = None,
    *,
    normalization: tuple[Sequence[float], Sequence[float]] | None = None,
    target_normalization: tuple[Sequence[float], Sequence[float]] | None = None,
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
    model = keras.Sequential(layers, name=normalize_name(name) or "ann")
    return compile_args.apply(model, head)
