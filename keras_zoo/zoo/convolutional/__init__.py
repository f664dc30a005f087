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

from keras_zoo.zoo.convolutional.augment import AUGMENTATION_STEPS, augmentation
from keras_zoo.zoo.convolutional.backbones import efficientnet_b0, mobilenet_v2, resnet50
from keras_zoo.zoo.convolutional.checks import PADDINGS, POOLINGS, READOUTS
from keras_zoo.zoo.convolutional.network import cnn
from keras_zoo.zoo.convolutional.plan import conv_plan
from keras_zoo.zoo.convolutional.presets import lenet5, vgg_small
from keras_zoo.zoo.convolutional.sizes import conv_output_size

__all__ = ["AUGMENTATION_STEPS", "PADDINGS", "POOLINGS", "READOUTS", "augmentation", "cnn",
           "conv_output_size", "conv_plan", "efficientnet_b0", "lenet5",
           "mobilenet_v2", "resnet50", "vgg_small"]
