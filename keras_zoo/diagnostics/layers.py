"""Which layers the Monitor records, and what each one is.

A *row* is a top-level layer with trainable weights (Dense, convolutions, recurrent layers,
embeddings, batch normalization ...); activation layers (``Activation``, ``LeakyReLU``, ``PReLU``,
``ReLU`` ...) are not rows of their own: they are the activation of the weighted layer before them
(past any ``BatchNormalization`` or ``Dropout``), which is how the zoo builds a hidden layer with
batch normalization or a layer-object activation. Their outputs are what the dead and saturated
counts look at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import keras

# Activations whose units can die: ReLU and its relatives. Only ReLU and ReLU6 output exact zeros
# for every negative input, so only they can have a unit that is zero on every probe sample; the
# others are in the family so that the table shows their (zero) dead fraction beside ReLU's.
RELU_FAMILY = frozenset({"relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu",
                         "swish", "mish", "softplus", "celu", "hard_silu", "hard_swish"})
# Activations with two horizontal asymptotes, and those asymptotes.
SATURATING = {"sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0),
              "softsign": (-1.0, 1.0)}

_ACTIVATION_LAYERS = {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"}
_PASS_THROUGH = {"BatchNormalization", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
                 "GaussianNoise", "GaussianDropout", "AlphaDropout", "LayerNormalization"}
_RECURRENT = {"SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional"}
_KERNEL_NAMES = ("kernel", "embeddings", "depthwise_kernel", "pointwise_kernel")


@dataclass
class Row:
    """One recorded layer: its kernels and bias, and where its activation is read.

    ``kernels`` are the layer's weight matrices (both directions of a ``Bidirectional``); a layer
    without one (batch or layer normalization) has its first weight there and ``has_kernel``
    false. ``activation_layer`` is ``None`` for a layer inside a nested model, whose outputs the
    outer model's graph does not expose.
    """

    layer: keras.layers.Layer
    name: str
    depth: int
    kernels: list[Any]
    bias: Any | None
    has_kernel: bool
    activation: str | None
    activation_layer: keras.layers.Layer | None
    is_output: bool = False

    @property
    def kernel(self) -> Any:
        return self.kernels[0]

    @property
    def kind(self) -> str:
        return type(self.layer).__name__

    @property
    def recurrent(self) -> bool:
        return self.kind in _RECURRENT


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def activation_name(layer: keras.layers.Layer) -> str | None:
    """The name of the nonlinearity a layer applies (``None`` for none or ``linear``)."""
    kind = type(layer).__name__
    if kind == "Bidirectional":
        return activation_name(layer.forward_layer)
    if kind == "ReLU":
        return "relu6" if getattr(layer, "max_value", None) == 6 else "relu"
    if kind in _ACTIVATION_LAYERS - {"Activation"}:
        return _snake(kind).replace("p_re_lu", "prelu").replace("leaky_re_lu", "leaky_relu") \
            .replace("e_l_u", "elu")
    fn = getattr(layer, "activation", None)
    if fn is None:
        return None
    name = keras.activations.serialize(fn)
    if isinstance(name, dict):
        name = name.get("config", {}).get("name") or name.get("class_name")
    name = str(name).rsplit(">", 1)[-1]
    return None if name in ("linear", "None") else name


def _weights(layer: keras.layers.Layer, names: tuple[str, ...]) -> list[Any]:
    return [v for v in layer.trainable_weights if v.path.rsplit("/", 1)[-1] in names]


def _flat_layers(model: Any, prefix: str = "") -> list[tuple[str, keras.layers.Layer, bool]]:
    """``(name, layer, top_level)`` in order, walking into nested models (a transfer backbone,
    a Sequential block) so that each of their weighted layers is a row of its own."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model) and hasattr(layer, "layers") and layer.trainable_weights:
            found += [(name, inner, False) for name, inner, _ in
                      _flat_layers(layer, f"{prefix}{layer.name}/")]
        else:
            found.append((prefix + layer.name, layer, not prefix))
    return found


def rows(model: keras.Model) -> list[Row]:
    """The model's recorded layers, in order, each with its kernels, bias and activation."""
    layers = _flat_layers(model)
    found: list[Row] = []
    for i, (name, layer, top) in enumerate(layers):
        kind = type(layer).__name__
        if not layer.trainable_weights or kind in _ACTIVATION_LAYERS:
            continue
        kernels = _weights(layer, _KERNEL_NAMES)
        activation, source = activation_name(layer), layer
        if activation is None and kernels:
            for _, after, _ in layers[i + 1:]:
                after_kind = type(after).__name__
                if after_kind in _ACTIVATION_LAYERS:
                    activation, source = activation_name(after), after
                    break
                if after_kind not in _PASS_THROUGH:
                    break
        if not kernels:  # normalization: no kernel, no activation of its own
            activation = None
        bias = _weights(layer, ("bias",))
        found.append(Row(layer, name, len(found) + 1, kernels or [layer.trainable_weights[0]],
                         bias[0] if bias else None, bool(kernels), activation,
                         source if top else None))
    if found:
        found[-1].is_output = True
    return found
