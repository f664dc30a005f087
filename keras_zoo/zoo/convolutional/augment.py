"""The augmentation mini-language: ``{"flip": "horizontal", "rotation": 0.1}`` -> Keras layers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from keras_zoo.base import closest, normalize_name
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo.layers import PaddedRandomCrop, RandomGaussianNoise

__all__ = ["AUGMENTATION_STEPS", "augmentation", "is_number"]


def is_number(value: Any) -> bool:
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
        return is_number(v) and (v > low if low_open else v >= low) and (
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
          and all(is_number(v) for v in value_range) and value_range[0] < value_range[1])
    if not ok:
        raise InputValueError("`value_range` must be (low, high) with low < high, e.g. (0, 255) for "
                         f"raw pixels or (0, 1) for scaled ones. Received: value_range={value_range!r}")
    return float(value_range[0]), float(value_range[1])


def augmentation(steps: Mapping[str, Any] | Sequence[Any] | None = None, *,
                 value_range: tuple[float, float] = (0, 255), seed: int | None = None,
                 name: str = "augmentation", **step_values: Any) -> keras.Sequential:
    """A block of random image augmentations, active in training only.

    The same block ``cnn(augmentation=...)`` puts inside a model; on its own it shows samples or
    maps a ``tf.data`` pipeline (``ds.map(lambda x, y: (block(x, training=True), y))``, on the
    TensorFlow backend: inside ``tf.data`` a layer must run TensorFlow ops). With
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
