"""The activation table.

Plain activations resolve through ``keras.activations.get`` (their entry names the Keras
identifier); those that take settings or learn weights are Keras' activation layers
(``LeakyReLU`` with keras_zoo's default slope 0.01, ``PReLU``, ``ELU``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras

from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo.catalog.table import ComponentInfo, ComponentTable

__all__ = [
    "ACTIVATIONS",
    "RELU_FAMILY",
    "activation_function",
    "activation_layer",
    "canonical_activation",
    "get_activation",
    "list_activations",
]

RELU_FAMILY = ("relu", "leaky_relu", "prelu", "elu", "relu6", "gelu", "swish", "mish", "softplus")


def _function(name: str, description: str, aliases: tuple[str, ...] = ()) -> ComponentInfo:
    """An activation ``keras.activations.get(name)`` knows; as a layer, ``Activation`` of it."""
    def build(**settings: Any) -> keras.layers.Layer:
        if settings:
            raise TypeError(f"{name!r} takes no settings")
        return keras.layers.Activation(keras.activations.get(name))

    return ComponentInfo(name, description, build, aliases, {},
                         {"needs_layer": False, "fn": name}, keras_name=name)


def _layer(name: str, description: str, aliases: tuple[str, ...],
           layer: Callable[..., keras.layers.Layer],
           defaults: Mapping[str, Any] | None = None) -> ComponentInfo:
    """An activation that is a Keras layer of its own (settings or learned weights)."""
    return ComponentInfo(name, description, layer, aliases, dict(defaults or {}),
                         {"needs_layer": True, "fn": None}, keras_name=layer.__name__)


ACTIVATIONS = ComponentTable("activation", "activation", [
    _function("sigmoid", "1 / (1 + e^-x), output in (0, 1); binary and multilabel outputs. "
              "Saturates: avoid in deep hidden layers (vanishing gradients).", ("logistic",)),
    _function("tanh", "Hyperbolic tangent, output in (-1, 1), zero-centred; still saturates.",
              ("hyperbolic_tangent",)),
    _function("relu", "max(0, x): fast, no saturation for x > 0; neurons can die. The default.",
              ("rectified_linear",)),
    _layer("leaky_relu", "x for x > 0 else slope * x (slope `negative_slope`, default 0.01): "
           "no dead neurons.", ("lrelu",), keras.layers.LeakyReLU, {"negative_slope": 0.01}),
    _layer("prelu", "Parametric ReLU: leaky ReLU whose slope is learned per unit (a layer).",
           ("parametric_relu", "parameterised_relu", "parameterized_relu"), keras.layers.PReLU),
    _layer("elu", "x for x > 0 else alpha * (e^x - 1): smooth, near zero-centred, no dead "
           "neurons; slower to compute.", ("exponential_linear",), keras.layers.ELU,
           {"alpha": 1.0}),
    _function("selu", "Scaled ELU: self-normalising with LeCun-normal initialization."),
    _function("softmax", "Exponentials normalised to sum to 1: multiclass output layers."),
    _function("linear", "Identity: regression outputs.", ("identity", "none")),
    _function("gelu", "Gaussian error linear unit (x * Phi(x)), used by transformers."),
    _function("swish", "x * sigmoid(x), smooth and non-monotonic.", ("silu",)),
    _function("mish", "x * tanh(softplus(x)), smooth and non-monotonic."),
    _function("softplus", "log(1 + e^x): a smooth ReLU."),
    _function("softsign", "x / (1 + |x|): a gentler tanh."),
    _function("hard_sigmoid", "Piecewise-linear sigmoid, cheap to compute."),
    _function("relu6", "min(max(0, x), 6): ReLU capped at 6 (mobile networks)."),
    _function("exponential", "e^x.", ("exp",)),
])


def _not_an_activation(spec: Any) -> InputTypeError:
    return InputTypeError(
        f"Cannot use {spec!r} as an activation: give a name, a dict with a 'name', a function or "
        f"a layer. Received: activation={spec!r} of type {type(spec).__name__}"
    )


def canonical_activation(spec: Any) -> str | None:
    """The canonical name of an activation spec, or ``None`` for an object given as is."""
    if isinstance(spec, (str, Mapping)):
        return ACTIVATIONS.spec_name(spec)
    name = getattr(spec, "__name__", None) or getattr(spec, "name", None)
    if isinstance(name, str):
        try:
            return ACTIVATIONS.canonical(name)
        except ValueError:
            return None
    return None


def activation_layer(spec: Any) -> keras.layers.Layer:
    """Always a layer: ``Activation(name)``, ``LeakyReLU``, ``PReLU``, ``ELU``, or the layer given."""
    if isinstance(spec, keras.layers.Layer):
        return spec
    if isinstance(spec, (str, Mapping)):
        return ACTIVATIONS.create(spec)
    if callable(spec):
        return keras.layers.Activation(spec)
    raise _not_an_activation(spec)


def activation_function(spec: Any) -> Any | None:
    """What ``Dense(activation=...)`` accepts, or ``None`` when the activation needs its own layer
    (PReLU, leaky ReLU with its slope, ELU with alpha, or a layer object)."""
    if isinstance(spec, keras.layers.Layer):
        return None
    if isinstance(spec, (str, Mapping)):
        info, settings = ACTIVATIONS.split_spec(spec)
        if info.extra["needs_layer"]:
            return None
        if settings:
            raise InputValueError(f"Activation {info.name!r} takes no settings. "
                                  f"Received: activation={spec!r}")
        return info.extra["fn"]
    if callable(spec):
        return spec
    raise _not_an_activation(spec)


def get_activation(spec: Any) -> Any:
    """A Dense-compatible activation when there is one, else a layer (see ``activation_layer``)."""
    fn = activation_function(spec)
    return fn if fn is not None else activation_layer(spec)


def list_activations(pattern: str | None = None) -> dict[str, str]:
    """Activation names with one-line descriptions (optionally filtered by a shell wildcard)."""
    return ACTIVATIONS.listing(pattern)
