"""``conv_plan(...)``: the layer-by-layer size table of a CNN, as a course works it by hand.

Every convolution and pooling layer maps an ``n``-pixel side to ``floor((n + 2p - f) / s) + 1``
pixels. The table writes the arithmetic out for each layer of a real model (built from a name,
a factory or given) and its sizes are Keras' own output shapes.

Example:
    >>> import keras_zoo as kz
    >>> plan = kz.zoo.conv_plan("cnn", input_shape=(28, 28, 1), filters=(6, 16), kernel_size=5,
    ...                         padding="valid", num_classes=10)
    >>> plan["n_out"].dropna().tolist()
    [28, 24, 12, 8, 4]
    >>> print(plan.loc[1, "formula"])
    (28 + 2*0 - 5) / 1 + 1 = 24
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import keras
import pandas as pd

from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo.layers import Padding2D
from keras_zoo.zoo.registry import create_model, list_models, model_info

__all__ = ["PLAN_COLUMNS", "conv_plan"]

PLAN_COLUMNS = ("layer", "kind", "f", "s", "p", "n_in", "w_in", "n_out", "w_out", "channels",
                "features", "params", "formula")
_INT_COLUMNS = ("n_in", "w_in", "n_out", "w_out", "channels", "features", "params")

_WINDOWED = (keras.layers.Conv2D, keras.layers.SeparableConv2D, keras.layers.DepthwiseConv2D,
             keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)  # MinPooling2D included
_GLOBAL = (keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D)
_ACCEPTED = ("a built keras.Model with a fixed input size, a registered image model name "
             "(e.g. 'cnn', 'lenet5', 'vgg_small') or a factory function that returns a model")


# === Arithmetic ===

def _num(x: float) -> int | float:
    """``1.0 -> 1``, ``1.5 -> 1.5``: the way a course writes a padding."""
    return int(x) if float(x).is_integer() else float(x)


def _pair(a: Any, b: Any) -> Any:
    """One value for a square layer, ``(height, width)`` otherwise."""
    return a if a == b else (a, b)


def _window_axis(n: int, f: int, s: int, same: bool) -> tuple[int, int | float, str]:
    """``(output, p, formula)`` of one axis of a convolution or pooling window.

    ``"same"`` pads ``f - 1`` pixels in total (``p = (f - 1) / 2``), so the course formula gives
    ``floor((n - 1) / s) + 1 = ceil(n / s)``: what Keras computes.
    """
    two_p = f - 1 if same else 0
    p = _num(two_p / 2)
    numerator = n + two_p - f
    out = numerator // s + 1
    core = f"({n} + 2*{p} - {f}) / {s}"
    text = f"{core} + 1" if numerator % s == 0 else f"floor({core}) + 1"
    if same and s > 1:
        text += f" = ceil({n} / {s})"
    return out, p, f"{text} = {out}"


def _pad_axis(n: int, before: int, after: int, sign: int) -> tuple[int, str]:
    """``(output, formula)`` of one axis of a padding (``sign=1``) or cropping (``-1``) layer."""
    op = "+" if sign > 0 else "-"
    out = n + sign * (before + after)
    terms = f"{op} 2*{before}" if before == after else f"{op} {before} {op} {after}"
    return out, f"{n} {terms} = {out}"


def _join(formulas: tuple[str, str]) -> str:
    return formulas[0] if formulas[0] == formulas[1] else f"H: {formulas[0]}; W: {formulas[1]}"


# === Rows ===

def _spatial(shape: tuple, data_format: str) -> tuple[Any, Any, Any]:
    """``(height, width, channels)`` of a 4-D shape."""
    if data_format == "channels_first":
        return shape[2], shape[3], shape[1]
    return shape[1], shape[2], shape[3]


def _data_format(layer: Any) -> str:
    return getattr(layer, "data_format", None) or "channels_last"


def _row(layer: Any, name: str, **values: Any) -> dict[str, Any]:
    row = dict.fromkeys(PLAN_COLUMNS)
    row.update(layer=name, kind=type(layer).__name__, params=layer.count_params(), **values)
    return row


def _sizes_row(layer: Any, name: str, hw_in: tuple[int, int], outs: tuple[int, int],
               formulas: tuple[str, str], **values: Any) -> dict[str, Any]:
    _, _, channels = _spatial(tuple(layer.output.shape), _data_format(layer))
    return _row(layer, name, n_in=hw_in[0], w_in=hw_in[1], n_out=outs[0], w_out=outs[1],
                channels=channels, features=outs[0] * outs[1] * channels,
                formula=_join(formulas), **values)


def _window_row(layer: Any, name: str, hw: tuple[int, int]) -> dict[str, Any]:
    is_pool = isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D))
    kernel = tuple(layer.pool_size if is_pool else layer.kernel_size)
    dilation = (1, 1) if is_pool else tuple(layer.dilation_rate)
    strides = tuple(layer.strides)
    same = layer.padding == "same"
    axes = [_window_axis(n, d * (k - 1) + 1, s, same)
            for n, k, d, s in zip(hw, kernel, dilation, strides)]
    f = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    return _sizes_row(layer, name, hw, (axes[0][0], axes[1][0]), (axes[0][2], axes[1][2]),
                      f=_pair(*f), s=_pair(*strides), p=_pair(axes[0][1], axes[1][1]))


def _padding_row(layer: Any, name: str, hw: tuple[int, int]) -> dict[str, Any]:
    cropping = isinstance(layer, keras.layers.Cropping2D)
    sides = layer.cropping if cropping else layer.padding
    sign = -1 if cropping else 1
    axes = [_pad_axis(n, int(b), int(a), sign) for n, (b, a) in zip(hw, sides)]
    p = _pair(*(_num(sign * (b + a) / 2) for b, a in sides))
    return _sizes_row(layer, name, hw, (axes[0][0], axes[1][0]), (axes[0][1], axes[1][1]), p=p)


def _resize_row(layer: Any, name: str, hw: tuple[int, int]) -> dict[str, Any]:
    if isinstance(layer, keras.layers.Resizing):
        outs = (int(layer.height), int(layer.width))
        formula = f"resize {hw[0]}x{hw[1]} -> {outs[0]}x{outs[1]}"
    else:  # UpSampling2D
        outs = (hw[0] * layer.size[0], hw[1] * layer.size[1])
        formula = _join((f"{hw[0]} * {layer.size[0]} = {outs[0]}",
                         f"{hw[1]} * {layer.size[1]} = {outs[1]}"))
    return _sizes_row(layer, name, hw, outs, (formula, formula))


def _features_row(layer: Any, name: str, in_shape: tuple) -> dict[str, Any]:
    """Flatten, global pooling, Dense (and any layer that leaves the feature maps)."""
    out_shape = tuple(layer.output.shape)
    features = math.prod(out_shape[1:])
    row = {"features": features}
    if len(in_shape) == 4:
        h, w, c = _spatial(in_shape, _data_format(layer))
        row.update(n_in=h, w_in=w)
        if isinstance(layer, _GLOBAL):
            how = "average" if isinstance(layer, keras.layers.GlobalAveragePooling2D) else "max"
            row["formula"] = f"{h}x{w}x{c} -> {c} (one {how} per channel)"
        else:
            row["formula"] = f"{h} * {w} * {c} = {features}"
    else:
        row["formula"] = f"{math.prod(in_shape[1:])} -> {features}"
    return _row(layer, name, **row)


_HANDLERS: tuple[tuple[tuple[type, ...], Callable[..., dict[str, Any]]], ...] = (
    (_WINDOWED, _window_row),
    ((keras.layers.ZeroPadding2D, keras.layers.Cropping2D, Padding2D), _padding_row),
    ((keras.layers.Resizing, keras.layers.UpSampling2D), _resize_row),
)


def _layer_rows(layer: Any, name: str) -> list[dict[str, Any]]:
    if isinstance(layer, keras.Model):  # a nested block (augmentation, a backbone)
        return [row for inner in layer.layers
                if not isinstance(inner, keras.layers.InputLayer)
                for row in _layer_rows(inner, f"{name}/{inner.name}")]
    try:
        in_shape, out_shape = tuple(layer.input.shape), tuple(layer.output.shape)
    except (AttributeError, ValueError):  # several inputs, or a layer never called
        return []
    if len(in_shape) == 4:
        hw = _spatial(in_shape, _data_format(layer))[:2]
        for types, handler in _HANDLERS:
            if isinstance(layer, types):
                return [handler(layer, name, hw)]
        if len(out_shape) == 4 and _spatial(out_shape, _data_format(layer))[:2] != hw:
            outs = _spatial(out_shape, _data_format(layer))[:2]
            return [_sizes_row(layer, name, hw, outs, ("(Keras' output shape)",) * 2)]
    if isinstance(layer, (keras.layers.Dense, keras.layers.Flatten, *_GLOBAL)) or (
            len(in_shape) == 4 and len(out_shape) != 4):
        return [_features_row(layer, name, in_shape)]
    return []


# === The model ===

def _build(model_or_name: Any, kwargs: dict[str, Any]) -> keras.Model:
    if isinstance(model_or_name, keras.Model):
        if kwargs:
            raise InputTypeError(
                "Factory keywords go with a model name or a factory, not with a built model. "
                f"Received: a {type(model_or_name).__name__} and {', '.join(kwargs)}")
        return model_or_name
    if isinstance(model_or_name, str):
        info = model_info(model_or_name)  # an unknown name says "did you mean"
        if info.input_kind != "image":
            images = [n for n in list_models() if model_info(n).input_kind == "image"]
            raise InputValueError(
                f"conv_plan needs a convolutional (image) model; {info.name!r} takes "
                f"{info.input_kind} inputs. Image models: {', '.join(images)}. "
                f"Received: model_or_name={model_or_name!r}")
        if "compile" in info.parameters:
            kwargs.setdefault("compile", False)
        return create_model(model_or_name, **kwargs)
    if callable(model_or_name) and not isinstance(model_or_name, keras.layers.Layer):
        if "compile" in inspect.signature(model_or_name).parameters:
            kwargs.setdefault("compile", False)
        model = model_or_name(**kwargs)
        if not isinstance(model, keras.Model):
            raise InputTypeError(f"The factory returned a {type(model).__name__}, not a "
                                 f"keras.Model. conv_plan accepts {_ACCEPTED}. "
                                 f"Received: {getattr(model_or_name, '__name__', model_or_name)}")
        return model
    raise InputTypeError(f"conv_plan accepts {_ACCEPTED}. "
                         f"Received: {type(model_or_name).__name__} {model_or_name!r:.80}")


def _input_row(model: keras.Model) -> dict[str, Any]:
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    shape = tuple(inputs[0].shape) if inputs and len(inputs) == 1 else ()
    fmt = next((_data_format(layer) for layer in model.layers if isinstance(layer, _WINDOWED)),
               "channels_last")
    h, w, c = _spatial(shape, fmt) if len(shape) == 4 else (None, None, None)
    if not all(isinstance(v, int) for v in (h, w, c)):
        raise InputValueError(
            f"conv_plan needs one image input of known size (batch, height, width, channels); "
            f"model {model.name!r} takes {[tuple(t.shape) for t in inputs or ()] or 'no input yet'}"
            ". Build it on keras.Input(shape=(height, width, channels)), or give input_shape= to "
            f"the factory. Received: {model.name!r}")
    name = inputs[0].name
    name = "input" if name.startswith("keras_tensor") else name
    return {**dict.fromkeys(PLAN_COLUMNS), "layer": name, "kind": "Input", "n_out": h,
            "w_out": w, "channels": c, "features": h * w * c, "params": 0,
            "formula": f"input {h}x{w}x{c}"}


def conv_plan(model_or_name: Any, /, **factory_keywords: Any) -> pd.DataFrame:
    """The size table of a CNN: ``floor((n + 2p - f) / s) + 1`` for every layer, written out.

    One row for the input, then one per layer that changes the spatial size (convolutions,
    pooling, padding and cropping layers, resizing), then the rows that turn the feature maps
    into features (``Flatten``, global pooling, ``Dense``). Layers that keep the size
    (``Rescaling``, batch normalisation, activations, dropout, augmentation) have no row;
    nested models (the augmentation block, a backbone) are walked through, their layers named
    ``outer/inner``.

    ``p`` is the padding per side as a course writes it: 0 for ``"valid"``, ``(f - 1) / 2`` for
    ``"same"`` (a half for even kernels: the total ``2p = f - 1`` is what counts). With it the
    formula gives ``ceil(n / s)``, which is what Keras computes for ``"same"``; the formula says
    so when ``s > 1``. Dilated kernels count as ``f = d * (f - 1) + 1``.

    Args:
        model_or_name: A built ``keras.Model`` (Sequential or functional) with a fixed input
            size, a registered image model's name (``"cnn"``, ``"lenet5"``, ``"vgg_small"``, a
            backbone) or a factory function returning a model.
        **factory_keywords: Keywords for the factory, e.g. ``input_shape=(28, 28, 1)``; the
            model is built with ``compile=False`` unless told otherwise.

    Returns:
        A ``pandas.DataFrame`` with the columns :data:`PLAN_COLUMNS`: ``layer`` (name),
        ``kind`` (class name), ``f`` (kernel or window), ``s`` (stride), ``p`` (padding per
        side; negative for cropping), ``n_in``/``n_out`` (height in and out: the course's ``n``),
        ``w_in``/``w_out`` (width), ``channels``, ``features`` (values per example after the
        layer), ``params`` (the layer's own weights) and ``formula``. ``f``, ``s`` and ``p`` are
        ``(height, width)`` pairs for non-square layers and the formula then gives both axes.

    Raises:
        ValueError: An unknown model name (with the closest one), a model that is not an image
            model, one without a fixed input size, or one without convolution or pooling layers.
        TypeError: Something other than a model, a name or a factory; factory keywords given
            with a built model.

    Example:
        >>> import keras_zoo as kz
        >>> plan = kz.zoo.conv_plan("lenet5", input_shape=(32, 32, 1), num_classes=10,
        ...                         padding="valid")
        >>> plan["n_out"].dropna().tolist()      # 32 -> 28 -> 14 -> 10 -> 5
        [32, 28, 14, 10, 5]
        >>> print(plan.loc[2, "formula"])
        (28 + 2*0 - 2) / 2 + 1 = 14
        >>> print(plan.loc[5, "formula"])       # 400 features for the dense layers
        5 * 5 * 16 = 400
    """
    model = _build(model_or_name, dict(factory_keywords))
    rows = [_input_row(model)]
    for layer in model.layers:
        if not isinstance(layer, keras.layers.InputLayer):
            rows += _layer_rows(layer, layer.name)
    if not any(row["f"] is not None for row in rows):
        raise InputValueError(
            f"conv_plan needs a model with convolution or pooling layers (Conv2D, "
            f"SeparableConv2D, DepthwiseConv2D, MaxPooling2D, AveragePooling2D, MinPooling2D); "
            f"model {model.name!r} has none. Received: "
            f"{[type(layer).__name__ for layer in model.layers]}")
    return pd.DataFrame({
        column: pd.Series([row[column] for row in rows],
                          dtype="Int64" if column in _INT_COLUMNS else
                          object if column in ("f", "s", "p") else None)
        for column in PLAN_COLUMNS})
