"""The CNN family: sizes, padding x pooling x strides, learning, augmentation, presets, errors."""

from __future__ import annotations

import math
import os
import socket

import keras
import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo import zoo
from keras_zoo.zoo.layers import ImagenetPreprocessing, MinPooling2D, PaddedRandomCrop, Padding2D
from tests.case import to_numpy


@pytest.fixture(scope="module")
def digits():
    return kz.load("digits", as_images=True, seed=0)


def _images(n=6, shape=(8, 8, 1), high=16.0, seed=0):
    return np.random.default_rng(seed).uniform(0, high, size=(n, *shape)).astype("float32")


# === Sizes: (n + 2p - f) / s + 1 ===

def _expected_size(n, f, padding, s):
    two_p = 0 if padding == "valid" else f - 1  # "same"-sized modes pad f - 1 in total
    return math.floor((n + two_p - f) / s) + 1


@pytest.mark.every_backend
@pytest.mark.parametrize("padding", ["valid", "same", "reflect", "symmetric", "edge"])
def test_every_padding_pooling_stride_combination_follows_the_formula(padding):
    shape = (45, 38, 2)
    x = _images(2, shape, high=255.0)
    for pooling in ("max", "avg", "min", None):
        for strides in (1, 2):
            for kernel in ((3, 4) if strides == 1 else (4,)):  # odd and even kernels
                model = zoo.cnn(shape, num_classes=3, filters=(3, 4), kernel_size=kernel,
                                strides=strides, padding=padding, pooling=pooling,
                                dense_units=(), compile=False)
                h, w = shape[:2]
                for block in (1, 2):
                    h, w = (_expected_size(h, kernel, padding, strides),
                            _expected_size(w, kernel, padding, strides))
                    conv = model.get_layer(f"block{block}_conv1")
                    assert conv.output.shape[1:3] == (h, w), (padding, pooling, strides, kernel)
                    if pooling is not None:
                        h, w = _expected_size(h, 2, "valid", 2), _expected_size(w, 2, "valid", 2)
                        assert model.get_layer(f"block{block}_pool").output.shape[1:3] == (h, w)
                assert model.get_layer("flatten").output.shape[-1] == h * w * 4
                # The static shapes are the real ones.
                assert to_numpy(model(x)).shape == (2, 3)
                kinds = {type(layer) for layer in model.layers}
                assert (Padding2D in kinds) == (padding in ("reflect", "symmetric", "edge"))
                assert (MinPooling2D in kinds) == (pooling == "min")


def test_padding_aliases():
    zero = zoo.cnn((8, 8, 1), num_classes=3, padding="zero", compile=False)
    assert zero.get_layer("block1_conv1").padding == "same"
    assert not any(isinstance(layer, Padding2D) for layer in zero.layers)
    nearest = zoo.cnn((8, 8, 1), num_classes=3, padding="Nearest", compile=False)
    assert nearest.get_layer("block1_pad1").mode == "edge"
    assert nearest.get_layer("block1_conv1").padding == "valid"


def test_conv_output_size_helper():
    assert zoo.conv_output_size(28, 5) == 24
    assert zoo.conv_output_size(32, 3, padding=1, strides=2) == 16
    assert zoo.conv_output_size(7, 3, padding=0, strides=2) == 3


@pytest.mark.parametrize("kwargs,needle", [
    ({"input_shape": (8, 8, 1), "filters": (4, 4, 4, 4)},
     (r"Block 4 \(max pooling: pool_size=2, pool_strides=2\) would shrink the 1x1 feature map "
     r"below 1 pixel: \(n \+ 2p - f\) / s \+ 1 = \(1 \+ 0 - 2\) / 2 \+ 1 = 0\.5.*"
     r"Received: input_shape=\(8, 8, 1\)")),
    ({"input_shape": (4, 6, 1), "filters": (4,), "kernel_size": 5, "padding": "valid"},
     (r"Block 1 \(convolution 1: kernel_size=5, strides=1, padding='valid'\) would shrink the "
     r"4x6 feature map")),
    ({"input_shape": (8, 8, 1), "filters": (4, 4), "kernel_size": (3, 7), "padding": "valid",
      "pooling": None}, r"Block 2 \(convolution 1: kernel_size=7"),
])
def test_shrinking_below_one_pixel_names_the_block_and_sizes(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        zoo.cnn(num_classes=3, **kwargs)


def test_lenet5_on_tiny_images_fails_before_building():
    with pytest.raises(ValueError, match=r"Block 2 .* 4x4 feature map.*resize=\(height, width\)"):
        zoo.lenet5((8, 8, 1), num_classes=10)
    with pytest.raises(ValueError, match=r"Received: input_shape=\(8, 8, 1\), resize=\(10, 10\)"):
        zoo.lenet5((8, 8, 1), num_classes=10, resize=(10, 10))


@pytest.mark.parametrize("resize", [(32, 33, 1), (0, 32), "32x32", (32.0, 32)])
def test_resize_must_be_two_positive_integers(resize):
    with pytest.raises(ValueError, match="`resize` must be \\(height, width\\)"):
        zoo.cnn((8, 8, 1), num_classes=3, resize=resize)


@pytest.mark.every_backend
def test_resize_lets_lenet5_learn_8x8_digits_and_reloads(digits, tmp_path):
    """The model takes the raw 8x8 images and works at 28x28 (MNIST's size, LeNet-5's 400
    features)."""
    model = zoo.lenet5(**digits.model_kwargs(zoo.lenet5), resize=(28, 28), activation="relu",
                       seed=0)
    assert model.input_shape == (None, 8, 8, 1)
    assert model.layers[0].name == "resize" and model.layers[1].name == "rescale"
    assert model.get_layer("flatten").output.shape[-1] == 5 * 5 * 16  # as in the paper
    zoo.fit(model, digits.x_train, digits.y_train, validation_data=(digits.x_val, digits.y_val),
            epochs=25, early_stopping=5, seed=0)
    assert model.evaluate(digits.x_test, digits.y_test, verbose=0,
                          return_dict=True)["accuracy"] >= 0.95
    path = tmp_path / "lenet5.keras"
    model.save(path)
    np.testing.assert_allclose(keras.saving.load_model(path).predict(digits.x_test, verbose=0),
                               model.predict(digits.x_test, verbose=0), atol=1e-5)


@pytest.mark.every_backend
def test_resize_lets_a_backbone_take_small_images():
    model = zoo.mobilenet_v2((8, 8, 3), num_classes=3, resize=32, alpha=0.35,
                             freeze_backbone=True, compile=False)
    assert model.input_shape == (None, 8, 8, 3) and model.output_shape == (None, 3)
    assert model.get_layer("resize").output.shape[1:3] == (32, 32)
    with pytest.raises(ValueError, match=r"resize=\(32, 32\) or more.*resize=\(16, 16\)"):
        zoo.resnet50((8, 8, 3), num_classes=3, resize=(16, 16))


# === Learning ===

@pytest.mark.every_backend
def test_learns_digits_images(digits):
    model = zoo.cnn(**digits.model_kwargs(zoo.cnn), seed=0)
    assert model.layers[0].name == "rescale"
    assert model.layers[0].scale == pytest.approx(1 / 16)
    zoo.fit(model, digits.x_train, digits.y_train, validation_data=(digits.x_val, digits.y_val),
            epochs=40, early_stopping=8, seed=0)
    metrics = model.evaluate(digits.x_test, digits.y_test, verbose=0, return_dict=True)
    assert metrics["accuracy"] >= 0.95


@pytest.mark.every_backend
def test_augmented_model_trains_with_zoo_fit_and_model_fit(digits):
    kwargs = dict(digits.model_kwargs(zoo.cnn), filters=(16, 32), seed=0,
                  augmentation={"rotation": 0.05, "crop": 1, "noise": 0.02})
    model = zoo.cnn(**kwargs)
    history = zoo.fit(model, digits.x_train, digits.y_train,
                      validation_data=(digits.x_val, digits.y_val), epochs=6,
                      early_stopping=False, seed=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert history.history["val_accuracy"][-1] >= 0.7  # chance is 0.1
    x = digits.x_test[:16]
    inference = [to_numpy(model(x, training=False)) for _ in range(2)]
    np.testing.assert_array_equal(*inference)
    plain = zoo.cnn(**kwargs)
    history = plain.fit(digits.x_train, digits.y_train, epochs=3, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]


@pytest.mark.every_backend
def test_trains_on_a_tf_data_pipeline_of_uint8_images():
    x = np.random.default_rng(0).integers(0, 256, size=(64, 8, 8, 1)).astype("uint8")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype("int32")
    data = kz.datasets.from_images(x, y, seed=0)
    model = zoo.cnn(**data.model_kwargs(zoo.cnn), filters=(8,), dense_units=(), seed=0,
                    learning_rate=0.01)
    assert model.output_shape == (None, 1)  # binary: one sigmoid unit
    history = model.fit(data.pipeline("train", batch_size=16, seed=0), epochs=15, verbose=0,
                        shuffle=False)  # the pipeline shuffles
    assert history.history["loss"][-1] < history.history["loss"][0]


# === Augmentation ===

STEPS = {"flip": "horizontal", "rotation": 0.2, "zoom": 0.3, "translation": 0.3, "crop": 2,
         "contrast": 0.5, "brightness": 0.5, "noise": 0.1, "blur": 1.0}


@pytest.mark.every_backend
@pytest.mark.parametrize("step", list(STEPS))
def test_each_step_changes_images_in_training_and_not_in_inference(step):
    x = np.random.default_rng(1).uniform(0, 255, size=(8, 12, 12, 3)).astype("float32")
    block = zoo.augmentation({step: STEPS[step]}, seed=0)
    np.testing.assert_array_equal(to_numpy(block(x, training=False)), x)
    out = to_numpy(block(x, training=True))
    assert out.shape == x.shape
    assert not np.allclose(out, x)


@pytest.mark.every_backend
def test_augmentation_forms_seeds_and_value_range():
    as_dict = zoo.augmentation({"flip": "horizontal", "rotation": 0.1})
    as_list = zoo.augmentation(["flip", ("rotation", 0.1)])
    as_kwargs = zoo.augmentation(flip="horizontal", rotation=0.1)
    names = [type(layer).__name__ for layer in as_dict.layers]
    assert names == ["RandomFlip", "RandomRotation"]
    assert [type(layer).__name__ for layer in as_list.layers] == names
    assert [type(layer).__name__ for layer in as_kwargs.layers] == names
    detailed = zoo.augmentation([{"name": "rotation", "factor": 0.2, "fill_mode": "constant"},
                                 {"blur": {"factor": 0.5, "sigma": 0.8}},
                                 keras.layers.RandomInvert()])
    assert detailed.layers[0].fill_mode == "constant" and detailed.layers[1].sigma == (0, 0.8)
    assert isinstance(detailed.layers[2], keras.layers.RandomInvert)
    unit = zoo.augmentation({"contrast": 0.2, "brightness": 0.2, "noise": 0.1},
                            value_range=(0, 1))
    assert tuple(unit.layers[0].value_range) == (0.0, 1.0)
    assert unit.layers[2].value_range == (0.0, 1.0) and unit.layers[2].stddev == 0.1
    noisy = zoo.augmentation({"noise": 0.1}, seed=0)(np.full((1, 64, 64, 1), 100.0, "float32"),
                                                      training=True)
    assert np.std(np.asarray(noisy)) == pytest.approx(25.5, rel=0.1)  # 10% of 0-255
    x = np.random.default_rng(0).uniform(0, 255, size=(4, 10, 10, 3)).astype("float32")
    a = zoo.augmentation(STEPS, seed=5)(x, training=True)
    b = zoo.augmentation(STEPS, seed=5)(x, training=True)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b))


@pytest.mark.every_backend
@pytest.mark.tensorflow_only("the zoo's augmentation layers run in tf.data on TensorFlow only")
def test_augmentation_maps_a_tf_data_pipeline():
    import tensorflow as tf

    x = np.random.default_rng(0).uniform(0, 255, size=(8, 10, 10, 3)).astype("float32")
    block = zoo.augmentation({"flip": "both", "crop": 2, "rotation": 0.1}, seed=0)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(4).map(lambda b: block(b, training=True))
    out = np.concatenate([b.numpy() for b in ds])
    assert out.shape == x.shape and not np.allclose(out, x)


@pytest.mark.parametrize("steps,needle", [
    ({"rotation": 0.7}, (r"'rotation' takes a fraction of a full turn in \(0, 0\.5\].*"
                        r"Received: rotation=0\.7")),
    ({"zoom": 1.5}, r"'zoom' takes a fraction in \(0, 1\).*Received: zoom=1\.5"),
    ({"translation": 0}, r"Received: translation=0"),
    ({"crop": 0.1}, r"'crop' takes the padding in pixels.*an int >= 1\. Received: crop=0\.1"),
    ({"contrast": -0.1}, r"'contrast' takes a factor in \(0, 1\]"),
    ({"brightness": 2}, r"'brightness' takes a factor in \(0, 1\]"),
    ({"noise": 5}, r"'noise' takes a standard deviation in \(0, 1\]"),
    ({"blur": 1.5}, r"'blur' takes a factor in \(0, 1\]"),
    ({"flip": "diagonal"}, r"'flip' takes 'horizontal', 'vertical'.*Received: flip='diagonal'"),
    ({"rotaton": 0.1}, r"Unknown augmentation step 'rotaton'\. Did you mean 'rotation'\?"),
    ({"blur": {"factor": 0.5, "radius": 2}}, r"Invalid settings for the augmentation step 'blur'"),
    ([3.5], r"Each augmentation step must be"),
    (None, r"at least one step"),
])
def test_augmentation_errors(steps, needle):
    with pytest.raises(ValueError, match=needle):
        zoo.augmentation(steps)


@pytest.mark.every_backend
def test_augmentation_inside_the_model_is_training_only():
    x = _images(4)
    model = zoo.cnn((8, 8, 1), num_classes=3, filters=(4,), dense_units=(), pixel_max=16.0,
                    seed=0, augmentation={"rotation": 0.2, "noise": 0.1, "crop": 1})
    plain = zoo.cnn((8, 8, 1), num_classes=3, filters=(4,), dense_units=(), pixel_max=16.0,
                    seed=0)
    block = model.get_layer("augmentation")
    scaled = x / 16.0
    np.testing.assert_array_equal(np.asarray(block(scaled, training=False)), scaled)
    assert not np.allclose(np.asarray(block(scaled, training=True)), scaled)
    # Same weights, so in inference the augmented model is exactly the plain one.
    for a, b in zip(model.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(to_numpy(model(x, training=False)),
                                  to_numpy(plain(x, training=False)))
    np.testing.assert_array_equal(model.predict(x, verbose=0), plain.predict(x, verbose=0))
    assert not np.allclose(to_numpy(model(x, training=True)),
                           to_numpy(model(x, training=False)))


def test_crop_padding_must_be_smaller_than_the_image():
    with pytest.raises(ValueError, match=r"pads 8 pixels, as much as the 8x8 image"):
        zoo.cnn((8, 8, 1), num_classes=3, augmentation={"crop": 8})


# === Save and reload ===

@pytest.mark.every_backend
def test_save_reload_with_augmentation_and_custom_layers(digits, tmp_path):
    model = zoo.cnn(**digits.model_kwargs(zoo.cnn), filters=(8, 8), convs_per_block=(2, 1),
                    padding=("reflect", "edge"), pooling=("min", "avg"), batch_norm=True,
                    dropout=0.1, dense_units=(16,), label_smoothing=0.1, seed=0,
                    augmentation={"flip": "horizontal", "rotation": 0.05, "zoom": 0.1,
                                  "translation": 0.1, "crop": 1, "contrast": 0.1,
                                  "brightness": 0.1, "noise": 0.02, "blur": 0.2})
    zoo.fit(model, digits.x_train[:128], digits.y_train[:128], epochs=1, early_stopping=False)
    path = tmp_path / "cnn.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(to_numpy(reloaded(digits.x_test, training=False)),
                               to_numpy(model(digits.x_test, training=False)),
                               rtol=1e-5, atol=1e-6)
    kinds = {type(layer) for layer in reloaded.layers}
    assert {Padding2D, MinPooling2D} <= kinds
    block = reloaded.get_layer("augmentation")
    assert any(isinstance(layer, PaddedRandomCrop) for layer in block.layers)
    x = digits.x_test[:8] / 16.0
    assert not np.allclose(to_numpy(block(x, training=True)), x)  # still augments
    assert type(reloaded.loss) is type(model.loss)


# === Structure and defaults ===

def test_structure_batch_norm_blocks_and_readouts():
    model = zoo.cnn((16, 16, 3), num_classes=4, filters=(8, 16), convs_per_block=2,
                    batch_norm=True, dropout=(0.1, 0.2), readout="global_avg",
                    dense_units=(), pixel_max=None)
    names = [layer.name for layer in model.layers]
    assert "rescale" not in names  # pixel_max=None: inputs already scaled
    assert [type(layer).__name__ for layer in model.layers[:4]] == [
        "Conv2D", "BatchNormalization", "Activation", "Conv2D"]
    assert names[3] == "block1_conv2"
    conv = model.get_layer("block1_conv1")
    assert not conv.use_bias and type(conv.kernel_initializer).__name__ == "HeNormal"
    assert [model.get_layer(f"block{i}_dropout").rate for i in (1, 2)] == [0.1, 0.2]
    assert isinstance(model.get_layer("global_avg_pool"), keras.layers.GlobalAveragePooling2D)
    tanh = zoo.cnn((8, 8, 1), num_classes=3, activation="tanh", readout="gmp")
    assert type(tanh.get_layer("block1_conv1").kernel_initializer).__name__ == "GlorotUniform"
    assert isinstance(tanh.get_layer("global_max_pool"), keras.layers.GlobalMaxPooling2D)
    regression = zoo.cnn((8, 8, 1), task="regression", loss="huber")
    assert regression.output_shape == (None, 1)


@pytest.mark.every_backend
def test_cpu_defaults_keep_xla_off_and_run_32_steps_per_call():
    model = zoo.cnn((8, 8, 1), num_classes=3)
    if keras.backend.backend() == "tensorflow":  # JAX compiles every step; PyTorch runs one
        assert model.jit_compile is False  # "auto" resolves to off on CPU-only machines
    assert model.steps_per_execution == (1 if keras.backend.backend() == "torch" else 32)
    assert zoo.create_model("convnet", input_shape=(8, 8, 1), num_classes=3).name == "cnn"


def test_fit_refuses_images_that_do_not_fit_the_model(digits):
    model = zoo.cnn((8, 8, 3), num_classes=10)
    with pytest.raises(ValueError, match=r"have shape \(8, 8, 1\) but the model takes "
                                         r"\(8, 8, 3\): 1 channels instead of 3"):
        zoo.fit(model, digits.x_train, digits.y_train, epochs=1)
    model = zoo.cnn((8, 8, 1), num_classes=10)
    with pytest.raises(ValueError, match=r"`validation_data\[0\]` have shape \(10, 8, 1\)"):
        zoo.fit(model, digits.x_train, digits.y_train, epochs=1,
                validation_data=(np.zeros((4, 10, 8, 1), "float32"), np.zeros(4, "int32")))
    with pytest.raises(ValueError, match=r"has rank 2"):
        zoo.fit(model, digits.x_train.reshape(len(digits.x_train), -1), digits.y_train, epochs=1)
    # Grayscale without a channel axis is fine for a one-channel model (Keras adds it).
    history = zoo.fit(model, digits.x_train[:64, :, :, 0], digits.y_train[:64], epochs=1)
    assert len(history.history["loss"]) == 1


@pytest.mark.parametrize("kwargs,error,needle", [
    ({}, ValueError, r"`input_shape` of cnn\(\) must be \(height, width, channels\)"),
    ({"input_shape": (28, 28)}, ValueError, r"For grayscale images use \(28, 28, 1\)"),
    ({"input_shape": (64,)}, ValueError, r"tabular features.*'digits_images'"),
    ({"padding": "reflection"}, ValueError, (r"Did you mean 'reflect'\?.*"
                                             r"Received: padding='reflection'")),
    ({"pooling": "median"}, ValueError, (r"'max', 'avg', 'min' or None\. "
                                        r"Received: pooling='median'")),
    ({"readout": "mean"}, ValueError, r"`readout` must be one of"),
    ({"filters": (8, 16), "kernel_size": (3, 3, 3)}, ValueError,
     r"`kernel_size` has 3 values but there are 2 conv blocks"),
    ({"filters": ()}, ValueError, r"at least one conv block"),
    ({"filters": (8, 0)}, ValueError, r"`filters` must be a positive integer"),
    ({"strides": 0}, ValueError, r"Received: strides=0"),
    ({"dropout": 1.0}, ValueError, r"`dropout` must be a number in \[0.0, 1.0\)"),
    ({"dense_units": (8, 4), "dense_dropout": [0.1]}, ValueError, r"one per layer"),
    ({"pixel_max": 0}, ValueError, r"Received: pixel_max=0"),
    ({"activation": "relu7"}, ValueError, r"Did you mean"),
    ({"augmentation": {"zoom": 2}}, ValueError, r"Received: zoom=2"),
    ({"steps_per_execution": 0}, ValueError, r"steps_per_execution"),
])
def test_errors(kwargs, error, needle):
    kwargs = {"input_shape": (8, 8, 1), "num_classes": 3, **kwargs} if kwargs else {}
    with pytest.raises(error, match=needle):
        zoo.cnn(**kwargs)


# === Presets ===

def test_lenet5_is_the_classic_architecture():
    model = zoo.lenet5((28, 28, 1), num_classes=10)
    assert model.count_params() == 61706  # 156 + 2416 + 48120 + 10164 + 850
    assert model.get_layer("flatten").output.shape[-1] == 400  # 5 x 5 x 16, as in the paper
    assert isinstance(model.get_layer("block1_pool"), keras.layers.AveragePooling2D)
    assert model.get_layer("dense_1").units == 120 and model.get_layer("dense_2").units == 84
    assert zoo.create_model("lenet", input_shape=(32, 32, 1), num_classes=10).get_layer(
        "flatten").output.shape[-1] == 576


def test_vgg_small_structure():
    model = zoo.vgg_small((32, 32, 3), num_classes=10)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [32, 32, 64, 64, 128, 128]
    assert {c.kernel_size for c in convs} == {(3, 3)}
    assert model.get_layer("flatten").output.shape[-1] == 4 * 4 * 128
    assert model.get_layer("dense_1_dropout").rate == 0.5


@pytest.mark.every_backend
@pytest.mark.parametrize("name,mode,kwargs", [
    ("resnet50", "caffe", {}),
    ("mobilenet_v2", "tf", {"alpha": 0.35}),
    ("efficientnet_b0", "none", {}),
])
def test_backbones_build_with_their_preprocessing_and_a_new_head(name, mode, kwargs):
    model = zoo.create_model(name, input_shape=(32, 32, 3), num_classes=5, dense_units=(16,),
                             freeze_backbone=True, compile=False, **kwargs)
    assert model.output_shape == (None, 5)
    assert model.get_layer("preprocess").mode == mode
    backbone = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    assert not backbone.trainable and not backbone.trainable_weights
    assert {w.name for w in model.trainable_weights} == {"kernel", "bias"}  # head only


@pytest.mark.every_backend
def test_backbone_loads_a_local_weights_file(tmp_path):
    source = zoo.mobilenet_v2((32, 32, 1), num_classes=3, alpha=0.35, seed=1, compile=False)
    backbone = next(layer for layer in source.layers if isinstance(layer, keras.Model))
    path = tmp_path / "backbone.weights.h5"
    backbone.save_weights(path)
    model = zoo.mobilenet_v2((32, 32, 1), num_classes=3, alpha=0.35, weights=str(path), seed=2,
                             compile=False)
    loaded = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    for a, b in zip(backbone.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.get_layer("preprocess").mode == "tf"  # 1 channel: no RGB mean to subtract
    with pytest.raises(FileNotFoundError, match=r"No weights file at '.*missing\.h5'"):
        zoo.mobilenet_v2((32, 32, 3), num_classes=3, weights=str(tmp_path / "missing.h5"))


@pytest.mark.filterwarnings("ignore:`input_shape` is undefined or non-square")
def test_imagenet_weights_offline_fail_clearly(monkeypatch):
    filename = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5"
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    cached = os.path.exists(os.path.join(home, "models", filename))

    def offline(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    if cached:  # a machine that downloaded them before builds without the network
        model = zoo.mobilenet_v2((32, 32, 3), num_classes=3, alpha=0.35, weights="imagenet")
        assert model.output_shape == (None, 3)
        return
    with pytest.raises(FileNotFoundError) as info:
        zoo.mobilenet_v2((32, 32, 3), num_classes=3, alpha=0.35, weights="imagenet")
    message = str(info.value)
    assert "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/" \
           + filename in message
    assert os.path.join(home, "models", filename) in message
    assert "weights='/path/to/" + filename in message


@pytest.mark.parametrize("kwargs,error,needle", [
    ({"input_shape": (28, 28, 1)}, ValueError, (r"at least 32x32 pixels.*"
                                               r"Received: input_shape=\(28, 28, 1\)")),
    ({"input_shape": (32, 32, 1), "weights": "imagenet"}, ValueError,
     r"need RGB images \(3 channels\); the images have 1"),
    ({"input_shape": (32, 32, 3), "weights": 3}, ValueError, r"Received: weights=3"),
    ({"input_shape": (32, 32, 3), "readout": "flatten"}, ValueError,
     r"'global_avg' or 'global_max'"),
])
def test_backbone_errors(kwargs, error, needle):
    with pytest.raises(error, match=needle):
        zoo.resnet50(num_classes=3, **kwargs)


@pytest.mark.every_backend
def test_backbone_trains_end_to_end_through_zoo_fit():
    x = np.random.default_rng(0).integers(0, 256, size=(16, 32, 32, 3)).astype("uint8")
    y = np.arange(16) % 2
    model = zoo.mobilenet_v2((32, 32, 3), task="binary", alpha=0.35, seed=0,
                             freeze_backbone=True, augmentation={"flip": "horizontal"})
    frozen = [w.numpy().copy() for w in model.non_trainable_weights[:5]]
    history = zoo.fit(model, x, y, epochs=2, batch_size=8, early_stopping=False)
    assert int(model.optimizer.iterations) == 4
    for before, after in zip(frozen, model.non_trainable_weights[:5]):
        np.testing.assert_array_equal(before, after.numpy())  # batch-norm stats stay put
    assert np.isfinite(history.history["loss"]).all()
    assert isinstance(model.get_layer("preprocess"), ImagenetPreprocessing)
