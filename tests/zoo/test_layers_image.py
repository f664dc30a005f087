"""Image layers: padding and min pooling against NumPy, the random crop, ImageNet preprocessing,
relative noise; every layer's config round trip (tests/case.py) and a saved model with all of them."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_zoo.zoo.layers import (
    ImagenetPreprocessing,
    MinPooling2D,
    PaddedRandomCrop,
    Padding2D,
    RandomGaussianNoise,
    pad_images,
)
from tests.case import run_model_saving_test, run_serialization_test, to_numpy

RNG = np.random.default_rng(0)
IMAGES = RNG.normal(size=(2, 5, 4, 3)).astype("float32")


def _in_training(layer, x):
    return layer(x, training=True)


# === Padding2D ===

@pytest.mark.every_backend
@pytest.mark.parametrize("mode", ["reflect", "symmetric", "edge", "constant"])
@pytest.mark.parametrize("padding", [1, (2, 3), ((0, 4), (7, 1)), 9])
def test_padding_equals_numpy_exactly(mode, padding):
    layer = Padding2D(padding, mode=mode)
    (top, bottom), (left, right) = layer.padding
    expected = np.pad(IMAGES, ((0, 0), (top, bottom), (left, right), (0, 0)), mode=mode)
    out = to_numpy(layer(IMAGES))
    assert out.shape == expected.shape == layer.compute_output_shape(IMAGES.shape)
    np.testing.assert_array_equal(out, expected)  # exact, pads larger than the image included


@pytest.mark.every_backend
@pytest.mark.parametrize("mode", ["reflect", "symmetric", "edge"])
def test_padding_a_one_pixel_image(mode):
    x = RNG.normal(size=(1, 1, 1, 2)).astype("float32")
    np.testing.assert_array_equal(to_numpy(Padding2D(3, mode=mode)(x)),
                                  np.pad(x, ((0, 0), (3, 3), (3, 3), (0, 0)), mode=mode))


@pytest.mark.every_backend
def test_padding_aliases_config_and_symbolic_shapes():
    assert Padding2D(1, mode="nearest").mode == "edge"
    assert Padding2D(1, mode="zero").mode == "constant"
    layer = run_serialization_test(Padding2D(((1, 2), (0, 3)), mode="reflect", value=0.0),
                                   IMAGES)
    assert isinstance(layer, Padding2D) and layer.padding == ((1, 2), (0, 3))
    assert layer.mode == "reflect"
    inputs = keras.Input((None, 6, 3))
    assert layer(inputs).shape == (None, None, 9, 3)
    constant = Padding2D(1, mode="constant", value=-1.0)
    assert float(np.asarray(constant(IMAGES))[0, 0, 0, 0]) == -1.0
    x = np.arange(3, dtype="float32").reshape(1, 1, 3, 1)
    assert to_numpy(pad_images(x, (0, 2), "reflect"))[0, 0, :, 0].tolist() == [
        2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]


def test_padding_errors():
    with pytest.raises(ValueError, match=r"`mode` must be one of .*Received: mode='wrap'"):
        Padding2D(1, mode="wrap")
    with pytest.raises(ValueError, match=r"non-negative int.*Received: padding=-1"):
        Padding2D(-1)
    with pytest.raises(ValueError, match=r"Received: padding=\(1, 2, 3\)"):
        Padding2D((1, 2, 3))


# === MinPooling2D ===

def _numpy_min_pool(x, k, s, padding):
    n, h, w, c = x.shape
    if padding == "same":
        oh, ow = -(-h // s), -(-w // s)
        ph, pw = max((oh - 1) * s + k - h, 0), max((ow - 1) * s + k - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)),
                   constant_values=np.inf)
    else:
        oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.empty((n, oh, ow, c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = x[:, i * s:i * s + k, j * s:j * s + k].min(axis=(1, 2))
    return out


@pytest.mark.every_backend
@pytest.mark.parametrize("k,s,padding", [(2, 2, "valid"), (3, 1, "valid"), (3, 2, "valid"),
                                         (2, 1, "same"), (3, 2, "same")])
def test_min_pooling_equals_numpy_exactly(k, s, padding):
    x = RNG.normal(size=(2, 7, 6, 3)).astype("float32")
    layer = MinPooling2D(pool_size=k, strides=s, padding=padding)
    out = to_numpy(layer(x))
    expected = _numpy_min_pool(x, k, s, padding)
    assert out.shape == expected.shape == tuple(layer.compute_output_shape(x.shape))
    np.testing.assert_array_equal(out, expected)


@pytest.mark.every_backend
def test_min_pooling_is_the_mirror_of_max_pooling_and_round_trips():
    x = RNG.normal(size=(1, 4, 4, 2)).astype("float32")
    np.testing.assert_array_equal(to_numpy(MinPooling2D(2)(x)),
                                  -np.asarray(keras.layers.MaxPooling2D(2)(-x)))
    layer = run_serialization_test(MinPooling2D(pool_size=3, strides=1, padding="same"), x)
    assert isinstance(layer, MinPooling2D)
    assert (layer.pool_size, layer.strides, layer.padding) == ((3, 3), (1, 1), "same")


# === PaddedRandomCrop ===

@pytest.mark.every_backend
def test_random_crop_shifts_each_image_in_training_only():
    x = RNG.uniform(size=(16, 6, 5, 2)).astype("float32")
    layer = PaddedRandomCrop(2, mode="reflect", seed=3)
    np.testing.assert_array_equal(to_numpy(layer(x, training=False)), x)
    out = to_numpy(layer(x, training=True))
    assert out.shape == x.shape
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect")
    offsets = []
    for i in range(len(x)):  # every output is one window of its own padded image
        hits = [(a, b) for a in range(5) for b in range(5)
                if np.array_equal(out[i], padded[i, a:a + 6, b:b + 5])]
        assert hits, f"image {i} is not a crop of its padded version"
        offsets.append(hits[0])
    assert len(set(offsets)) > 1  # offsets are drawn per image, not per batch
    assert not np.array_equal(out, x)


@pytest.mark.every_backend
def test_random_crop_is_seeded_and_round_trips():
    x = RNG.uniform(size=(4, 6, 6, 1)).astype("float32")
    a = to_numpy(PaddedRandomCrop(1, seed=7)(x, training=True))
    b = to_numpy(PaddedRandomCrop(1, seed=7)(x, training=True))
    np.testing.assert_array_equal(a, b)
    layer = run_serialization_test(PaddedRandomCrop(3, mode="edge", seed=1), x,
                                   call=_in_training)  # the same seed crops the same windows
    assert (layer.padding, layer.mode, layer.seed) == (3, "edge", 1)
    with pytest.raises(ValueError, match=r"an int >= 1\. Received: padding=0"):
        PaddedRandomCrop(0)
    with pytest.raises(ValueError, match=r"Received: padding=0\.1"):
        PaddedRandomCrop(0.1)


# === ImagenetPreprocessing ===

@pytest.mark.every_backend
@pytest.mark.parametrize("mode,reference", [
    ("caffe", keras.applications.resnet50.preprocess_input),
    ("tf", keras.applications.mobilenet_v2.preprocess_input),
    ("torch", lambda x: keras.applications.imagenet_utils.preprocess_input(x, mode="torch")),
    ("none", keras.applications.efficientnet.preprocess_input),
])
def test_imagenet_preprocessing_matches_keras_preprocess_input(mode, reference):
    pixels = RNG.integers(0, 256, size=(2, 4, 4, 3)).astype("float32")
    out = np.asarray(ImagenetPreprocessing(mode)(pixels / 255.0))
    np.testing.assert_allclose(out, reference(pixels.copy()), rtol=1e-5, atol=1e-3)
    assert run_serialization_test(ImagenetPreprocessing(mode), pixels / 255.0).mode == mode


def test_imagenet_preprocessing_rejects_unknown_modes():
    with pytest.raises(ValueError, match=r"Received: mode='caffee'"):
        ImagenetPreprocessing("caffee")


# === RandomGaussianNoise ===

@pytest.mark.every_backend
def test_noise_is_relative_to_the_value_range_and_training_only():
    x = np.full((4, 32, 32, 1), 100.0, "float32")
    raw = RandomGaussianNoise(0.1, value_range=(0, 255), seed=0)
    np.testing.assert_array_equal(to_numpy(raw(x, training=False)), x)
    assert np.std(to_numpy(raw(x, training=True))) == pytest.approx(25.5, rel=0.05)
    unit = RandomGaussianNoise(0.1, value_range=(0, 1), seed=0)
    assert np.std(to_numpy(unit(x / 255.0, training=True))) == pytest.approx(0.1, rel=0.05)
    layer = run_serialization_test(RandomGaussianNoise(0.2, value_range=(0, 1), seed=4),
                                   x / 255.0, call=_in_training)
    assert (layer.stddev, layer.value_range, layer.seed) == (0.2, (0.0, 1.0), 4)
    with pytest.raises(ValueError, match=r"in \(0, 1\]\. Received: stddev=1\.5"):
        RandomGaussianNoise(1.5)


# === Saving ===

@pytest.mark.every_backend
def test_a_model_with_every_image_layer_saves_and_reloads(tmp_path):
    inputs = keras.Input((8, 8, 3))
    x = RandomGaussianNoise(0.1, value_range=(0, 1), seed=0)(inputs)
    x = PaddedRandomCrop(2, mode="reflect", seed=0)(x)
    x = ImagenetPreprocessing("torch")(x)
    x = Padding2D(1, mode="symmetric")(x)
    x = MinPooling2D(2)(x)
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3)(x), name="image_layers")
    reloaded = run_model_saving_test(model, RNG.uniform(size=(2, 8, 8, 3)).astype("float32"),
                                     tmp_path)
    assert [type(layer) for layer in reloaded.layers] == [type(layer) for layer in model.layers]
