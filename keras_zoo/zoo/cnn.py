"""The convolutional family: ``cnn(...)``, classic presets, ``keras.applications`` backbones.

``cnn(...)`` builds ``Input -> Rescaling -> (augmentation) -> [conv blocks] -> readout ->
[dense] -> head`` and compiles it. A conv block is ``convs_per_block`` convolutions (each
``(padding) -> Conv2D -> (BatchNorm) -> activation``), then pooling, then dropout. Every keyword is
also a tuning axis (``keras_zoo.tuning``).

Choices a user will notice:

* **Min-max scaling inside the model**: a ``Rescaling(1 / pixel_max)`` layer maps raw pixels to
  ``[0, 1]``, so a saved model takes raw pixels. ``pixel_max`` is 255 by default; image
  Datasets pass their own (16 for scikit-learn's digits) through ``model_kwargs()``.
* **Padding**: ``"valid"`` (none), ``"same"``/``"zero"`` (zeros), ``"reflect"``, ``"symmetric"``
  and ``"edge"``/``"nearest"`` (a :class:`~keras_zoo.zoo.layers.Padding2D` layer before a
  ``"valid"`` convolution). Every mode but ``"valid"`` pads ``kernel_size - 1`` pixels in
  total, so the output is ``ceil(n / stride)`` pixels wide.
* **Pooling**: ``"max"``, ``"avg"``, ``"min"`` (:class:`~keras_zoo.zoo.layers.MinPooling2D`:
  Keras has none) or ``None`` (downsample with ``strides`` instead).
* **Sizes are checked before anything is built**: every layer's output follows
  ``(n + 2p - f) / s + 1`` (rounded down); a configuration that would shrink a feature map
  below one pixel raises ``ValueError`` naming the block and the sizes.
* **Augmentation** (``augmentation=``) runs on the scaled images, in training only; inference
  is deterministic. ``augmentation(...)`` builds the same block on its own.
* The ReLU family gets He-normal kernels, tanh/sigmoid Glorot (as in ``ann``); with
  ``batch_norm=True`` convolutions have no bias (the normalisation's shift replaces it).
* Compiled with ``steps_per_execution=32`` (``model.fit`` 30-40% faster than Keras' default on
  8x8 digits; no change on 32x32x3 images, where the arithmetic dominates) and
  ``jit_compile="auto"``: Keras turns XLA off on CPU-only machines, where it made these CNNs
  1.8-2.5x slower (``benchmarks/bench_cnn.py``), and on where a GPU is present.
* ``keras.applications`` backbones (``resnet50``, ``mobilenet_v2``, ``efficientnet_b0``) start
  from random weights (``weights=None``); ``weights="imagenet"`` downloads only when asked, and
  a local weights file is accepted. The backbone's own ImageNet preprocessing is a layer inside
  the model (:class:`~keras_zoo.zoo.layers.ImagenetPreprocessing`).

Example:
    >>> import keras_zoo as kz
    >>> model = kz.zoo.cnn(input_shape=(28, 28, 1), num_classes=10, filters=(16, 32),
    ...                    padding="reflect", pooling="min",
    ...                    augmentation={"rotation": 0.05, "zoom": 0.1})
    >>> model.output_shape
    (None, 10)
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from keras_zoo.base import (
    check_fraction,
    closest,
    keras_home,
    normalize_name,
    per_layer,
    positive_int,
    set_seed,
)
from keras_zoo.base.errors import InputFileError, InputTypeError, InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo._compile import compile_model, regularizer
from keras_zoo.zoo.ann import dense_block
from keras_zoo.zoo.heads import output_layer, resolve_head
from keras_zoo.zoo.layers import (
    ImagenetPreprocessing,
    MinPooling2D,
    PaddedRandomCrop,
    Padding2D,
    RandomGaussianNoise,
    canonical_pad_mode,
)
from keras_zoo.zoo.registry import register_model

__all__ = ["augmentation", "cnn", "conv_output_size", "efficientnet_b0", "lenet5",
           "mobilenet_v2", "resnet50", "vgg_small"]

PADDINGS = ("valid", "same", "zero", "reflect", "symmetric", "edge", "nearest")
POOLINGS = ("max", "avg", "min", None)
READOUTS = ("flatten", "global_avg", "global_max")
_POOLING_ALIASES = {"average": "avg", "mean": "avg", "maximum": "max", "minimum": "min",
                    "none": None}
_READOUT_ALIASES = {"gap": "global_avg", "global_average": "global_avg", "avg": "global_avg",
                    "gmp": "global_max", "max": "global_max"}


# === Sizes ===

def conv_output_size(n: int, kernel_size: int, padding: float = 0, strides: int = 1) -> int:
    """Output length of a convolution or pooling window: ``floor((n + 2p - f) / s) + 1``.

    Args:
        n: Input length (pixels).
        kernel_size: Window length ``f``.
        padding: Pixels ``p`` added on each side (``(f - 1) / 2`` for ``"same"``; it may be a
            half, the total ``2p`` is what counts).
        strides: Step ``s``.

    Example:
        >>> conv_output_size(28, 5)             # LeNet's first convolution without padding
        24
        >>> conv_output_size(28, 3, padding=1, strides=2)
        14
    """
    return math.floor((n + 2 * padding - kernel_size) / strides) + 1


def _total_padding(padding: str, kernel_size: int) -> int:
    return 0 if padding == "valid" else kernel_size - 1


def _size_error(block: int, what: str, dims: tuple[int, int], f: int, two_p: int, s: int,
                received: str) -> ValueError:
    n = min(dims)
    value = (n + two_p - f) / s + 1
    return InputValueError(
        f"Block {block} ({what}) would shrink the {dims[0]}x{dims[1]} feature map below 1 pixel: "
        f"(n + 2p - f) / s + 1 = ({n} + {two_p} - {f}) / {s} + 1 = {value:.3g}. Use "
        "padding='same', fewer blocks, a smaller kernel_size or pool_size, or larger images "
        "(resize=(height, width) makes the model resize its inputs). "
        f"Received: {received}"
    )


def _plan_sizes(input_shape: tuple[int, ...], blocks: list[dict[str, Any]],
                received: str | None = None) -> list[tuple[int, int]]:
    """The feature-map size after every block; raises before any layer is built."""
    received = received or f"input_shape={tuple(input_shape)}"
    h, w = input_shape[0], input_shape[1]
    sizes = []
    for i, block in enumerate(blocks, start=1):
        f = block["kernel_size"]
        two_p = _total_padding(block["padding"], f)
        for c in range(block["convs"]):
            s = block["strides"] if c == 0 else 1
            new = (conv_output_size(h, f, two_p / 2, s), conv_output_size(w, f, two_p / 2, s))
            if min(new) < 1:
                what = f"convolution {c + 1}: kernel_size={f}, strides={s}, " \
                       f"padding={block['padding']!r}"
                raise _size_error(i, what, (h, w), f, two_p, s, received)
            h, w = new
        if block["pooling"] is not None:
            k, s = block["pool_size"], block["pool_strides"]
            new = (conv_output_size(h, k, 0, s), conv_output_size(w, k, 0, s))
            if min(new) < 1:
                what = f"{block['pooling']} pooling: pool_size={k}, pool_strides={s}"
                raise _size_error(i, what, (h, w), k, 0, s, received)
            h, w = new
        sizes.append((h, w))
    return sizes


# === Argument checks ===

def _check_input_shape(input_shape: Any, model: str = "cnn") -> tuple[int, int, int]:
    ok = isinstance(input_shape, (tuple, list)) and len(input_shape) == 3 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
        for v in input_shape)
    if not ok:
        hint = ""
        if isinstance(input_shape, (tuple, list)) and len(input_shape) == 2:
            hint = f" For grayscale images use {(*tuple(input_shape), 1)}."
        elif isinstance(input_shape, (tuple, list)) and len(input_shape) == 1:
            hint = (" That looks like tabular features: use kz.zoo.ann, or image data (the "
                    "dataset 'digits_images', i.e. kz.load('digits', as_images=True)).")
        raise InputValueError(
            f"`input_shape` of {model}() must be (height, width, channels) with positive "
            f"integers.{hint} Received: input_shape={input_shape!r}"
        )
    return tuple(int(v) for v in input_shape)  # type: ignore[return-value]


def _per_block(argument: str, value: Any, n_blocks: int) -> list[Any]:
    return per_layer(argument, value, n_blocks, what="conv blocks (one per entry of `filters`)",
                     each="block")


def _canonical_padding(value: Any) -> str:
    key = normalize_name(value) if isinstance(value, str) else value
    if key not in PADDINGS:
        hint = closest(key, PADDINGS) if isinstance(key, str) else None
        raise InputValueError(
            "`padding` must be one of " + ", ".join(repr(p) for p in PADDINGS) + "."
            + (f" Did you mean {hint!r}?" if hint else "") + f" Received: padding={value!r}"
        )
    return {"zero": "same", "nearest": "edge"}.get(key, key)


def _canonical_pooling(value: Any) -> str | None:
    key = normalize_name(value) if isinstance(value, str) else value
    key = _POOLING_ALIASES.get(key, key) if isinstance(key, str) else key
    if key not in POOLINGS:
        raise InputValueError(f"`pooling` must be one of 'max', 'avg', 'min' or None. "
                         f"Received: pooling={value!r}")
    return key


def _canonical_readout(value: Any) -> str:
    key = normalize_name(value) if isinstance(value, str) else value
    key = _READOUT_ALIASES.get(key, key) if isinstance(key, str) else key
    if key not in READOUTS:
        raise InputValueError("`readout` must be one of " + ", ".join(repr(r) for r in READOUTS)
                         + f". Received: readout={value!r}")
    return key


def _check_pixel_max(pixel_max: Any) -> float | None:
    if pixel_max is None:
        return None
    if not isinstance(pixel_max, (int, float, np.number)) or isinstance(pixel_max, bool) \
            or not pixel_max > 0 or not math.isfinite(pixel_max):
        raise InputValueError("`pixel_max` (the largest raw pixel value, e.g. 255) must be a positive "
                         f"number or None (inputs already in [0, 1]). Received: "
                         f"pixel_max={pixel_max!r}")
    return float(pixel_max)


# === Augmentation ===

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


@dataclass(frozen=True)
class _Step:
    """One augmentation step: its main setting, accepted range and the Keras layer it builds."""

    name: str
    aliases: tuple[str, ...]
    key: str                       # name of the main setting in a settings dict
    default: Any
    accepted: str                  # the accepted range, in words
    check: Callable[[Any], bool]
    build: Callable[..., keras.layers.Layer]


_FLIP_MODES = {"horizontal": "horizontal", "vertical": "vertical",
               "horizontal_and_vertical": "horizontal_and_vertical",
               "both": "horizontal_and_vertical"}


def _in(low: float, high: float, *, low_open: bool = True, high_open: bool = False):
    def check(v):
        return _is_number(v) and (v > low if low_open else v >= low) and (
            v < high if high_open else v <= high)
    return check


def _build_flip(mode, settings, value_range, seed, name):
    mode = "horizontal" if mode is True else _FLIP_MODES[normalize_name(mode)]
    return keras.layers.RandomFlip(mode, seed=seed, name=name, **settings)


def _build_rotation(factor, settings, value_range, seed, name):
    return keras.layers.RandomRotation(factor, seed=seed, name=name, **settings)


def _build_zoom(factor, settings, value_range, seed, name):
    return keras.layers.RandomZoom(factor, seed=seed, name=name, **settings)


def _build_translation(factor, settings, value_range, seed, name):
    return keras.layers.RandomTranslation(factor, factor, seed=seed, name=name, **settings)


def _build_crop(padding, settings, value_range, seed, name):
    return PaddedRandomCrop(int(padding), seed=seed, name=name, **settings)


def _build_contrast(factor, settings, value_range, seed, name):
    return keras.layers.RandomContrast(factor, value_range=value_range, seed=seed, name=name,
                                       **settings)


def _build_brightness(factor, settings, value_range, seed, name):
    return keras.layers.RandomBrightness(factor, value_range=value_range, seed=seed, name=name,
                                         **settings)


def _build_noise(stddev, settings, value_range, seed, name):
    return RandomGaussianNoise(float(stddev), value_range=value_range, seed=seed, name=name,
                               **settings)


def _build_blur(factor, settings, value_range, seed, name):
    settings = {"kernel_size": 3, "sigma": 1.0, **settings}
    return keras.layers.RandomGaussianBlur(factor, value_range=value_range, seed=seed, name=name,
                                           **settings)


AUGMENTATION_STEPS: dict[str, _Step] = {s.name: s for s in [
    _Step("flip", ("random_flip", "mirror"), "mode", "horizontal",
          "'horizontal', 'vertical' or 'horizontal_and_vertical' (alias 'both'), or True",
          lambda v: v is True or (isinstance(v, str) and normalize_name(v) in _FLIP_MODES),
          _build_flip),
    _Step("rotation", ("rotate", "random_rotation"), "factor", 0.1,
          "a fraction of a full turn in (0, 0.5] (0.1 rotates by up to +-36 degrees)",
          _in(0, 0.5), _build_rotation),
    _Step("zoom", ("random_zoom", "scale"), "factor", 0.1,
          "a fraction in (0, 1) (0.1 zooms in or out by up to 10%)",
          _in(0, 1, high_open=True), _build_zoom),
    _Step("translation", ("translate", "shift", "random_translation"), "factor", 0.1,
          "a fraction of the height and width in (0, 1) (0.1 shifts by up to 10%)",
          _in(0, 1, high_open=True), _build_translation),
    _Step("crop", ("random_crop", "pad_crop"), "padding", 2,
          "the padding in pixels before a random crop back to the input size: an int >= 1",
          lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1,
          _build_crop),
    _Step("contrast", ("random_contrast",), "factor", 0.2,
          "a factor in (0, 1] (contrast is scaled by a random amount in [1 - f, 1 + f])",
          _in(0, 1), _build_contrast),
    _Step("brightness", ("random_brightness",), "factor", 0.2,
          "a factor in (0, 1] (adds up to f times the value range)",
          _in(0, 1), _build_brightness),
    _Step("noise", ("gaussian_noise",), "stddev", 0.05,
          "a standard deviation in (0, 1], as a fraction of the value range",
          _in(0, 1), _build_noise),
    _Step("blur", ("gaussian_blur", "random_gaussian_blur"), "factor", 0.5,
          "a factor in (0, 1] (the chance that an image is blurred)",
          _in(0, 1), _build_blur),
]}
_STEP_LOOKUP = {key: s.name for s in AUGMENTATION_STEPS.values() for key in (s.name, *s.aliases)}


def _step_info(name: Any) -> _Step:
    key = normalize_name(name) if isinstance(name, str) else name
    if key not in _STEP_LOOKUP:
        hint = closest(key, _STEP_LOOKUP) if isinstance(key, str) else None
        raise InputValueError(
            f"Unknown augmentation step {name!r}." + (f" Did you mean {_STEP_LOOKUP[hint]!r}?"
                                                      if hint else "")
            + f" Steps: {', '.join(AUGMENTATION_STEPS)}. Received: step={name!r}"
        )
    return AUGMENTATION_STEPS[_STEP_LOOKUP[key]]


def _parse_steps(steps: Any) -> list[Any]:
    """dict / list / None -> a list of ``(step, value, settings)`` or layer objects."""
    if steps is None or steps is False:
        return []
    if isinstance(steps, Mapping):
        if "name" in steps:  # one step written as {"name": ..., settings}
            return _parse_steps([steps])
        return [_one_step(name, value) for name, value in steps.items()]
    if isinstance(steps, (str, keras.layers.Layer)):
        steps = [steps]
    if not isinstance(steps, (list, tuple)):
        raise InputTypeError("`augmentation` must be a dict ({'flip': 'horizontal', 'rotation': 0.1}), "
                        "a list of steps, or None. Received: "
                        f"augmentation={steps!r} of type {type(steps).__name__}")
    parsed = []
    for item in steps:
        if isinstance(item, keras.layers.Layer):
            parsed.append(item)
        elif isinstance(item, str):
            parsed.append(_one_step(item, None))
        elif isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str):
            parsed.append(_one_step(item[0], item[1]))
        elif isinstance(item, Mapping) and "name" in item:
            settings = dict(item)
            parsed.append(_one_step(settings.pop("name"), settings))
        elif isinstance(item, Mapping) and len(item) == 1:
            (name, value), = item.items()
            parsed.append(_one_step(name, value))
        else:
            raise InputValueError(
                "Each augmentation step must be a name ('flip'), a (name, value) pair, a "
                "one-key dict ({'rotation': 0.1}), a dict with a 'name', or a Keras layer. "
                f"Received: {item!r}"
            )
    return parsed


def _one_step(name: Any, value: Any) -> tuple[_Step, Any, dict[str, Any]]:
    step = _step_info(name)
    settings: dict[str, Any] = {}
    if isinstance(value, Mapping):
        settings = dict(value)
        value = settings.pop(step.key, None)
    if value is None:
        value = step.default
    if not step.check(value):
        raise InputValueError(f"The augmentation step {step.name!r} takes {step.accepted}. "
                         f"Received: {step.name}={value!r}")
    return step, value, settings


def _check_value_range(value_range: Any) -> tuple[float, float]:
    ok = (isinstance(value_range, (tuple, list)) and len(value_range) == 2
          and all(_is_number(v) for v in value_range) and value_range[0] < value_range[1])
    if not ok:
        raise InputValueError("`value_range` must be (low, high) with low < high, e.g. (0, 255) for "
                         f"raw pixels or (0, 1) for scaled ones. Received: value_range={value_range!r}")
    return float(value_range[0]), float(value_range[1])


def augmentation(steps: Mapping[str, Any] | Sequence[Any] | None = None, *,
                 value_range: tuple[float, float] = (0, 255), seed: int | None = None,
                 name: str = "augmentation", **step_values: Any) -> keras.Sequential:
    """A block of random image augmentations, active in training only.

    The same block ``cnn(augmentation=...)`` puts inside a model; on its own it shows samples or
    maps a ``tf.data`` pipeline (``ds.map(lambda x, y: (block(x, training=True), y))``). With
    ``training=False`` (inference, ``model.predict``) every step passes images through unchanged.

    Steps, with the value a bare name gets and the accepted range:

    ==============  =====================================================  ============
    step            what it does                                           bare default
    ==============  =====================================================  ============
    ``flip``        ``"horizontal"``, ``"vertical"``, ``"both"``           horizontal
    ``rotation``    up to +-factor of a full turn, factor in (0, 0.5]      0.1
    ``zoom``        zoom in or out by up to factor, in (0, 1)              0.1
    ``translation`` shift by up to factor of the size, in (0, 1)           0.1
    ``crop``        pad ``n`` pixels, random crop back to the size (n>=1)  2
    ``contrast``    scale contrast by [1 - f, 1 + f], f in (0, 1]          0.2
    ``brightness``  add up to f of the value range, f in (0, 1]            0.2
    ``noise``       Gaussian noise, stddev a fraction of the range (0, 1]  0.05
    ``blur``        Gaussian blur with probability f in (0, 1]             0.5
    ==============  =====================================================  ============

    Args:
        steps: A dict ``{"flip": "horizontal", "rotation": 0.1}`` (applied in order), or a list
            of steps: names (``"flip"``), ``(name, value)`` pairs, one-key dicts, dicts with a
            ``"name"`` and the Keras layer's settings (``{"name": "rotation", "factor": 0.1,
            "fill_mode": "constant"}``), or Keras layers used as they are. A step's value may
            also be a settings dict: ``{"blur": {"factor": 0.5, "sigma": 2.0}}``.
        value_range: The range of the images the block receives: ``(0, 255)`` for raw 8-bit
            pixels; models built by the zoo apply augmentation after scaling, to ``(0, 1)``.
        seed: Seeds the steps (step ``i`` gets ``seed + i``); ``None`` follows Keras' global
            seed.
        name: The block's name.
        **step_values: Steps as keyword arguments, after those in ``steps``
            (``augmentation(flip="horizontal", rotation=0.1)``).

    Returns:
        A ``keras.Sequential`` of Keras preprocessing layers (and the zoo's
        :class:`~keras_zoo.zoo.layers.PaddedRandomCrop` and
        :class:`~keras_zoo.zoo.layers.RandomGaussianNoise`).

    Raises:
        ValueError: An unknown step (with the closest name) or a value outside its range (with
            the accepted range).

    Example:
        >>> import numpy as np, keras_zoo as kz
        >>> block = kz.zoo.augmentation({"flip": "horizontal", "rotation": 0.1}, seed=0)
        >>> images = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
        >>> bool(np.allclose(block(images, training=False), images))
        True
    """
    value_range = _check_value_range(value_range)
    parsed = _parse_steps(steps) + _parse_steps(dict(step_values) if step_values else None)
    if not parsed:
        raise InputValueError("augmentation() needs at least one step, e.g. "
                         "augmentation({'flip': 'horizontal', 'rotation': 0.1}).")
    if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
        raise InputValueError(f"`seed` must be a non-negative integer or None. Received: seed={seed!r}")
    layers: list[keras.layers.Layer] = []
    used: dict[str, int] = {}
    for i, item in enumerate(parsed):
        if isinstance(item, keras.layers.Layer):
            layers.append(item)
            continue
        step, value, settings = item
        used[step.name] = used.get(step.name, 0) + 1
        layer_name = f"{name}_{step.name}" + (f"_{used[step.name]}" if used[step.name] > 1 else "")
        try:
            layers.append(step.build(value, settings, value_range,
                                     None if seed is None else int(seed) + i, layer_name))
        except (TypeError, ValueError) as err:  # a setting the layer does not take
            raise InputValueError(f"Invalid settings for the augmentation step {step.name!r}: {err}. "
                             f"Received: {settings!r}") from err
    return keras.Sequential(layers, name=normalize_name(name) or "augmentation")


# === Building blocks ===

def _pooling_layer(kind: str, pool_size: int, strides: int, name: str) -> keras.layers.Layer:
    cls = {"max": keras.layers.MaxPooling2D, "avg": keras.layers.AveragePooling2D,
           "min": MinPooling2D}[kind]
    return cls(pool_size=pool_size, strides=strides, name=name)


def _conv_layers(block: int, conv: int, *, filters: int, kernel_size: int, strides: int,
                 padding: str, activation: Any, initializer: Any, batch_norm: bool, l1: float,
                 l2: float) -> list[keras.layers.Layer]:
    """``(Padding2D) -> Conv2D -> (BatchNorm) -> activation`` for one convolution."""
    layers: list[keras.layers.Layer] = []
    conv_padding = padding if padding in ("valid", "same") else "valid"
    if padding not in ("valid", "same"):
        total = kernel_size - 1
        before = total // 2
        layers.append(Padding2D(((before, total - before), (before, total - before)),
                                mode=canonical_pad_mode(padding), name=f"block{block}_pad{conv}"))
    fn = catalog.activation_function(activation)
    fused = fn is not None and not batch_norm
    layers.append(keras.layers.Conv2D(
        filters, kernel_size, strides=strides, padding=conv_padding,
        activation=fn if fused else None, use_bias=not batch_norm,
        kernel_initializer=catalog.get_initializer(initializer),
        kernel_regularizer=regularizer(l1, l2), name=f"block{block}_conv{conv}",
    ))
    if batch_norm:
        layers.append(keras.layers.BatchNormalization(name=f"block{block}_bn{conv}"))
    if not fused:
        layers.append(catalog.activation_layer(activation))
    return layers


def _resized_shape(input_shape: tuple[int, int, int], resize: Any) -> tuple[int, int, int]:
    """The image shape after the optional ``Resizing`` layer (``resize`` checked here)."""
    if resize is None:
        return input_shape
    if isinstance(resize, (int, np.integer)) and not isinstance(resize, bool):
        resize = (resize, resize)
    if not (isinstance(resize, (tuple, list)) and len(resize) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
            for v in resize)):
        raise InputValueError("`resize` must be (height, width) in pixels, two positive integers, or "
                         f"None. Received: resize={resize!r}")
    return (int(resize[0]), int(resize[1]), input_shape[2])


def _input_layers(input_shape: tuple[int, int, int], pixel_max: float | None, aug: Any,
                  seed: int | None, resize: Any = None) -> list[keras.layers.Layer]:
    """``[Resizing] -> [Rescaling] -> [augmentation]``; ``input_shape`` is the shape after
    resizing."""
    layers: list[keras.layers.Layer] = []
    if resize is not None:
        layers.append(keras.layers.Resizing(input_shape[0], input_shape[1],
                                            interpolation="bilinear", name="resize"))
    if pixel_max is not None:
        layers.append(keras.layers.Rescaling(1.0 / pixel_max, name="rescale"))
    if aug:
        block = aug if isinstance(aug, keras.Sequential) else augmentation(
            aug, value_range=(0.0, 1.0), seed=seed)
        if isinstance(block, keras.Sequential):
            for layer in block.layers:
                if isinstance(layer, PaddedRandomCrop) and layer.padding >= min(input_shape[:2]):
                    raise InputValueError(
                        f"The crop step pads {layer.padding} pixels, as much as the "
                        f"{input_shape[0]}x{input_shape[1]} image: use a padding smaller than "
                        f"the image. Received: crop={layer.padding}"
                    )
        layers.append(block)
    return layers


# === The general factory ===

@register_model(family="cnn", aliases=("convnet", "conv_net"), input_kind="image",
                example_kwargs={"input_shape": (8, 8, 1), "num_classes": 3, "filters": (4,),
                                "dense_units": (8,), "padding": "reflect", "pooling": "min",
                                "augmentation": {"flip": "horizontal", "crop": 1}})
def cnn(
    input_shape: tuple[int, int, int] | None = None,
    *,
    task: str | None = None,
    num_classes: int | None = None,
    num_outputs: int = 1,
    filters: Sequence[int] = (32, 64),
    convs_per_block: int | Sequence[int] = 1,
    kernel_size: int | Sequence[int] = 3,
    strides: int | Sequence[int] = 1,
    padding: str | Sequence[str] = "same",
    activation: Any = "relu",
    initializer: Any = None,
    batch_norm: bool = False,
    dropout: float | Sequence[float] = 0.0,
    pooling: str | None | Sequence[str | None] = "max",
    pool_size: int | Sequence[int] = 2,
    pool_strides: int | None | Sequence[int | None] = None,
    readout: str = "flatten",
    dense_units: Sequence[int] = (64,),
    dense_dropout: float | Sequence[float] = 0.0,
    l1: float = 0.0,
    l2: float = 0.0,
    pixel_max: float | None = 255.0,
    augmentation: Mapping[str, Any] | Sequence[Any] | None = None,
    resize: tuple[int, int] | Sequence[int] | None = None,
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
    name: str = "cnn",
) -> keras.Sequential:
    """A convolutional network for images (a compiled ``keras.Sequential``).

    Args:
        input_shape: ``(height, width, channels)`` of one image.
        task: ``binary``, ``multiclass``, ``multilabel`` or ``regression``; inferred from
            ``num_classes`` when omitted.
        num_classes: Classes (multiclass) or labels (multilabel).
        num_outputs: Regression targets.
        filters: Filters per conv block; its length is the number of blocks, e.g. ``(32, 64)``.
        convs_per_block: Convolutions per block (VGG uses 2-3), one value or one per block.
        kernel_size: Square kernel size ``f``, one value or one per block.
        strides: Stride ``s`` of each block's first convolution, one value or one per block.
        padding: ``"valid"``, ``"same"`` (alias ``"zero"``), ``"reflect"``, ``"symmetric"`` or
            ``"edge"`` (alias ``"nearest"``); one value or one per block.
        activation: Hidden activation: any catalog name, a dict with settings, or an object.
        initializer: Kernel initializer; ``None`` follows the activation (He for the ReLU
            family, Glorot for tanh/sigmoid, LeCun for SELU).
        batch_norm: Batch normalisation after every convolution and hidden Dense layer.
        dropout: Dropout after each block's pooling, in ``[0, 1)``; one value or one per block.
        pooling: ``"max"``, ``"avg"``, ``"min"`` or ``None``; one value or one per block.
        pool_size: Pooling window, one value or one per block.
        pool_strides: Pooling step; ``None`` means ``pool_size`` (non-overlapping windows).
        readout: ``"flatten"`` (every position keeps its own weights), ``"global_avg"`` or
            ``"global_max"`` (one value per channel: fewer weights, any image size).
        dense_units: Hidden Dense layers between the readout and the output, e.g. ``(64,)``.
        dense_dropout: Dropout after each hidden Dense layer (one value or one per layer).
        l1, l2: L1/L2 penalties on the convolution and Dense kernels.
        pixel_max: The largest raw pixel value (255 for 8-bit images, 16 for scikit-learn's
            digits). The model starts with ``Rescaling(1 / pixel_max)``, so it takes raw pixels;
            ``None`` leaves inputs as they are (already in ``[0, 1]``).
        augmentation: Steps for :func:`augmentation` (a dict or a list), or a block it built
            with ``value_range=(0, 1)``. Runs after scaling, on ``[0, 1]`` images, in training
            only (``predict``/``evaluate`` see the images unchanged).
        resize: ``(height, width)``: the model starts with a bilinear ``Resizing`` layer, so it
            takes images of ``input_shape`` and works at this size (e.g. 8x8 digits at 32x32
            for LeNet-5 or a backbone). ``None`` (default) keeps the input size.
        output_activation, loss, label_format, label_smoothing, metrics: The head, as in
            ``kz.zoo.ann`` (see ``keras_zoo.zoo.heads``).
        optimizer, learning_rate, clipnorm, clipvalue, global_clipnorm: As in ``kz.zoo.ann``.
        steps_per_execution: Batches per compiled call of ``model.fit`` (32).
        jit_compile: XLA; ``"auto"`` is off on CPU-only machines (it slows CNNs there).
        seed: Seeds Python, NumPy and Keras before the weights are created, and the
            augmentation steps.
        compile: Return the model compiled (default) or not.
        name: The model's name.

    Returns:
        A ``keras.Sequential``, compiled unless ``compile=False``.

    Raises:
        ValueError: A bad shape, name or range, or a configuration whose feature maps would
            shrink below one pixel (naming the block and the sizes).

    Example:
        >>> import keras_zoo as kz
        >>> model = kz.zoo.cnn(input_shape=(28, 28, 1), num_classes=10, padding="same",
        ...                    pooling="max", augmentation={"rotation": 0.1, "contrast": 0.1})
        >>> model.output_shape
        (None, 10)
    """
    input_shape = _check_input_shape(input_shape, normalize_name(name) or "cnn")
    if isinstance(filters, (int, np.integer)):
        filters = (int(filters),)
    filters = tuple(filters)
    if not filters:
        raise InputValueError("`filters` needs at least one conv block, e.g. (32, 64). "
                         f"Received: filters={filters!r}")
    n = len(filters)
    blocks = []
    for i, (f, convs, k, s, pad, pool, psize, pstride, rate) in enumerate(zip(
            filters, _per_block("convs_per_block", convs_per_block, n),
            _per_block("kernel_size", kernel_size, n), _per_block("strides", strides, n),
            _per_block("padding", padding, n), _per_block("pooling", pooling, n),
            _per_block("pool_size", pool_size, n), _per_block("pool_strides", pool_strides, n),
            _per_block("dropout", dropout, n)), start=1):
        psize = positive_int("pool_size", psize)
        blocks.append({
            "filters": positive_int("filters", f), "convs": positive_int("convs_per_block", convs),
            "kernel_size": positive_int("kernel_size", k), "strides": positive_int("strides", s),
            "padding": _canonical_padding(pad), "pooling": _canonical_pooling(pool),
            "pool_size": psize,
            "pool_strides": psize if pstride is None else positive_int("pool_strides", pstride),
            "dropout": check_fraction("dropout", rate),
        })
    readout = _canonical_readout(readout)
    pixel_max = _check_pixel_max(pixel_max)
    if isinstance(dense_units, (int, np.integer)):
        dense_units = (int(dense_units),)
    dense_units = tuple(dense_units)
    dense_dropouts = dense_dropout if isinstance(dense_dropout, (list, tuple)) else \
        [dense_dropout] * len(dense_units)
    if len(dense_dropouts) != len(dense_units):
        raise InputValueError(f"`dense_dropout` has {len(dense_dropouts)} values for "
                         f"{len(dense_units)} dense layers; give one value or one per layer. "
                         f"Received: dense_dropout={dense_dropout!r}")
    catalog.canonical_activation(activation)  # unknown names fail before anything is built
    head = resolve_head(task, num_classes=num_classes, num_outputs=num_outputs, loss=loss,
                        output_activation=output_activation, metrics=metrics,
                        label_smoothing=label_smoothing, label_format=label_format)
    sized = _resized_shape(input_shape, resize)
    _plan_sizes(sized, blocks, f"input_shape={tuple(input_shape)}"
                + (f", resize={sized[:2]}" if resize is not None else ""))
    regularizer(l1, l2)
    aug_layers = _input_layers(sized, pixel_max, augmentation, seed, resize)  # validates steps
    set_seed(seed)

    init = initializer if initializer is not None else catalog.default_initializer(activation)
    layers: list[keras.layers.Layer] = [keras.Input(shape=input_shape, name="image"), *aug_layers]
    for b, block in enumerate(blocks, start=1):
        for c in range(1, block["convs"] + 1):
            layers += _conv_layers(b, c, filters=block["filters"],
                                   kernel_size=block["kernel_size"],
                                   strides=block["strides"] if c == 1 else 1,
                                   padding=block["padding"], activation=activation,
                                   initializer=init, batch_norm=batch_norm, l1=l1, l2=l2)
        if block["pooling"] is not None:
            layers.append(_pooling_layer(block["pooling"], block["pool_size"],
                                         block["pool_strides"], f"block{b}_pool"))
        if block["dropout"]:
            layers.append(keras.layers.Dropout(block["dropout"], name=f"block{b}_dropout"))
    layers.append({"flatten": keras.layers.Flatten(name="flatten"),
                   "global_avg": keras.layers.GlobalAveragePooling2D(name="global_avg_pool"),
                   "global_max": keras.layers.GlobalMaxPooling2D(name="global_max_pool")}[readout])
    for i, (units, rate) in enumerate(zip(dense_units, dense_dropouts), start=1):
        layers += dense_block(units, activation=activation, initializer=init, dropout=rate,
                              batch_norm=batch_norm, l1=l1, l2=l2, name=f"dense_{i}")
    layers += output_layer(head, initializer=catalog.default_initializer(head.activation))
    model = keras.Sequential(layers, name=normalize_name(name) or "cnn")
    if compile:
        compile_model(model, head, optimizer=optimizer, learning_rate=learning_rate,
                      clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                      steps_per_execution=steps_per_execution, jit_compile=jit_compile)
    return model


# === Classic presets ===

@register_model(family="cnn", aliases=("lenet", "le_net5", "le_net_5"), input_kind="image",
                example_kwargs={"input_shape": (28, 28, 1), "num_classes": 3})
def lenet5(
    input_shape: tuple[int, int, int] | None = None,
    *,
    task: str | None = None,
    num_classes: int | None = None,
    num_outputs: int = 1,
    activation: Any = "tanh",
    initializer: Any = None,
    padding: str | Sequence[str] = ("same", "valid"),
    pooling: str | Sequence[str] = "avg",
    batch_norm: bool = False,
    dense_units: Sequence[int] = (120, 84),
    dense_dropout: float = 0.0,
    l2: float = 0.0,
    pixel_max: float | None = 255.0,
    augmentation: Mapping[str, Any] | Sequence[Any] | None = None,
    resize: tuple[int, int] | Sequence[int] | None = None,
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
    name: str = "lenet5",
) -> keras.Sequential:
    """LeNet-5 (LeCun et al., 1998): two 5x5 conv layers with subsampling, then 120-84 dense.

    ``C1: 6 @ 5x5 -> S2: 2x2 avg pool -> C3: 16 @ 5x5 -> S4: 2x2 avg pool -> 120 -> 84 ->
    output``, tanh activations. C1 uses ``"same"`` padding, which reproduces the paper's zero
    padding of 28x28 digits to 32x32 (a 28x28 input gives 5x5x16 = 400 features before the dense
    layers, as in the paper). Needs images of at least 20x20 pixels;
    smaller ones take ``resize=(28, 28)``.

    Args:
        input_shape: ``(height, width, channels)``; ``(28, 28, 1)`` for MNIST.
        activation: ``"tanh"`` as in the paper (``"relu"`` trains faster).
        padding: Per conv layer; ``("same", "valid")`` by default.
        pooling: ``"avg"`` (the paper's subsampling), ``"max"`` or ``"min"``.
        dense_units: ``(120, 84)``.
        Others: see :func:`cnn`.

    Example:
        >>> import keras_zoo as kz
        >>> kz.zoo.lenet5(input_shape=(28, 28, 1), num_classes=10).count_params()
        61706
    """
    return cnn(input_shape, task=task, num_classes=num_classes, num_outputs=num_outputs,
               filters=(6, 16), kernel_size=5, padding=padding, activation=activation,
               initializer=initializer, batch_norm=batch_norm, pooling=pooling, pool_size=2,
               readout="flatten", dense_units=dense_units, dense_dropout=dense_dropout, l2=l2,
               pixel_max=pixel_max, augmentation=augmentation, resize=resize,
               output_activation=output_activation, loss=loss, label_format=label_format,
               label_smoothing=label_smoothing, metrics=metrics, optimizer=optimizer,
               learning_rate=learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
               global_clipnorm=global_clipnorm, steps_per_execution=steps_per_execution,
               jit_compile=jit_compile, seed=seed, compile=compile, name=name)


@register_model(family="cnn", aliases=("vgg", "small_vgg", "mini_vgg"), input_kind="image",
                example_kwargs={"input_shape": (8, 8, 1), "num_classes": 3, "filters": (4, 8),
                                "dense_units": (8,)})
def vgg_small(
    input_shape: tuple[int, int, int] | None = None,
    *,
    task: str | None = None,
    num_classes: int | None = None,
    num_outputs: int = 1,
    filters: Sequence[int] = (32, 64, 128),
    convs_per_block: int | Sequence[int] = 2,
    kernel_size: int = 3,
    padding: str = "same",
    activation: Any = "relu",
    initializer: Any = None,
    batch_norm: bool = True,
    dropout: float | Sequence[float] = 0.0,
    pooling: str = "max",
    readout: str = "flatten",
    dense_units: Sequence[int] = (128,),
    dense_dropout: float = 0.5,
    l2: float = 0.0,
    pixel_max: float | None = 255.0,
    augmentation: Mapping[str, Any] | Sequence[Any] | None = None,
    resize: tuple[int, int] | Sequence[int] | None = None,
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
    name: str = "vgg_small",
) -> keras.Sequential:
    """A small VGG-style network: blocks of two 3x3 'same' convolutions and 2x2 max pooling.

    VGG's recipe (Simonyan & Zisserman, 2014) at a size that trains on a CPU: filters double
    per block (32, 64, 128), stacked 3x3 convolutions (two see a 5x5 window with fewer weights
    and one more non-linearity), batch normalisation, and dropout 0.5 before the output as in
    VGG's dense layers. Three blocks halve 32x32 images to 4x4 (8x8 digits to 1x1).

    Args:
        filters: Filters per block, ``(32, 64, 128)``.
        convs_per_block: ``2``.
        dropout: Dropout after each block (0.25 is a common choice with little data).
        dense_units, dense_dropout: ``(128,)`` and ``0.5``.
        Others: see :func:`cnn`.

    Example:
        >>> import keras_zoo as kz
        >>> kz.zoo.vgg_small(input_shape=(32, 32, 3), num_classes=10).output_shape
        (None, 10)
    """
    return cnn(input_shape, task=task, num_classes=num_classes, num_outputs=num_outputs,
               filters=filters, convs_per_block=convs_per_block, kernel_size=kernel_size,
               padding=padding, activation=activation, initializer=initializer,
               batch_norm=batch_norm, dropout=dropout, pooling=pooling, pool_size=2,
               readout=readout, dense_units=dense_units, dense_dropout=dense_dropout, l2=l2,
               pixel_max=pixel_max, augmentation=augmentation, resize=resize,
               output_activation=output_activation, loss=loss, label_format=label_format,
               label_smoothing=label_smoothing, metrics=metrics, optimizer=optimizer,
               learning_rate=learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
               global_clipnorm=global_clipnorm, steps_per_execution=steps_per_execution,
               jit_compile=jit_compile, seed=seed, compile=compile, name=name)


# === keras.applications backbones ===

@dataclass(frozen=True)
class _Backbone:
    build: Callable[..., keras.Model]
    preprocessing: str          # ImagenetPreprocessing mode for RGB images
    min_size: int = 32


_BACKBONES = {
    "resnet50": _Backbone(lambda **kw: keras.applications.ResNet50(**kw), "caffe"),
    "mobilenet_v2": _Backbone(lambda **kw: keras.applications.MobileNetV2(**kw), "tf"),
    "efficientnet_b0": _Backbone(lambda **kw: keras.applications.EfficientNetB0(**kw), "none"),
}


def _resolve_weights(weights: Any, model: str, channels: int) -> str | None:
    if weights is None:
        return None
    if weights == "imagenet":
        if channels != 3:
            raise InputValueError(f"ImageNet weights of {model} need RGB images (3 channels); the "
                             f"images have {channels}. Use weights=None, or load the images with "
                             f"color_mode='rgb'. Received: weights='imagenet'")
        return "imagenet"
    if isinstance(weights, (str, os.PathLike)):
        path = os.fspath(weights)
        if not os.path.isfile(path):
            raise InputFileError(
                f"No weights file at {path!r}. `weights` is None (random), 'imagenet' "
                f"(downloaded once into {os.path.join(keras_home(), 'models')}) or the path of "
                f"a {model} weights file without its top (e.g. Keras' '*_notop.h5'). "
                f"Received: weights={weights!r}")
        return path
    raise InputValueError("`weights` must be None, 'imagenet' or a file path. "
                     f"Received: weights={weights!r}")


def _download_error(model: str, err: BaseException) -> FileNotFoundError:
    text = str(err)
    match = re.search(r"(https?://\S+?)(?::\s|\s|$)", text)
    url = match.group(1) if match else "the keras.applications weights URL"
    filename = url.rsplit("/", 1)[-1] if match else "<weights file>"
    target = os.path.join(keras_home(), "models", filename)
    return InputFileError(
        f"Could not download the ImageNet weights of {model} from {url} ({text}). Offline? "
        f"Download that file on a connected machine and put it at {target}, or pass "
        f"weights='/path/to/{filename}'. Received: weights='imagenet'"
    )


def _application(model_name: str, *, input_shape, task, num_classes, num_outputs, weights,
                 freeze_backbone, readout, dense_units, dropout, pixel_max, augmentation, resize,
                 output_activation, loss, label_format, label_smoothing, metrics, seed,
                 compile, name, backbone_kwargs, **compile_args) -> keras.Model:
    spec = _BACKBONES[model_name]
    raw_shape = _check_input_shape(input_shape, model_name)
    input_shape = _resized_shape(raw_shape, resize)  # what the backbone sees
    if min(input_shape[:2]) < spec.min_size:
        raise InputValueError(
            f"{model_name} needs images of at least {spec.min_size}x{spec.min_size} pixels (it "
            f"downsamples by 32); pass resize=({spec.min_size}, {spec.min_size}) or more (the "
            f"model then resizes its inputs), or use kz.zoo.cnn. Received: "
            f"input_shape={raw_shape}" + (f", resize={tuple(resize)}" if resize else ""))
    readout = _canonical_readout(readout)
    if readout == "flatten":
        raise InputValueError(f"`readout` of {model_name} must be 'global_avg' or 'global_max'. "
                         f"Received: readout={readout!r}")
    pixel_max = _check_pixel_max(pixel_max)
    check_fraction("dropout", dropout)
    dense_units = (int(dense_units),) if isinstance(dense_units, (int, np.integer)) else \
        tuple(dense_units)
    resolved = _resolve_weights(weights, model_name, input_shape[2])
    head = resolve_head(task, num_classes=num_classes, num_outputs=num_outputs, loss=loss,
                        output_activation=output_activation, metrics=metrics,
                        label_smoothing=label_smoothing, label_format=label_format)
    front = _input_layers(input_shape, pixel_max, augmentation, seed, resize=resize)
    set_seed(seed)

    inputs = keras.Input(shape=raw_shape, name="image")
    x = inputs
    for layer in front:
        x = layer(x)
    mode = spec.preprocessing if input_shape[2] == 3 or spec.preprocessing in ("tf", "none") \
        else "tf"
    x = ImagenetPreprocessing(mode, name="preprocess")(x)
    try:
        backbone = spec.build(include_top=False, weights=resolved, input_shape=input_shape,
                              **backbone_kwargs)
    except Exception as err:  # Keras' download failure is a bare Exception
        if resolved == "imagenet" and ("URL fetch failure" in str(err)
                                       or isinstance(err, OSError)):
            raise _download_error(model_name, err) from err
        raise
    backbone.trainable = not freeze_backbone
    # A frozen backbone keeps its batch-norm statistics (inference mode), as Keras' transfer
    # learning guide recommends; it then stays in inference mode if unfrozen for fine-tuning.
    x = backbone(x, training=False) if freeze_backbone else backbone(x)
    x = (keras.layers.GlobalAveragePooling2D(name="global_avg_pool") if readout == "global_avg"
         else keras.layers.GlobalMaxPooling2D(name="global_max_pool"))(x)
    for i, units in enumerate(dense_units, start=1):
        for layer in dense_block(units, activation="relu", name=f"dense_{i}"):
            x = layer(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    for layer in output_layer(head, initializer=catalog.default_initializer(head.activation)):
        x = layer(x)
    model = keras.Model(inputs, x, name=normalize_name(name) or model_name)
    if compile:
        compile_model(model, head, **compile_args)
    return model


# The smallest images the backbones take; a frozen backbone keeps the zoo-wide test quick (no
# gradients or optimizer slots for 23M weights).
_APP_EXAMPLE = {"input_shape": (32, 32, 3), "num_classes": 3, "freeze_backbone": True}


def _documented(name: str, title: str, preprocessing: str, extra_args: str = "",
               example_kwargs: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a backbone factory the shared docstring (before the registry reads its first line)."""
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__doc__ = f"""{title}

    The backbone comes from ``keras.applications`` without its top (``include_top=False``),
    followed by global pooling, optional Dense layers, dropout and the task's head. The inputs
    are raw pixels: the model scales them (``pixel_max``), augments them in training, and applies
    the backbone's own ImageNet preprocessing as a layer ({preprocessing}). The backbone needs
    at least 32x32 pixels: smaller images take ``resize=(32, 32)`` (or more), which makes the
    model resize its inputs. ``steps_per_execution`` is 32 as for the other CNNs.

    Args:
        input_shape: ``(height, width, channels)``; 3 channels for ImageNet weights.
        weights: ``None`` (random initialisation, the default: nothing is downloaded),
            ``"imagenet"`` (downloaded once into ``~/.keras/models``; offline this raises an
            error naming the URL and where to put the file), or the path of a local weights
            file for the backbone without its top.{extra_args}
        freeze_backbone: Train only the head (transfer learning); the frozen backbone runs in
            inference mode, so its batch-norm statistics stay as loaded.
        readout: ``"global_avg"`` or ``"global_max"``.
        dense_units: Hidden Dense layers (ReLU) before the output; none by default.
        dropout: Dropout before the output layer.
        Others: see :func:`cnn`.

    Returns:
        A ``keras.Model`` (functional), compiled unless ``compile=False``.

    Example:
        >>> import keras_zoo as kz
        >>> model = kz.zoo.{name}(input_shape=(32, 32, 3), num_classes=10{example_kwargs})
        >>> model.output_shape
        (None, 10)
    """
        return fn
    return decorate


@register_model(family="cnn", aliases=("resnet", "resnet_50"), input_kind="image",
                example_kwargs=_APP_EXAMPLE)
@_documented(
    "resnet50", "ResNet50 (He et al., 2015) backbone with a new head: residual blocks, 23.6M "
    "weights.", "``caffe``: RGB -> BGR, minus the ImageNet mean pixel")
def resnet50(
    input_shape: tuple[int, int, int] | None = None,
    *,
    task: str | None = None,
    num_classes: int | None = None,
    num_outputs: int = 1,
    weights: str | os.PathLike[str] | None = None,
    freeze_backbone: bool = False,
    readout: str = "global_avg",
    dense_units: Sequence[int] = (),
    dropout: float = 0.2,
    pixel_max: float | None = 255.0,
    augmentation: Mapping[str, Any] | Sequence[Any] | None = None,
    resize: tuple[int, int] | Sequence[int] | None = None,
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
    name: str = "resnet50",
) -> keras.Model:
    return _application(
        "resnet50", input_shape=input_shape, task=task, num_classes=num_classes,
        num_outputs=num_outputs, weights=weights, freeze_backbone=freeze_backbone,
        readout=readout, dense_units=dense_units, dropout=dropout, pixel_max=pixel_max,
        augmentation=augmentation, resize=resize, output_activation=output_activation, loss=loss,
        label_format=label_format, label_smoothing=label_smoothing, metrics=metrics, seed=seed,
        compile=compile, name=name, backbone_kwargs={}, optimizer=optimizer,
        learning_rate=learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
        global_clipnorm=global_clipnorm, steps_per_execution=steps_per_execution,
        jit_compile=jit_compile)



@register_model(family="cnn", aliases=("mobilenet", "mobilenetv2"), input_kind="image",
                example_kwargs={**_APP_EXAMPLE, "alpha": 0.35})
@_documented(
    "mobilenet_v2", "MobileNetV2 (Sandler et al., 2018) backbone with a new head: inverted "
    "residuals, 2.3M weights at alpha=1.", "``tf``: pixels to [-1, 1]",
    "\n        alpha: Width multiplier (0.35 ... 1.4): fewer filters, faster, less accurate;"
    "\n            ImageNet weights exist for 0.35, 0.5, 0.75, 1.0, 1.3 and 1.4.", ", alpha=0.35")
def mobilenet_v2(
    input_shape: tuple[int, int, int] | None = None,
    *,
    task: str | None = None,
    num_classes: int | None = None,
    num_outputs: int = 1,
    weights: str | os.PathLike[str] | None = None,
    alpha: float = 1.0,
    freeze_backbone: bool = False,
    readout: str = "global_avg",
    dense_units: Sequence[int] = (),
    dropout: float = 0.2,
    pixel_max: float | None = 255.0,
    augmentation: Mapping[str, Any] | Sequence[Any] | None = None,
    resize: tuple[int, int] | Sequence[int] | None = None,
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
    name: str = "mobilenet_v2",
) -> keras.Model:
    if not _is_number(alpha) or not alpha > 0:
        raise InputValueError(f"`alpha` (the width multiplier) must be positive. Received: alpha={alpha!r}")
    if alpha not in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4) and weights is not None:
        raise InputValueError("Pretrained MobileNetV2 weights exist for alpha in 0.35, 0.5, 0.75, "
                         f"1.0, 1.3, 1.4. Received: alpha={alpha!r}")
    return _application(
        "mobilenet_v2", input_shape=input_shape, task=task, num_classes=num_classes,
        num_outputs=num_outputs, weights=weights, freeze_backbone=freeze_backbone,
        readout=readout, dense_units=dense_units, dropout=dropout, pixel_max=pixel_max,
        augmentation=augmentation, resize=resize, output_activation=output_activation, loss=loss,
        label_format=label_format, label_smoothing=label_smoothing, metrics=metrics, seed=seed,
        compile=compile, name=name, backbone_kwargs={"alpha": float(alpha)},
        optimizer=optimizer, learning_rate=learning_rate, clipnorm=clipnorm,
        clipvalue=clipvalue, global_clipnorm=global_clipnorm,
        steps_per_execution=steps_per_execution, jit_compile=jit_compile)



@register_model(family="cnn", aliases=("efficientnet", "efficientnetb0"), input_kind="image",
                example_kwargs=_APP_EXAMPLE)
@_documented(
    "efficientnet_b0", "EfficientNetB0 (Tan & Le, 2019) backbone with a new head: "
    "compound-scaled MBConv blocks, 4.0M weights.",
    "``none``: the backbone rescales and normalises inside itself, so it gets pixels in "
    "[0, 255]")
def efficientnet_b0(
    input_shape: tuple[int, int, int] | None = None,
    *,
    task: str | None = None,
    num_classes: int | None = None,
    num_outputs: int = 1,
    weights: str | os.PathLike[str] | None = None,
    freeze_backbone: bool = False,
    readout: str = "global_avg",
    dense_units: Sequence[int] = (),
    dropout: float = 0.2,
    pixel_max: float | None = 255.0,
    augmentation: Mapping[str, Any] | Sequence[Any] | None = None,
    resize: tuple[int, int] | Sequence[int] | None = None,
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
    name: str = "efficientnet_b0",
) -> keras.Model:
    return _application(
        "efficientnet_b0", input_shape=input_shape, task=task, num_classes=num_classes,
        num_outputs=num_outputs, weights=weights, freeze_backbone=freeze_backbone,
        readout=readout, dense_units=dense_units, dropout=dropout, pixel_max=pixel_max,
        augmentation=augmentation, resize=resize, output_activation=output_activation, loss=loss,
        label_format=label_format, label_smoothing=label_smoothing, metrics=metrics, seed=seed,
        compile=compile, name=name, backbone_kwargs={}, optimizer=optimizer,
        learning_rate=learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
        global_clipnorm=global_clipnorm, steps_per_execution=steps_per_execution,
        jit_compile=jit_compile)

