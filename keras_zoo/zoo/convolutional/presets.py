"""Classic CNN presets: LeNet-5 and a small VGG, as variants of :func:`cnn`.

Each preset is ``cnn`` with a few keywords fixed and its own defaults (see
:func:`keras_zoo.zoo.factory.variant`): the signature lists exactly what it accepts, so every
keyword stays a tuning axis.
"""

from __future__ import annotations

from keras_zoo.zoo.convolutional.network import cnn
from keras_zoo.zoo.factory import variant
from keras_zoo.zoo.registry import register_model

__all__ = ["lenet5", "vgg_small"]

lenet5 = register_model(
    family="cnn", aliases=("lenet", "le_net5", "le_net_5"), input_kind="image",
    example_kwargs={"input_shape": (28, 28, 1), "num_classes": 3},
)(variant(
    cnn, "lenet5",
    fixed={"filters": (6, 16), "kernel_size": 5, "pool_size": 2, "readout": "flatten"},
    defaults={"activation": "tanh", "padding": ("same", "valid"), "pooling": "avg",
              "dense_units": (120, 84)},
    drop=("convs_per_block", "strides", "dropout", "pool_strides", "l1"),
    doc="""LeNet-5 (LeCun et al., 1998): two 5x5 conv layers with subsampling, then 120-84 dense.

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
        Others: see :func:`cnn`; ``filters=(6, 16)``, ``kernel_size=5``, ``pool_size=2`` and
            ``readout='flatten'`` are fixed.

    Example:
        >>> import keras_zoo as kz
        >>> kz.zoo.lenet5(input_shape=(28, 28, 1), num_classes=10).count_params()
        61706
    """,
))

vgg_small = register_model(
    family="cnn", aliases=("vgg", "small_vgg", "mini_vgg"), input_kind="image",
    example_kwargs={"input_shape": (8, 8, 1), "num_classes": 3, "filters": (4, 8),
                    "dense_units": (8,)},
)(variant(
    cnn, "vgg_small",
    fixed={"pool_size": 2},
    defaults={"filters": (32, 64, 128), "convs_per_block": 2, "batch_norm": True,
              "dense_units": (128,), "dense_dropout": 0.5},
    drop=("strides", "pool_strides", "l1"),
    doc="""A small VGG-style network: blocks of two 3x3 'same' convolutions and 2x2 max pooling.

    VGG's recipe (Simonyan & Zisserman, 2014) at a size that trains on a CPU: filters double
    per block (32, 64, 128), stacked 3x3 convolutions (two see a 5x5 window with fewer weights
    and one more non-linearity), batch normalisation, and dropout 0.5 before the output as in
    VGG's dense layers. Three blocks halve 32x32 images to 4x4 (8x8 digits to 1x1).

    Args:
        filters: Filters per block, ``(32, 64, 128)``.
        convs_per_block: ``2``.
        dropout: Dropout after each block (0.25 is a common choice with little data).
        dense_units, dense_dropout: ``(128,)`` and ``0.5``.
        Others: see :func:`cnn`; ``pool_size=2`` is fixed.

    Example:
        >>> import keras_zoo as kz
        >>> kz.zoo.vgg_small(input_shape=(32, 32, 3), num_classes=10).output_shape
        (None, 10)
    """,
))
