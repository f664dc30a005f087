"""The initializer table, and the initializer each activation calls for.

Every entry resolves through ``keras.initializers.get({"class_name": ..., "config": ...})``, a
new object on every call (layers never share a seeded instance).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import keras

from keras_zoo.base.errors import InputTypeError
from keras_zoo.zoo.catalog.activations import RELU_FAMILY, canonical_activation
from keras_zoo.zoo.catalog.table import ComponentInfo, ComponentTable, keras_component

__all__ = [
    "INITIALIZERS",
    "canonical_initializer",
    "default_initializer",
    "get_initializer",
    "list_initializers",
]


def _init(name: str, description: str, keras_name: str,
          aliases: tuple[str, ...] = ()) -> ComponentInfo:
    return keras_component(keras.initializers.get, keras_name, name, description, aliases)


INITIALIZERS = ComponentTable("initializer", "initializer", [
    _init("zeros", "All zeros: every unit learns the same thing (symmetry); for biases only.",
          "Zeros", ("zero",)),
    _init("ones", "All ones: same symmetry problem as zeros.", "Ones", ("one",)),
    _init("random_normal", "N(0, 0.05^2): plain random; too large or small a scale explodes or "
          "vanishes gradients in deep nets.", "RandomNormal", ("random", "normal", "gaussian")),
    _init("random_uniform", "U(-0.05, 0.05): plain random.", "RandomUniform", ("uniform",)),
    _init("truncated_normal", "N(0, 0.05^2) truncated at two standard deviations.",
          "TruncatedNormal"),
    _init("glorot_uniform", "Glorot/Xavier uniform, variance 2 / (fan_in + fan_out): tanh and "
          "sigmoid; Keras' default.", "GlorotUniform", ("xavier_uniform", "glorot", "xavier")),
    _init("glorot_normal", "Glorot/Xavier normal.", "GlorotNormal", ("xavier_normal",)),
    _init("he_normal", "He/Kaiming normal, variance 2 / fan_in: the ReLU family.", "HeNormal",
          ("kaiming_normal", "he", "kaiming")),
    _init("he_uniform", "He/Kaiming uniform.", "HeUniform", ("kaiming_uniform",)),
    _init("lecun_normal", "LeCun normal, variance 1 / fan_in: SELU (self-normalising nets).",
          "LecunNormal", ("lecun",)),
    _init("lecun_uniform", "LeCun uniform.", "LecunUniform"),
    _init("orthogonal", "Random orthogonal matrix: recurrent kernels, very deep nets.",
          "Orthogonal"),
])


def canonical_initializer(spec: Any) -> str | None:
    """The canonical name of an initializer spec, or ``None`` for an object given as is."""
    return INITIALIZERS.spec_name(spec)


def get_initializer(spec: Any) -> keras.initializers.Initializer:
    """A fresh initializer (a new object on every call, so layers never share a seeded instance)."""
    if isinstance(spec, keras.initializers.Initializer):
        return copy.deepcopy(spec)
    if isinstance(spec, (str, Mapping)):
        return INITIALIZERS.create(spec)
    if callable(spec):
        return spec
    raise InputTypeError(
        f"`initializer` must be a name, a dict with a 'name', or a Keras initializer. "
        f"Received: initializer={spec!r}"
    )


def default_initializer(activation: Any) -> str:
    """The initializer the theory pairs with ``activation``.

    He (Kaiming) normal for the ReLU family (relu, leaky_relu, prelu, elu, relu6, gelu, swish, mish,
    softplus), LeCun normal for SELU (needed for self-normalisation), Glorot (Xavier) uniform for
    everything else (tanh, sigmoid, softsign, linear ...), which is also Keras' own default.
    """
    name = canonical_activation(activation) if activation is not None else None
    if name in RELU_FAMILY:
        return "he_normal"
    if name == "selu":
        return "lecun_normal"
    return "glorot_uniform"


def list_initializers(pattern: str | None = None) -> dict[str, str]:
    """Initializer names with one-line descriptions."""
    return INITIALIZERS.listing(pattern)
