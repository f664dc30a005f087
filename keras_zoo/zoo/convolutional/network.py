"""``cnn(...)``: the general convolutional factory and its building blocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras

from keras_zoo.base import check_fraction, layer_sizes, normalize_name, positive_int, set_seed
from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo.blocks import dense_block, regularizer
from keras_zoo.zoo.convolutional.augment import augmentation as augmentation_block
from keras_zoo.zoo.convolutional.checks import (
    canonical_padding,
    canonical_pooling,
    canonical_readout,
    check_input_shape,
    check_pixel_max,
    per_block,
    resized_shape,
)
from keras_zoo.zoo.convolutional.sizes import plan_sizes
from keras_zoo.zoo.factory import CompileArgs, HeadArgs, model_factory
from keras_zoo.zoo.heads import output_layer
from keras_zoo.zoo.layers import MinPooling2D, PaddedRandomCrop, Padding2D, canonical_pad_mode
from keras_zoo.zoo.registry import register_model

__all__ = ["cnn", "input_layers"]


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


def input_layers(input_shape: tuple[int, int, int], pixel_max: float | None, aug: Any,
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
        block = aug if isinstance(aug, keras.Sequential) else augmentation_block(
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


@register_model(family="cnn", aliases=("convnet", "conv_net"), input_kind="image",
                example_kwargs={"input_shape": (8, 8, 1), "num_classes": 3, "filters": (4,),
                                "dense_units": (8,), "padding": "reflect", "pooling": "min",
                                "augmentation": {"flip": "horizontal", "crop": 1}})
@model_factory(notes={
    "seed": "Seeds Python, NumPy and Keras before the weights are created, and the "
            "augmentation steps.",
    "jit_compile": "XLA; ``\"auto\"`` is off on CPU-only machines, where it made these CNNs "
                   "1.8-2.5x slower (``benchmarks/bench_cnn.py``)."})
def cnn(
    input_shape: tuple[int, int, int] | None = None,
    *,
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
    name: str = "cnn",
    head_args: HeadArgs,
    compile_args: CompileArgs,
) -> keras.Sequential:
    """A convolutional network for images (a compiled ``keras.Sequential``).

    Args:
        input_shape: ``(height, width, channels)`` of one image.
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
    input_shape = check_input_shape(input_shape, normalize_name(name) or "cnn")
    filters = layer_sizes("filters", filters)
    if not filters:
        raise InputValueError("`filters` needs at least one conv block, e.g. (32, 64). "
                         f"Received: filters={filters!r}")
    n = len(filters)
    blocks = []
    for i, (f, convs, k, s, pad, pool, psize, pstride, rate) in enumerate(zip(
            filters, per_block("convs_per_block", convs_per_block, n),
            per_block("kernel_size", kernel_size, n), per_block("strides", strides, n),
            per_block("padding", padding, n), per_block("pooling", pooling, n),
            per_block("pool_size", pool_size, n), per_block("pool_strides", pool_strides, n),
            per_block("dropout", dropout, n)), start=1):
        psize = positive_int("pool_size", psize)
        blocks.append({
            "filters": positive_int("filters", f), "convs": positive_int("convs_per_block", convs),
            "kernel_size": positive_int("kernel_size", k), "strides": positive_int("strides", s),
            "padding": canonical_padding(pad), "pooling": canonical_pooling(pool),
            "pool_size": psize,
            "pool_strides": psize if pstride is None else positive_int("pool_strides", pstride),
            "dropout": check_fraction("dropout", rate),
        })
    readout = canonical_readout(readout)
    pixel_max = check_pixel_max(pixel_max)
    dense_units = layer_sizes("dense_units", dense_units)
    dense_dropouts = dense_dropout if isinstance(dense_dropout, (list, tuple)) else \
        [dense_dropout] * len(dense_units)
    if len(dense_dropouts) != len(dense_units):
        raise InputValueError(f"`dense_dropout` has {len(dense_dropouts)} values for "
                         f"{len(dense_units)} dense layers; give one value or one per layer. "
                         f"Received: dense_dropout={dense_dropout!r}")
    catalog.canonical_activation(activation)  # unknown names fail before anything is built
    head = head_args.resolve()
    sized = resized_shape(input_shape, resize)
    plan_sizes(sized, blocks, f"input_shape={tuple(input_shape)}"
                + (f", resize={sized[:2]}" if resize is not None else ""))
    regularizer(l1, l2)
    aug_layers = input_layers(sized, pixel_max, augmentation, compile_args.seed, resize)  # validates steps
    set_seed(compile_args.seed)

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
    return compile_args.apply(model, head)
