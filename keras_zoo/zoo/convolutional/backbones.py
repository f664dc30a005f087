"""``keras.applications`` backbones (ResNet50, MobileNetV2, EfficientNetB0) with a new head.

One builder, :func:`application`, makes all three; each registered backbone is a variant of it
with the backbone fixed (MobileNetV2 also takes ``alpha``). Random weights by default;
``weights="imagenet"`` downloads only when asked, and a local weights file is accepted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras

from keras_zoo.base import check_fraction, keras_home, layer_sizes, normalize_name, set_seed
from keras_zoo.base.errors import InputFileError, InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo.blocks import dense_block
from keras_zoo.zoo.convolutional.augment import is_number
from keras_zoo.zoo.convolutional.checks import (
    canonical_readout,
    check_input_shape,
    check_pixel_max,
    resized_shape,
)
from keras_zoo.zoo.convolutional.network import input_layers
from keras_zoo.zoo.factory import CompileArgs, HeadArgs, model_factory, variant
from keras_zoo.zoo.heads import output_layer
from keras_zoo.zoo.layers import ImagenetPreprocessing
from keras_zoo.zoo.registry import register_model

__all__ = ["application", "efficientnet_b0", "mobilenet_v2", "resnet50"]


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


def _download_error(model: str, err: BaseException) -> InputFileError:
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


def _check_backbone(model: str, input_shape: Any, resize: Any, readout: str, alpha: float,
                    weights: Any) -> tuple[tuple[int, int, int], tuple[int, int, int], str]:
    """(raw shape, shape the backbone sees, readout), checked before anything is built."""
    spec = _BACKBONES[model]
    raw_shape = check_input_shape(input_shape, model)
    sized = resized_shape(raw_shape, resize)
    if min(sized[:2]) < spec.min_size:
        raise InputValueError(
            f"{model} needs images of at least {spec.min_size}x{spec.min_size} pixels (it "
            f"downsamples by 32); pass resize=({spec.min_size}, {spec.min_size}) or more (the "
            f"model then resizes its inputs), or use kz.zoo.cnn. Received: "
            f"input_shape={raw_shape}" + (f", resize={tuple(resize)}" if resize else ""))
    readout = canonical_readout(readout)
    if readout == "flatten":
        raise InputValueError(f"`readout` of {model} must be 'global_avg' or 'global_max'. "
                              f"Received: readout={readout!r}")
    if model == "mobilenet_v2":
        if not is_number(alpha) or not alpha > 0:
            raise InputValueError("`alpha` (the width multiplier) must be positive. "
                                  f"Received: alpha={alpha!r}")
        if alpha not in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4) and weights is not None:
            raise InputValueError("Pretrained MobileNetV2 weights exist for alpha in 0.35, 0.5, "
                                  f"0.75, 1.0, 1.3, 1.4. Received: alpha={alpha!r}")
    return raw_shape, sized, readout


def _build_backbone(model: str, weights: Any, input_shape: tuple[int, int, int],
                    alpha: float) -> keras.Model:
    extra = {"alpha": float(alpha)} if model == "mobilenet_v2" else {}
    try:
        return _BACKBONES[model].build(include_top=False, weights=weights,
                                       input_shape=input_shape, **extra)
    except Exception as err:  # Keras' download failure is a bare Exception
        if weights == "imagenet" and ("URL fetch failure" in str(err)
                                      or isinstance(err, OSError)):
            raise _download_error(model, err) from err
        raise


@model_factory(notes={
    "seed": "Seeds Python, NumPy and Keras before the weights are created, and the "
            "augmentation steps."})
def application(
    model: str,
    input_shape: tuple[int, int, int] | None = None,
    *,
    weights: str | os.PathLike[str] | None = None,
    alpha: float = 1.0,
    freeze_backbone: bool = False,
    readout: str = "global_avg",
    dense_units: Sequence[int] = (),
    dropout: float = 0.2,
    pixel_max: float | None = 255.0,
    augmentation: Mapping[str, Any] | Sequence[Any] | None = None,
    resize: tuple[int, int] | Sequence[int] | None = None,
    name: str | None = None,
    head_args: HeadArgs,
    compile_args: CompileArgs,
) -> keras.Model:
    """A ``keras.applications`` backbone with a new head (the registered backbones are its
    variants; see their docstrings)."""
    raw_shape, input_shape, readout = _check_backbone(model, input_shape, resize, readout,
                                                      alpha, weights)
    spec = _BACKBONES[model]
    pixel_max = check_pixel_max(pixel_max)
    check_fraction("dropout", dropout)
    dense_units = layer_sizes("dense_units", dense_units)
    resolved = _resolve_weights(weights, model, input_shape[2])
    head = head_args.resolve()
    front = input_layers(input_shape, pixel_max, augmentation, compile_args.seed, resize=resize)
    set_seed(compile_args.seed)

    inputs = keras.Input(shape=raw_shape, name="image")
    x = inputs
    for layer in front:
        x = layer(x)
    mode = spec.preprocessing if input_shape[2] == 3 or spec.preprocessing in ("tf", "none") \
        else "tf"
    x = ImagenetPreprocessing(mode, name="preprocess")(x)
    backbone = _build_backbone(model, resolved, input_shape, alpha)
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
    return compile_args.apply(keras.Model(inputs, x, name=normalize_name(name or model) or model),
                              head)


# The smallest images the backbones take; a frozen backbone keeps the zoo-wide test quick (no
# gradients or optimizer slots for 23M weights).
_APP_EXAMPLE = {"input_shape": (32, 32, 3), "num_classes": 3, "freeze_backbone": True}


def _doc(name: str, title: str, preprocessing: str, extra_args: str = "",
         example_kwargs: str = "") -> str:
    """The shared docstring of a backbone factory."""
    return f"""{title}

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


def _backbone(model: str, aliases: tuple[str, ...], doc: str, *, alpha: bool = False,
              example: dict[str, Any] | None = None):
    factory = variant(application, model, fixed={"model": model},
                      drop=() if alpha else ("alpha",), doc=doc, module=__name__)
    return register_model(family="cnn", aliases=aliases, input_kind="image",
                          example_kwargs=example or _APP_EXAMPLE)(factory)


resnet50 = _backbone("resnet50", ("resnet", "resnet_50"), _doc(
    "resnet50", "ResNet50 (He et al., 2015) backbone with a new head: residual blocks, 23.6M "
    "weights.", "``caffe``: RGB -> BGR, minus the ImageNet mean pixel"))

mobilenet_v2 = _backbone("mobilenet_v2", ("mobilenet", "mobilenetv2"), _doc(
    "mobilenet_v2", "MobileNetV2 (Sandler et al., 2018) backbone with a new head: inverted "
    "residuals, 2.3M weights at alpha=1.", "``tf``: pixels to [-1, 1]",
    "\n        alpha: Width multiplier (0.35 ... 1.4): fewer filters, faster, less accurate;"
    "\n            ImageNet weights exist for 0.35, 0.5, 0.75, 1.0, 1.3 and 1.4.", ", alpha=0.35"),
    alpha=True, example={**_APP_EXAMPLE, "alpha": 0.35})

efficientnet_b0 = _backbone("efficientnet_b0", ("efficientnet", "efficientnetb0"), _doc(
    "efficientnet_b0", "EfficientNetB0 (Tan & Le, 2019) backbone with a new head: "
    "compound-scaled MBConv blocks, 4.0M weights.",
    "``none``: the backbone rescales and normalises inside itself, so it gets pixels in "
    "[0, 255]"))
