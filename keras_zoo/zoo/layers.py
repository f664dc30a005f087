"""Custom serializable layers and losses shared by the zoo's families.

Everything here is written with ``keras.ops`` only, so it runs on any Keras 3 backend, and is
registered under the ``keras_zoo`` package so that a saved ``.keras`` file reloads with
``keras.saving.load_model`` in safe mode once ``keras_zoo`` is imported.
"""

from __future__ import annotations

import keras
from keras import ops

from keras_zoo.base.errors import InputValueError

PACKAGE = "keras_zoo"


# === Losses ===

@keras.saving.register_keras_serializable(package=PACKAGE)
class PseudoHuber(keras.losses.Loss):
    """Pseudo-Huber loss: ``delta**2 * (sqrt(1 + (error / delta)**2) - 1)``.

    A smooth approximation of the Huber loss: quadratic for small errors, linear (slope ``delta``)
    for large ones, and differentiable everywhere. Keras has no built-in pseudo-Huber loss.

    Args:
        delta: Where the loss turns from quadratic to linear. Must be positive.

    Example:
        >>> loss = PseudoHuber(delta=1.0)
        >>> float(loss([0.0, 0.0], [0.0, 3.0]))  # doctest: +ELLIPSIS
        1.08...
    """

    def __init__(self, delta: float = 1.0, reduction="sum_over_batch_size", name="pseudo_huber",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not delta > 0:
            raise InputValueError(f"`delta` must be positive. Received: delta={delta!r}")
        self.delta = float(delta)

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        # Targets of shape (n,) against outputs of shape (n, 1), as Keras' own losses accept them:
        # without this the difference would broadcast to (n, n) and train every output towards
        # the batch mean.
        if len(y_true.shape) == len(y_pred.shape) - 1:
            y_true = ops.expand_dims(y_true, -1)
        elif len(y_pred.shape) == len(y_true.shape) - 1:
            y_pred = ops.expand_dims(y_pred, -1)
        delta = ops.cast(self.delta, y_pred.dtype)
        scaled = (y_pred - y_true) / delta
        return ops.mean(ops.square(delta) * (ops.sqrt(1.0 + ops.square(scaled)) - 1.0), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"delta": self.delta})
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class SparseCategoricalCrossentropyWithSmoothing(keras.losses.Loss):
    """Sparse categorical cross-entropy with label smoothing.

    Keras' ``SparseCategoricalCrossentropy`` has no ``label_smoothing``; this loss one-hot encodes
    the integer labels and applies the usual smoothing ``y * (1 - s) + s / num_classes``, so integer
    labels and label smoothing work together.

    Args:
        label_smoothing: Smoothing factor in ``[0, 1)``.
        from_logits: Whether predictions are logits rather than probabilities.
    """

    def __init__(self, label_smoothing: float = 0.0, from_logits: bool = False,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not 0.0 <= label_smoothing < 1.0:
            raise InputValueError(
                f"`label_smoothing` must be in [0, 1). Received: label_smoothing={label_smoothing!r}"
            )
        self.label_smoothing = float(label_smoothing)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        num_classes = ops.shape(y_pred)[-1]
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):
            y_true = ops.squeeze(y_true, axis=-1)
        one_hot = ops.one_hot(y_true, num_classes, dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(
            one_hot, y_pred, from_logits=self.from_logits, label_smoothing=self.label_smoothing
        )

    def get_config(self):
        config = super().get_config()
        config.update({"label_smoothing": self.label_smoothing, "from_logits": self.from_logits})
        return config


# === Image layers ===

_PAD_MODES = ("reflect", "symmetric", "edge", "constant")
_PAD_ALIASES = {"nearest": "edge", "replicate": "edge", "zero": "constant", "zeros": "constant",
                "reflection": "reflect"}


def canonical_pad_mode(mode: str) -> str:
    """``"reflect"``, ``"symmetric"``, ``"edge"`` (aliases ``"nearest"``, ``"replicate"``) or
    ``"constant"`` (aliases ``"zero"``, ``"zeros"``)."""
    key = mode.strip().lower() if isinstance(mode, str) else mode
    key = _PAD_ALIASES.get(key, key)
    if key not in _PAD_MODES:
        accepted = ", ".join(repr(m) for m in (*_PAD_MODES, *_PAD_ALIASES))
        raise InputValueError(f"`mode` must be one of {accepted}. Received: mode={mode!r}")
    return key


def _normalize_padding(padding) -> tuple[tuple[int, int], tuple[int, int]]:
    """``p``, ``(ph, pw)`` or ``((top, bottom), (left, right))`` -> the last form."""
    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    if is_int(padding):
        return (padding, padding), (padding, padding)
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(is_int(v) for v in padding):
            return (padding[0], padding[0]), (padding[1], padding[1])
        if all(isinstance(v, (tuple, list)) and len(v) == 2 and all(is_int(u) for u in v)
               for v in padding):
            return (int(padding[0][0]), int(padding[0][1])), (int(padding[1][0]),
                                                             int(padding[1][1]))
    raise InputValueError(
        "`padding` must be a non-negative int, (height_pad, width_pad) or "
        f"((top, bottom), (left, right)). Received: padding={padding!r}"
    )


def _source_indices(n, before: int, after: int, mode: str):
    """Indices into an axis of length ``n`` that produce its padded version (NumPy's modes)."""
    i = ops.arange(-before, n + after, dtype="int32")
    if mode == "edge":
        return ops.clip(i, 0, n - 1)
    if mode == "reflect":  # ... 2 1 | 0 1 2 ... n-1 | n-2 ...
        period = ops.maximum(2 * (n - 1), 1)
        j = ops.mod(ops.abs(i), period)
        return ops.where(j >= n, period - j, j)
    # symmetric: ... 1 0 | 0 1 2 ... n-1 | n-1 n-2 ...
    period = 2 * n
    j = ops.mod(ops.where(i < 0, -i - 1, i), period)
    return ops.where(j >= n, period - 1 - j, j)


def pad_images(images, padding, mode: str = "reflect", value: float = 0.0):
    """Pad a ``(batch, height, width, channels)`` tensor (``keras.ops`` only, any backend).

    ``mode`` follows NumPy's ``np.pad``: ``reflect`` mirrors without repeating the border pixel,
    ``symmetric`` mirrors including it, ``edge`` repeats the nearest pixel, ``constant`` fills
    with ``value``.
    """
    (top, bottom), (left, right) = _normalize_padding(padding)
    mode = canonical_pad_mode(mode)
    if mode == "constant":
        return ops.pad(images, [[0, 0], [top, bottom], [left, right], [0, 0]],
                       constant_values=value)
    shape = ops.shape(images)
    x = images
    if top or bottom:
        x = ops.take(x, _source_indices(shape[1], top, bottom, mode), axis=1)
    if left or right:
        x = ops.take(x, _source_indices(shape[2], left, right, mode), axis=2)
    return x


@keras.saving.register_keras_serializable(package=PACKAGE)
class Padding2D(keras.layers.Layer):
    """Pads images with reflection, symmetric, edge (nearest) or constant values.

    Keras only ships ``ZeroPadding2D``. Reflection and edge padding keep the border statistics
    of the image, so a convolution with ``"same"``-sized output sees no artificial dark frame.
    Written with ``keras.ops`` (index gathering), so it runs on every backend; the modes match
    NumPy's ``np.pad`` exactly, including pads larger than the image.

    Args:
        padding: ``p`` (all sides), ``(height_pad, width_pad)`` or
            ``((top, bottom), (left, right))``.
        mode: ``"reflect"`` (``d c b | a b c d | c b a``), ``"symmetric"``
            (``c b a | a b c d | d c b``), ``"edge"`` (alias ``"nearest"``: ``a a a | a b c d |
            d d d``) or ``"constant"`` (alias ``"zero"``).
        value: Fill value of ``"constant"`` mode.

    Input shape: ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> x = np.arange(3, dtype="float32").reshape(1, 1, 3, 1)
        >>> Padding2D((0, 2), mode="reflect")(x)[0, 0, :, 0].numpy().tolist()
        [2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]
    """

    def __init__(self, padding=1, mode: str = "reflect", value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.padding = _normalize_padding(padding)
        self.mode = canonical_pad_mode(mode)
        self.value = float(value)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def call(self, inputs):
        return pad_images(inputs, self.padding, self.mode, self.value)

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        h, w = input_shape[1], input_shape[2]
        return (input_shape[0], None if h is None else h + top + bottom,
                None if w is None else w + left + right, input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"padding": [list(p) for p in self.padding], "mode": self.mode,
                       "value": self.value})
        return config


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


# === Sequence layers ===

def _masked_softmax(scores, mask):
    """Softmax over the last axis (source positions), computed in float32; masked positions get
    weight 0. A row whose positions are all masked gets uniform weights rather than NaN."""
    scores = ops.cast(scores, "float32")
    if mask is not None:
        mask = ops.expand_dims(ops.cast(mask, "bool"), axis=-2)  # (batch, 1, source)
        scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
    return ops.softmax(scores, axis=-1)


def _check_attention_shapes(layer, query_shape, values_shape):
    if len(query_shape) != 3 or len(values_shape) != 3:
        raise InputValueError(
            f"{type(layer).__name__} takes a query (batch, target_steps, features) and values "
            f"(batch, source_steps, features). Received: query_shape={tuple(query_shape)}, "
            f"values_shape={tuple(values_shape)}"
        )
    if query_shape[-1] is None or values_shape[-1] is None:
        raise InputValueError(f"{type(layer).__name__} needs known feature sizes. Received: "
                         f"query_shape={tuple(query_shape)}, values_shape={tuple(values_shape)}")


class _SequenceAttention(keras.layers.Layer):
    """Shared call: scores -> masked softmax over the source -> weighted sum of the values.

    ``call(query, values, values_mask=None)`` returns ``(context, weights)``: ``context`` has shape
    ``(batch, target_steps, value_features)`` and ``weights`` ``(batch, target_steps,
    source_steps)``; each row of ``weights`` sums to 1 over the unmasked source positions.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = False

    def score(self, query, values):  # pragma: no cover - abstract
        raise NotImplementedError

    def call(self, query, values, values_mask=None):
        weights = _masked_softmax(self.score(query, values), values_mask)
        weights = ops.cast(weights, values.dtype)
        return ops.matmul(weights, values), weights

    def compute_output_shape(self, query_shape, values_shape):
        return ((query_shape[0], query_shape[1], values_shape[-1]),
                (query_shape[0], query_shape[1], values_shape[1]))


@keras.saving.register_keras_serializable(package=PACKAGE)
class BahdanauAttention(_SequenceAttention):
    """Additive (Bahdanau) attention: ``score(q, k) = v . tanh(W_q q + W_k k + b)``.

    Bahdanau, Cho & Bengio (2015). Keras' ``AdditiveAttention`` has no ``W_q``/``W_k``
    projections (it expects query and keys already projected); this layer learns them, so query
    and values may have different sizes.

    Args:
        units: Size of the hidden layer the score is computed in.

    Example:
        >>> import numpy as np
        >>> layer = BahdanauAttention(8)
        >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 6), "float32")
        >>> context, weights = layer(q, v)
        >>> tuple(context.shape), tuple(weights.shape)
        ((2, 3, 6), (2, 3, 5))
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise InputValueError(f"`units` must be a positive integer. Received: units={units!r}")
        self.units = units

    def build(self, query_shape, values_shape):
        _check_attention_shapes(self, query_shape, values_shape)
        self.query_kernel = self.add_weight(name="query_kernel", shape=(query_shape[-1], self.units),
                                            initializer="glorot_uniform")
        self.key_kernel = self.add_weight(name="key_kernel", shape=(values_shape[-1], self.units),
                                          initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.score_vector = self.add_weight(name="score_vector", shape=(self.units,),
                                            initializer="glorot_uniform")

    def score(self, query, values):
        q = ops.matmul(query, self.query_kernel)                        # (b, t, u)
        k = ops.matmul(values, self.key_kernel) + self.bias             # (b, s, u)
        hidden = ops.tanh(ops.expand_dims(q, 2) + ops.expand_dims(k, 1))  # (b, t, s, u)
        return ops.sum(hidden * self.score_vector, axis=-1)             # (b, t, s)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class LuongAttention(_SequenceAttention):
    """Multiplicative (Luong) attention: ``score(q, k) = q . k`` ("dot") or ``q . W k``
    ("general").

    Luong, Pham & Manning (2015). ``"dot"`` needs query and values of the same size and has no
    weights; ``"general"`` learns ``W``.

    Args:
        score: ``"general"`` (default) or ``"dot"``.
        scale: Divide the scores by ``sqrt(features)`` (as in scaled dot-product attention).

    Example:
        >>> import numpy as np
        >>> layer = LuongAttention("dot")
        >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
        >>> [tuple(t.shape) for t in layer(q, v)]
        [(2, 3, 4), (2, 3, 5)]
    """

    SCORES = ("general", "dot")

    def __init__(self, score: str = "general", scale: bool = False, **kwargs):
        super().__init__(**kwargs)
        if score not in self.SCORES:
            raise InputValueError(f"`score` must be one of 'general', 'dot'. Received: score={score!r}")
        self.score_mode = score
        self.scale = bool(scale)

    def build(self, query_shape, values_shape):
        _check_attention_shapes(self, query_shape, values_shape)
        if self.score_mode == "dot" and query_shape[-1] != values_shape[-1]:
            raise InputValueError(
                "Luong 'dot' attention needs query and values of the same size; use "
                f"score='general' otherwise. Received: query features {query_shape[-1]}, "
                f"values features {values_shape[-1]}"
            )
        if self.score_mode == "general":
            self.kernel = self.add_weight(name="kernel", shape=(values_shape[-1], query_shape[-1]),
                                          initializer="glorot_uniform")

    def score(self, query, values):
        keys = ops.matmul(values, self.kernel) if self.score_mode == "general" else values
        scores = ops.matmul(query, ops.transpose(keys, (0, 2, 1)))      # (b, t, s)
        if self.scale:
            scores = scores / ops.sqrt(ops.cast(ops.shape(query)[-1], scores.dtype))
        return scores

    def get_config(self):
        config = super().get_config()
        config.update({"score": self.score_mode, "scale": self.scale})
        return config
