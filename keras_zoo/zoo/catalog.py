"""Name -> Keras object tables for activations, losses, optimizers and initializers.

Every table accepts its canonical names, aliases (``xavier_uniform`` for ``glorot_uniform``,
``kaiming_normal`` for ``he_normal``, ``bce`` for ``binary_crossentropy`` ...) and any spelling that
differs only in case, dashes, spaces or CamelCase (``"LeakyReLU"``, ``"leaky-relu"``, ``"leaky_relu"``).
A component can be given as

* a name: ``"adam"``;
* a dict with a ``"name"`` and that component's settings: ``{"name": "leaky_relu", "negative_slope": 0.1}``;
* a Keras object (or any callable), used as it is.

An unknown name raises ``ValueError`` listing the valid names and the closest one.

Example:
    >>> from keras_zoo.zoo import catalog
    >>> catalog.get_optimizer("momentum", learning_rate=0.05).momentum
    0.9
    >>> catalog.canonical_activation("Leaky-ReLU")
    'leaky_relu'
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import keras

from keras_zoo.base import normalize_name, unknown_name_error, wildcard_filter
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo.layers import PseudoHuber, SparseCategoricalCrossentropyWithSmoothing

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "ComponentInfo",
    "activation_function",
    "activation_layer",
    "canonical_activation",
    "canonical_initializer",
    "canonical_loss",
    "canonical_optimizer",
    "default_initializer",
    "get_activation",
    "get_initializer",
    "get_loss",
    "get_optimizer",
    "implied_batch_size",
    "list_activations",
    "list_initializers",
    "list_losses",
    "list_optimizers",
]


@dataclass(frozen=True)
class ComponentInfo:
    """One entry of a catalog table.

    Attributes:
        name: Canonical name.
        description: One line on what it is and when to use it.
        build: Callable returning a fresh Keras object from keyword settings.
        aliases: Other accepted names.
        defaults: Settings applied unless the caller overrides them.
        extra: Table-specific facts (the tasks a loss suits, the batch size an optimizer implies ...).
    """

    name: str
    description: str
    build: Callable[..., Any]
    aliases: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


class _Table:
    """A catalog table: lookup by any accepted spelling, listing with descriptions."""

    def __init__(self, kind: str, argument: str, entries: list[ComponentInfo]):
        self.kind = kind
        self.argument = argument
        self.entries = {e.name: e for e in entries}
        self._lookup: dict[str, str] = {}
        for entry in entries:
            for key in (entry.name, *entry.aliases):
                self._lookup[normalize_name(key)] = entry.name
                self._lookup[normalize_name(key).replace("_", "")] = entry.name

    def canonical(self, name: str) -> str:
        key = normalize_name(name)
        found = self._lookup.get(key) or self._lookup.get(key.replace("_", ""))
        if found is None:
            raise unknown_name_error(self.kind, name, self.accepted_names(), self.argument)
        return found

    def info(self, name: str) -> ComponentInfo:
        return self.entries[self.canonical(name)]

    def accepted_names(self) -> list[str]:
        names = set(self.entries)
        for entry in self.entries.values():
            names.update(entry.aliases)
        return sorted(names)

    def names(self) -> list[str]:
        return list(self.entries)

    def listing(self, pattern: str | None = None) -> dict[str, str]:
        keep = wildcard_filter(self.entries, pattern) if pattern else list(self.entries)
        return {
            name: self.entries[name].description
            + (f" (aliases: {', '.join(self.entries[name].aliases)})" if self.entries[name].aliases
               else "")
            for name in self.entries if name in keep
        }

    def split_spec(self, spec: str | Mapping[str, Any]) -> tuple[ComponentInfo, dict[str, Any]]:
        """A name or ``{"name": ..., **settings}`` -> (entry, settings)."""
        if isinstance(spec, Mapping):
            settings = dict(spec)
            if "name" not in settings:
                raise InputValueError(
                    f"A {self.kind} given as a dict needs a 'name' key, e.g. "
                    f"{{'name': {next(iter(self.entries))!r}, ...}}. Received: {self.argument}={spec!r}"
                )
            name = settings.pop("name")
            return self.info(name), settings
        if isinstance(spec, str):
            return self.info(spec), {}
        raise InputTypeError(
            f"`{self.argument}` must be a name (str), a dict with a 'name', or a Keras object. "
            f"Received: {self.argument}={spec!r} of type {type(spec).__name__}"
        )


def _build_with(info: ComponentInfo, kind: str, settings: dict[str, Any]) -> Any:
    merged = {**info.defaults, **settings}
    try:
        return info.build(**merged)
    except TypeError as err:  # an unknown setting for this component
        raise InputValueError(
            f"Invalid settings for {kind} {info.name!r}: {err}. Received: {settings!r}"
        ) from err


# === Activations ===

_RELU_FAMILY = ("relu", "leaky_relu", "prelu", "elu", "relu6", "gelu", "swish", "mish", "softplus")


def _activation(name: str, description: str, aliases: tuple[str, ...] = (), *,
                layer: Callable[..., keras.layers.Layer] | None = None,
                defaults: Mapping[str, Any] | None = None) -> ComponentInfo:
    """An activation entry. ``layer`` marks an activation that needs its own layer."""
    def build(**settings):
        if layer is not None:
            return layer(**settings)
        if settings:
            raise InputTypeError(f"{name!r} takes no settings")
        return keras.layers.Activation(name)

    return ComponentInfo(name, description, build, aliases, defaults or {},
                         {"needs_layer": layer is not None, "fn": None if layer else name})


ACTIVATIONS = _Table("activation", "activation", [
    _activation("sigmoid", "1 / (1 + e^-x), output in (0, 1); binary and multilabel outputs. "
                "Saturates: avoid in deep hidden layers (vanishing gradients).", ("logistic",)),
    _activation("tanh", "Hyperbolic tangent, output in (-1, 1), zero-centred; still saturates.",
                ("hyperbolic_tangent",)),
    _activation("relu", "max(0, x): fast, no saturation for x > 0; neurons can die. The default.",
                ("rectified_linear",)),
    _activation("leaky_relu", "x for x > 0 else slope * x (slope `negative_slope`, default 0.01): "
                "no dead neurons.", ("lrelu",),
                layer=lambda negative_slope=0.01: keras.layers.LeakyReLU(negative_slope=negative_slope),
                defaults={"negative_slope": 0.01}),
    _activation("prelu", "Parametric ReLU: leaky ReLU whose slope is learned per unit (a layer).",
                ("parametric_relu", "parameterised_relu", "parameterized_relu"),
                layer=lambda **kw: keras.layers.PReLU(**kw)),
    _activation("elu", "x for x > 0 else alpha * (e^x - 1): smooth, near zero-centred, no dead "
                "neurons; slower to compute.", ("exponential_linear",),
                layer=lambda alpha=1.0: keras.layers.ELU(alpha=alpha)),
    _activation("selu", "Scaled ELU: self-normalising with LeCun-normal initialization.", ()),
    _activation("softmax", "Exponentials normalised to sum to 1: multiclass output layers.", ()),
    _activation("linear", "Identity: regression outputs.", ("identity", "none")),
    _activation("gelu", "Gaussian error linear unit (x * Phi(x)), used by transformers.", ()),
    _activation("swish", "x * sigmoid(x), smooth and non-monotonic.", ("silu",)),
    _activation("mish", "x * tanh(softplus(x)), smooth and non-monotonic.", ()),
    _activation("softplus", "log(1 + e^x): a smooth ReLU.", ()),
    _activation("softsign", "x / (1 + |x|): a gentler tanh.", ()),
    _activation("hard_sigmoid", "Piecewise-linear sigmoid, cheap to compute.", ()),
    _activation("relu6", "min(max(0, x), 6): ReLU capped at 6 (mobile networks).", ()),
    _activation("exponential", "e^x.", ("exp",)),
])


def canonical_activation(spec: Any) -> str | None:
    """The canonical name of an activation spec, or ``None`` for an object given as is."""
    if isinstance(spec, (str, Mapping)):
        return ACTIVATIONS.split_spec(spec)[0].name
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
        info, settings = ACTIVATIONS.split_spec(spec)
        return _build_with(info, "activation", settings)
    if callable(spec):
        return keras.layers.Activation(spec)
    raise InputTypeError(f"Cannot use {spec!r} as an activation.")


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
            raise InputValueError(f"Activation {info.name!r} takes no settings. Received: {settings!r}")
        return info.extra["fn"]
    if callable(spec):
        return spec
    raise InputTypeError(f"Cannot use {spec!r} as an activation.")


def get_activation(spec: Any) -> Any:
    """A Dense-compatible activation when there is one, else a layer (see ``activation_layer``)."""
    fn = activation_function(spec)
    return fn if fn is not None else activation_layer(spec)


def default_initializer(activation: Any) -> str:
    """The initializer the theory pairs with ``activation``.

    He (Kaiming) normal for the ReLU family (relu, leaky_relu, prelu, elu, relu6, gelu, swish, mish,
    softplus), LeCun normal for SELU (needed for self-normalisation), Glorot (Xavier) uniform for
    everything else (tanh, sigmoid, softsign, linear ...), which is also Keras' own default.
    """
    name = canonical_activation(activation) if activation is not None else None
    if name in _RELU_FAMILY:
        return "he_normal"
    if name == "selu":
        return "lecun_normal"
    return "glorot_uniform"


def list_activations(pattern: str | None = None) -> dict[str, str]:
    """Activation names with one-line descriptions (optionally filtered by a shell wildcard)."""
    return ACTIVATIONS.listing(pattern)


# === Losses ===

_REGRESSION = ("regression",)
_BINARY = ("binary", "multilabel")
_MULTICLASS = ("multiclass",)


def _loss(name, description, build, aliases=(), *, tasks, label_smoothing=False, labels=None,
          defaults=None) -> ComponentInfo:
    return ComponentInfo(name, description, build, tuple(aliases), defaults or {},
                         {"tasks": tasks, "label_smoothing": label_smoothing, "labels": labels})


LOSSES = _Table("loss", "loss", [
    _loss("mse", "Mean squared error: the regression default; differentiable, one minimum, "
          "sensitive to outliers.", lambda: keras.losses.MeanSquaredError(),
          ("mean_squared_error", "l2", "squared_error"), tasks=_REGRESSION),
    _loss("mae", "Mean absolute error: robust to outliers, constant gradient.",
          lambda: keras.losses.MeanAbsoluteError(), ("mean_absolute_error", "l1", "absolute_error"),
          tasks=_REGRESSION),
    _loss("huber", "Huber: squared error below `delta`, absolute error above it.",
          lambda delta=1.0: keras.losses.Huber(delta=delta), ("huber_loss", "smooth_l1"),
          tasks=_REGRESSION),
    _loss("pseudo_huber", "Pseudo-Huber: a smooth Huber, delta^2 (sqrt(1 + (e/delta)^2) - 1).",
          lambda delta=1.0: PseudoHuber(delta=delta), ("pseudohuber", "charbonnier"),
          tasks=_REGRESSION),
    _loss("log_cosh", "log(cosh(error)): like MSE for small errors, like MAE for large ones.",
          lambda: keras.losses.LogCosh(), ("logcosh",), tasks=_REGRESSION),
    _loss("msle", "Mean squared logarithmic error: relative errors of positive targets.",
          lambda: keras.losses.MeanSquaredLogarithmicError(),
          ("mean_squared_logarithmic_error",), tasks=_REGRESSION),
    _loss("mape", "Mean absolute percentage error.",
          lambda: keras.losses.MeanAbsolutePercentageError(),
          ("mean_absolute_percentage_error",), tasks=_REGRESSION),
    _loss("poisson", "Poisson negative log-likelihood: count targets.",
          lambda: keras.losses.Poisson(), (), tasks=_REGRESSION),
    _loss("binary_crossentropy", "Binary cross-entropy (log loss): sigmoid outputs, binary and "
          "multilabel tasks; `label_smoothing` supported.",
          lambda label_smoothing=0.0, from_logits=False: keras.losses.BinaryCrossentropy(
              label_smoothing=label_smoothing, from_logits=from_logits),
          ("bce", "binary_cross_entropy", "log_loss", "logloss"), tasks=_BINARY,
          label_smoothing=True),
    _loss("categorical_crossentropy", "Categorical cross-entropy: softmax outputs, one-hot labels; "
          "`label_smoothing` supported.",
          lambda label_smoothing=0.0, from_logits=False: keras.losses.CategoricalCrossentropy(
              label_smoothing=label_smoothing, from_logits=from_logits),
          ("cce", "categorical_cross_entropy", "crossentropy", "cross_entropy"), tasks=_MULTICLASS,
          label_smoothing=True, labels="onehot"),
    _loss("sparse_categorical_crossentropy", "Sparse categorical cross-entropy: softmax outputs, "
          "integer labels; `label_smoothing` supported (keras_zoo adds it).",
          lambda label_smoothing=0.0, from_logits=False: (
              SparseCategoricalCrossentropyWithSmoothing(label_smoothing, from_logits=from_logits)
              if label_smoothing else
              keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)),
          ("scce", "sparse_cce", "sparse_categorical_cross_entropy"), tasks=_MULTICLASS,
          label_smoothing=True, labels="sparse"),
    _loss("hinge", "Hinge loss max(0, 1 - y * f(x)) of SVMs; 0/1 labels are mapped to -1/1.",
          lambda: keras.losses.Hinge(), ("svm",), tasks=_BINARY),
    _loss("squared_hinge", "Squared hinge loss: a smoother hinge.",
          lambda: keras.losses.SquaredHinge(), (), tasks=_BINARY),
    _loss("categorical_hinge", "Multiclass hinge loss on one-hot labels.",
          lambda: keras.losses.CategoricalHinge(), (), tasks=_MULTICLASS, labels="onehot"),
    _loss("kl_divergence", "Kullback-Leibler divergence between label and predicted distributions.",
          lambda: keras.losses.KLDivergence(), ("kld", "kullback_leibler_divergence"),
          tasks=_MULTICLASS, labels="onehot"),
])


def canonical_loss(spec: Any) -> str | None:
    """The canonical name of a loss spec, or ``None`` for an object given as is."""
    if isinstance(spec, (str, Mapping)):
        return LOSSES.split_spec(spec)[0].name
    return None


def get_loss(spec: Any, *, label_smoothing: float = 0.0) -> Any:
    """A fresh Keras loss from a name, dict or object.

    ``label_smoothing`` applies to the cross-entropy losses; giving it to any other loss raises
    ``ValueError`` rather than being ignored.
    """
    if not isinstance(spec, (str, Mapping)):
        if label_smoothing:
            raise InputValueError("`label_smoothing` can only be set for a loss given by name.")
        return spec
    info, settings = LOSSES.split_spec(spec)
    if label_smoothing:
        if not info.extra["label_smoothing"]:
            smoothable = [n for n, e in LOSSES.entries.items() if e.extra["label_smoothing"]]
            raise InputValueError(
                f"Label smoothing applies to cross-entropy losses ({', '.join(smoothable)}), "
                f"not to {info.name!r}. Received: loss={spec!r}, label_smoothing={label_smoothing}"
            )
        settings.setdefault("label_smoothing", float(label_smoothing))
    return _build_with(info, "loss", settings)


def list_losses(pattern: str | None = None) -> dict[str, str]:
    """Loss names with one-line descriptions."""
    return LOSSES.listing(pattern)


# === Optimizers ===

def _sgd(name, momentum=0.0, nesterov=False):
    def build(learning_rate=0.01, momentum=momentum, nesterov=nesterov, **kw):
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum,
                                    nesterov=nesterov, name=name, **kw)
    return build


def _keras_optimizer(cls, name):
    def build(**kw):
        return cls(name=name, **kw)
    return build


def _optimizer(name, description, build, aliases=(), batch_size=None) -> ComponentInfo:
    return ComponentInfo(name, description, build, tuple(aliases), {}, {"batch_size": batch_size})


OPTIMIZERS = _Table("optimizer", "optimizer", [
    _optimizer("gd", "Full-batch (vanilla) gradient descent: the whole training set is one batch, "
               "one update per epoch; smooth but memory-hungry.", _sgd("gd"),
               ("batch_gd", "full_batch_gd", "gradient_descent", "batch_gradient_descent"),
               batch_size="full"),
    _optimizer("sgd", "Stochastic gradient descent: one sample per update (batch_size=1); noisy "
               "and slow per epoch.", _sgd("sgd"), ("stochastic_gradient_descent",), batch_size=1),
    _optimizer("minibatch_sgd", "Mini-batch SGD: plain SGD updates on batches (batch_size, "
               "default 32).", _sgd("minibatch_sgd"), ("mini_batch_sgd", "minibatch", "mbsgd")),
    _optimizer("momentum", "Mini-batch SGD with momentum 0.9: an exponentially weighted average of "
               "gradients smooths the noise.", _sgd("momentum", momentum=0.9),
               ("sgd_momentum", "momentum_sgd", "sgdm")),
    _optimizer("nesterov", "SGD with Nesterov momentum 0.9 (look-ahead gradient).",
               _sgd("nesterov", momentum=0.9, nesterov=True), ("nag", "nesterov_momentum")),
    _optimizer("adagrad", "Adagrad: per-parameter learning rates that decay with the sum of squared "
               "gradients.", _keras_optimizer(keras.optimizers.Adagrad, "adagrad")),
    _optimizer("rmsprop", "RMSprop: Adagrad with an exponentially decaying average, so the rate "
               "does not vanish.", _keras_optimizer(keras.optimizers.RMSprop, "rmsprop"),
               ("rms_prop",)),
    _optimizer("adam", "Adam: momentum + RMSprop with bias correction; the usual default.",
               _keras_optimizer(keras.optimizers.Adam, "adam")),
    _optimizer("adamw", "Adam with decoupled weight decay.",
               _keras_optimizer(keras.optimizers.AdamW, "adamw"), ("adam_w",)),
    _optimizer("nadam", "Adam with Nesterov momentum.",
               _keras_optimizer(keras.optimizers.Nadam, "nadam")),
    _optimizer("adamax", "Adam with the infinity norm.",
               _keras_optimizer(keras.optimizers.Adamax, "adamax")),
    _optimizer("adadelta", "Adadelta: Adagrad variant without a decaying global rate.",
               _keras_optimizer(keras.optimizers.Adadelta, "adadelta")),
    _optimizer("ftrl", "FTRL-proximal: sparse, L1-friendly updates (large linear models).",
               _keras_optimizer(keras.optimizers.Ftrl, "ftrl")),
    _optimizer("lion", "Lion: sign-based momentum updates (use a 3-10x smaller learning rate).",
               _keras_optimizer(keras.optimizers.Lion, "lion")),
])


def canonical_optimizer(spec: Any) -> str | None:
    """The canonical name of an optimizer spec (or of a zoo-built optimizer object)."""
    if isinstance(spec, (str, Mapping)):
        return OPTIMIZERS.split_spec(spec)[0].name
    name = getattr(spec, "name", None)
    return name if name in OPTIMIZERS.entries else None


def get_optimizer(spec: Any = "adam", *, learning_rate: float | None = None,
                  clipnorm: float | None = None, clipvalue: float | None = None,
                  global_clipnorm: float | None = None) -> keras.optimizers.Optimizer:
    """A fresh Keras optimizer from a name, dict or object.

    ``learning_rate`` defaults to Keras' own default for that optimizer (0.01 for the SGD family,
    0.001 for the adaptive ones). Gradient clipping: ``clipnorm`` (per-variable norm),
    ``global_clipnorm`` (norm over all gradients) and ``clipvalue`` (element-wise) work on every
    optimizer. ``gd`` and ``sgd`` also fix the batch size (see :func:`implied_batch_size`).
    """
    overrides = {k: v for k, v in {"learning_rate": learning_rate, "clipnorm": clipnorm,
                                   "clipvalue": clipvalue,
                                   "global_clipnorm": global_clipnorm}.items() if v is not None}
    for key in ("learning_rate", "clipnorm", "clipvalue", "global_clipnorm"):
        if key in overrides and not overrides[key] > 0:
            raise InputValueError(f"`{key}` must be positive. Received: {key}={overrides[key]!r}")
    if clipnorm is not None and global_clipnorm is not None:
        raise InputValueError("Set at most one of `clipnorm` and `global_clipnorm`.")
    if isinstance(spec, keras.optimizers.Optimizer):
        if overrides:
            raise InputValueError("`learning_rate` and clipping apply to optimizers given by name; set "
                             "them on the optimizer object you passed instead.")
        return spec
    info, settings = OPTIMIZERS.split_spec(spec)
    settings.update(overrides)
    return _build_with(info, "optimizer", settings)


def implied_batch_size(optimizer: Any, n_samples: int | None = None) -> int | None:
    """The batch size an optimizer's name implies: ``gd`` -> all samples, ``sgd`` -> 1, else None."""
    name = canonical_optimizer(optimizer) if optimizer is not None else None
    if name is None:
        return None
    implied = OPTIMIZERS.entries[name].extra["batch_size"]
    if implied == "full":
        return n_samples
    return implied


def list_optimizers(pattern: str | None = None) -> dict[str, str]:
    """Optimizer names with one-line descriptions."""
    return OPTIMIZERS.listing(pattern)


# === Initializers ===

def _init(name, description, cls, aliases=(), **defaults) -> ComponentInfo:
    return ComponentInfo(name, description, lambda **kw: cls(**kw), tuple(aliases), defaults)


INITIALIZERS = _Table("initializer", "initializer", [
    _init("zeros", "All zeros: every unit learns the same thing (symmetry); for biases only.",
          keras.initializers.Zeros, ("zero",)),
    _init("ones", "All ones: same symmetry problem as zeros.", keras.initializers.Ones, ("one",)),
    _init("random_normal", "N(0, 0.05^2): plain random; too large or small a scale explodes or "
          "vanishes gradients in deep nets.", keras.initializers.RandomNormal,
          ("random", "normal", "gaussian")),
    _init("random_uniform", "U(-0.05, 0.05): plain random.", keras.initializers.RandomUniform,
          ("uniform",)),
    _init("truncated_normal", "N(0, 0.05^2) truncated at two standard deviations.",
          keras.initializers.TruncatedNormal),
    _init("glorot_uniform", "Glorot/Xavier uniform, variance 2 / (fan_in + fan_out): tanh and "
          "sigmoid; Keras' default.", keras.initializers.GlorotUniform, ("xavier_uniform", "glorot",
                                                                         "xavier")),
    _init("glorot_normal", "Glorot/Xavier normal.", keras.initializers.GlorotNormal,
          ("xavier_normal",)),
    _init("he_normal", "He/Kaiming normal, variance 2 / fan_in: the ReLU family.",
          keras.initializers.HeNormal, ("kaiming_normal", "he", "kaiming")),
    _init("he_uniform", "He/Kaiming uniform.", keras.initializers.HeUniform, ("kaiming_uniform",)),
    _init("lecun_normal", "LeCun normal, variance 1 / fan_in: SELU (self-normalising nets).",
          keras.initializers.LecunNormal, ("lecun",)),
    _init("lecun_uniform", "LeCun uniform.", keras.initializers.LecunUniform),
    _init("orthogonal", "Random orthogonal matrix: recurrent kernels, very deep nets.",
          keras.initializers.Orthogonal),
])


def canonical_initializer(spec: Any) -> str | None:
    """The canonical name of an initializer spec, or ``None`` for an object given as is."""
    if isinstance(spec, (str, Mapping)):
        return INITIALIZERS.split_spec(spec)[0].name
    return None


def get_initializer(spec: Any) -> keras.initializers.Initializer:
    """A fresh initializer (a new object on every call, so layers never share a seeded instance)."""
    if isinstance(spec, keras.initializers.Initializer):
        return copy.deepcopy(spec)
    if isinstance(spec, (str, Mapping)):
        info, settings = INITIALIZERS.split_spec(spec)
        return _build_with(info, "initializer", settings)
    if callable(spec):
        return spec
    raise InputTypeError(
        f"`initializer` must be a name, a dict with a 'name', or a Keras initializer. "
        f"Received: initializer={spec!r}"
    )


def list_initializers(pattern: str | None = None) -> dict[str, str]:
    """Initializer names with one-line descriptions."""
    return INITIALIZERS.listing(pattern)
