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

from keras_zoo.base import check_fraction, normalize_name, per_layer, set_seed
from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo._compile import compile_model, regularizer
from keras_zoo.zoo.heads import output_layer, resolve_head
from keras_zoo.zoo.registry import register_model

__all__ = ["ann", "dense_block"]


def dense_block(units: int, *, activation: Any = "relu", initializer: Any = None,
                dropout: float = 0.0, batch_norm: bool = False, l1: float = 0.0,
                l2: float = 0.0, name: str = "dense") -> list[keras.layers.Layer]:
    """The layers of one hidden block: Dense, optional BatchNorm, activation, optional Dropout."""
    if not isinstance(units, int) or units < 1:
        raise InputValueError(f"Hidden layer sizes must be positive integers. Received: {units!r}")
    check_fraction("dropout", dropout)
    init = initializer if initializer is not None else catalog.default_initializer(activation)
    fn = catalog.activation_function(activation)
    fused = fn is not None and not batch_norm
    layers = [keras.layers.Dense(
        units,
        activation=fn if fused else None,
        use_bias=not batch_norm,
        kernel_initializer=catalog.get_initializer(init),
        kernel_regularizer=regularizer(l1, l2),
        name=name,
    )]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization(name=f"{name}_bn"))
    if not fused:
        act = catalog.activation_layer(activation)
        layers.append(act)
    if dropout:
        layers.append(keras.layers.Dropout(dropout, name=f"{name}_dropout"))
    return layers


def normalization_layer(stats: tuple[Sequence[float], Sequence[float]], size: int, *,
                        argument: str = "normalization", invert: bool = False,
                        name: str = "standardize") -> keras.layers.Normalization:
    """A ``Normalization`` layer from ``(mean, variance)`` of ``size`` features.

    ``invert=True`` maps standardised values back (``x * std + mean``), for regression outputs.
    A zero variance (a constant column) is replaced by 1, as scikit-learn's ``StandardScaler``
    does, so a value never seen in training cannot blow up to ``x / 1e-7``.
    """
    try:
        mean, variance = stats
        mean = [float(v) for v in mean]
        variance = [float(v) for v in variance]
    except (TypeError, ValueError) as err:
        raise InputValueError(f"`{argument}` must be (mean, variance), two sequences of numbers. "
                         f"Received: {type(stats).__name__}") from err
    if len(mean) != size or len(variance) != size:
        raise InputValueError(f"`{argument}` has {len(mean)} means and {len(variance)} variances for "
                         f"{size} values; give one of each per value.")
    if min(variance) < 0:
        raise InputValueError(f"`{argument}` variances must be non-negative.")
    variance = [v if v > 0 else 1.0 for v in variance]
    return keras.layers.Normalization(mean=mean, variance=variance, invert=invert, name=name)


@register_model(family="ann", aliases=("dnn", "sequential_ann"), input_kind="tabular",
                example_kwargs={"input_dim": 6, "task": "binary", "hidden_units": (8,)})
def ann(
    input_dim: int | None = None,
    *,
    normalization: tuple[Sequence[float], Sequence[float]] | None = None,
    target_normalization: tuple[Sequence[float], Sequence[float]] | None = None,
    task: str | None = None,
    num_classes: int | None = None,
    num_outputs: int = 1,
    hidden_units: Sequence[int] = (64, 32),
    activation: Any = "relu",
    initializer: Any = None,
    dropout: float | Sequence[float] = 0.0,
    batch_norm: bool = False,
    l1: float = 0.0,
    l2: float = 0.0,
    output_activation: Any = None,
    loss: Any = None,
    label_format: str | None = None,
    label_smoothing: float = 0.0,
    metrics: Sequence[Any] | None = None,
    optimizer: Any = "adam",
    learning_rate: float | None = None,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    global_clipnorm: float | None = None,
    steps_per_execution: int = 32,
    jit_compile: bool | str = "auto",
    seed: int | None = None,
    compile: bool = True,
    name: str = "ann",
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
        task: ``binary``, ``multiclass``, ``multilabel`` or ``regression`` (see ``heads``); inferred
            from ``num_classes`` when omitted.
        num_classes: Classes (multiclass) or labels (multilabel).
        num_outputs: Regression targets.
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
        output_activation: Overrides the head's output activation (e.g. ``tanh`` with hinge loss).
        loss: Any catalog loss (``mse``, ``mae``, ``huber``, ``pseudo_huber``, ``binary_crossentropy``,
            ``hinge`` ...) or object; ``None`` takes the task's default.
        label_format: ``"sparse"`` (integer labels, default) or ``"onehot"`` (alias
            ``"categorical"``) for multiclass.
        label_smoothing: Label smoothing for cross-entropy losses.
        metrics: Metrics for ``compile``; ``None`` gives accuracy (classifiers) or MAE and R^2.
        optimizer: Any catalog optimizer: ``gd`` (full batch), ``sgd`` (batch 1), ``minibatch_sgd``,
            ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adam`` (default), ``adamw`` ...
            ``keras_zoo.zoo.fit`` picks the batch size ``gd``/``sgd`` imply.
        learning_rate: ``None`` keeps the optimizer's Keras default.
        clipnorm, clipvalue, global_clipnorm: Gradient clipping.
        steps_per_execution: Batches per compiled call (32: faster for small models).
        jit_compile: XLA compilation; ``"auto"`` is Keras' rule (off on CPU-only machines).
        seed: Seeds Python, NumPy and Keras before the weights are created.
        compile: Return the model compiled (default) or not.
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
    if isinstance(hidden_units, int):
        hidden_units = (hidden_units,)
    hidden_units = tuple(hidden_units)
    head = resolve_head(task, num_classes=num_classes, num_outputs=num_outputs, loss=loss,
                        output_activation=output_activation, metrics=metrics,
                        label_smoothing=label_smoothing, label_format=label_format)
    n = len(hidden_units)
    activations = per_layer("activation", activation, n)
    dropouts = per_layer("dropout", dropout, n)
    initializers = per_layer("initializer", initializer, n)
    for act in activations:  # validate names before anything is built
        catalog.canonical_activation(act)
    set_seed(seed)

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
    if compile:
        compile_model(model, head, optimizer=optimizer, learning_rate=learning_rate,
                      clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                      steps_per_execution=steps_per_execution, jit_compile=jit_compile)
    return model
