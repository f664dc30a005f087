"""Image layers: min pooling, the padded random crop, relative Gaussian noise and the ImageNet
preprocessing of ``keras.applications`` backbones."""

from __future__ import annotations

import keras
from keras import ops

from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo.layers._package import PACKAGE
from keras_zoo.zoo.layers.padding import canonical_pad_mode, pad_images

__all__ = ["ImagenetPreprocessing", "MinPooling2D", "PaddedRandomCrop", "RandomGaussianNoise"]


@keras.saving.register_keras_serializable(package=PACKAGE)
class MinPooling2D(keras.layers.MaxPooling2D):
    """Min pooling: the smallest value of each window (``-max_pool(-x)``).

    Keras has max and average pooling only. Min pooling keeps dark strokes on a light
    background (the mirror image of max pooling). Same arguments, output shape and
    configuration as ``keras.layers.MaxPooling2D``; negation is exact, so the result equals a
    NumPy sliding-window minimum bit for bit.

    Args:
        pool_size: Window size, an int or ``(height, width)``.
        strides: Step between windows; ``None`` means ``pool_size``.
        padding: ``"valid"`` (no padding) or ``"same"`` (output ``ceil(n / stride)``; the
            padding never wins the minimum).

    Example:
        >>> import numpy as np
        >>> x = np.array([[1, 5], [3, 2]], "float32").reshape(1, 2, 2, 1)
        >>> float(MinPooling2D(2)(x)[0, 0, 0, 0])
        1.0
    """

    def call(self, inputs):
        return -super().call(-inputs)


@keras.saving.register_keras_serializable(package=PACKAGE)
class PaddedRandomCrop(keras.layers.Layer):
    """Augmentation: pad by ``padding`` pixels, then crop a random window of the input's size.

    The classic CIFAR recipe ("pad 4, random crop 32"): every image is shifted by up to
    ``padding`` pixels in each direction, independently per image, and keeps its size. Active
    in training only; at inference the layer returns its input unchanged (Keras'
    ``RandomCrop`` instead changes the image size and crops one window for the whole batch).

    Args:
        padding: Pixels added on every side before cropping (an int >= 1).
        mode: How the border is filled: ``"constant"`` (zeros, the classic recipe),
            ``"reflect"``, ``"symmetric"`` or ``"edge"``.
        seed: Seed of the random offsets.
    """

    def __init__(self, padding: int = 4, mode: str = "constant", seed: int | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(padding, int) or isinstance(padding, bool) or padding < 1:
            raise InputValueError("`padding` (pixels added before the random crop) must be an int "
                             f">= 1. Received: padding={padding!r}")
        self.padding = padding
        self.mode = canonical_pad_mode(mode)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        p = self.padding
        shape = ops.shape(inputs)
        padded = pad_images(inputs, p, self.mode)
        offsets = keras.random.randint((shape[0], 2), 0, 2 * p + 1, dtype="int32",
                                       seed=self.seed_generator)
        rows = offsets[:, :1] + ops.arange(shape[1], dtype="int32")[None, :]
        cropped = ops.take_along_axis(padded, rows[:, :, None, None], axis=1)
        cols = offsets[:, 1:] + ops.arange(shape[2], dtype="int32")[None, :]
        return ops.take_along_axis(cropped, cols[:, None, :, None], axis=2)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "mode": self.mode, "seed": self.seed})
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class RandomGaussianNoise(keras.layers.Layer):
    """Augmentation: Gaussian noise with a standard deviation relative to the pixel range.

    ``stddev=0.05`` adds noise of 5% of ``value_range`` (12.75 on raw 0-255 pixels, 0.05 on
    scaled ones), so one setting means the same thing before and after scaling; Keras'
    ``GaussianNoise`` takes an absolute standard deviation of at most 1. Active in training
    only; at inference the layer returns its input unchanged.

    Args:
        stddev: Standard deviation as a fraction of the range, in ``(0, 1]``.
        value_range: ``(low, high)`` of the images the layer receives.
        seed: Seed of the noise.
    """

    def __init__(self, stddev: float = 0.05, value_range=(0.0, 255.0), seed: int | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(stddev, (int, float)) or isinstance(stddev, bool) \
                or not 0 < stddev <= 1:
            raise InputValueError("`stddev` (a fraction of the value range) must be in (0, 1]. "
                             f"Received: stddev={stddev!r}")
        self.stddev = float(stddev)
        self.value_range = (float(value_range[0]), float(value_range[1]))
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        x = ops.cast(inputs, self.compute_dtype)
        scale = self.stddev * (self.value_range[1] - self.value_range[0])
        return x + keras.random.normal(ops.shape(x), stddev=scale, dtype=x.dtype,
                                       seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "value_range": list(self.value_range),
                       "seed": self.seed})
        return config


_IMAGENET_MODES = ("caffe", "tf", "torch", "none")


@keras.saving.register_keras_serializable(package=PACKAGE)
class ImagenetPreprocessing(keras.layers.Layer):
    """The input preprocessing of a ``keras.applications`` backbone, as a layer.

    Takes images scaled to ``[0, 1]`` (the zoo's models min-max scale raw pixels first) and
    returns what the backbone's ``preprocess_input`` returns for the same images in
    ``[0, 255]``, so pretrained weights see the inputs they were trained on and a saved model
    takes raw pixels (no Lambda layer, no preprocessing step to forget).

    Args:
        mode: ``"caffe"`` (RGB -> BGR, minus the ImageNet mean pixel; ResNet50),
            ``"tf"`` (to ``[-1, 1]``; MobileNetV2), ``"torch"`` (ImageNet mean and standard
            deviation per channel) or ``"none"`` (back to ``[0, 255]``; EfficientNet
            normalises inside itself).
    """

    _MEAN_BGR = (103.939, 116.779, 123.68)
    _MEAN_RGB = (0.485, 0.456, 0.406)
    _STD_RGB = (0.229, 0.224, 0.225)

    def __init__(self, mode: str = "caffe", **kwargs):
        super().__init__(**kwargs)
        if mode not in _IMAGENET_MODES:
            raise InputValueError(f"`mode` must be one of {', '.join(map(repr, _IMAGENET_MODES))}. "
                             f"Received: mode={mode!r}")
        self.mode = mode

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        if self.mode == "tf":
            return x * 2.0 - 1.0
        if self.mode == "torch":
            return (x - ops.array(self._MEAN_RGB, x.dtype)) / ops.array(self._STD_RGB, x.dtype)
        x = x * 255.0
        if self.mode == "caffe":
            return ops.flip(x, axis=-1) - ops.array(self._MEAN_BGR, x.dtype)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode})
        return config
