"""conv_plan: the size table agrees with Keras' shapes and with the course arithmetic."""

from __future__ import annotations

import keras
import pandas as pd
import pytest

import keras_zoo as kz
from keras_zoo import zoo
from keras_zoo.zoo.convolutional.plan import PLAN_COLUMNS


def _layer(model, name):
    """A layer by the table's name (``outer/inner`` for nested models)."""
    for part in name.split("/"):
        model = model.get_layer(part)
    return model


def _assert_matches_keras(plan, model):
    """Every row's sizes are the layer's real output shape."""
    assert list(plan.columns) == list(PLAN_COLUMNS)
    assert tuple(plan.loc[0, ["n_out", "w_out", "channels"]]) == tuple(model.inputs[0].shape[1:])
    for row in plan.iloc[1:].itertuples():
        shape = tuple(_layer(model, row.layer).output.shape)
        if len(shape) == 4:
            assert (row.n_out, row.w_out, row.channels) == shape[1:], row.layer
            assert row.features == shape[1] * shape[2] * shape[3]
        else:
            assert pd.isna(row.n_out) and row.features == shape[-1], row.layer
        assert row.params == _layer(model, row.layer).count_params()
    spatial = plan.dropna(subset=["n_in"])
    previous = plan.n_out.shift().ffill()  # a row takes the size the last sized row gave
    assert (spatial.n_in == previous[spatial.index]).all()


@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 1), ("valid", 2),
                                             ("same", 2), ("reflect", 2)])
def test_cnn_sizes_equal_keras_output_shapes(padding, strides):
    kwargs = {"input_shape": (31, 27, 1), "filters": (2, 3), "kernel_size": 3,
              "strides": strides, "padding": padding, "dense_units": (4,), "num_classes": 3}
    plan = zoo.conv_plan("cnn", **kwargs)
    _assert_matches_keras(plan, zoo.cnn(**kwargs, compile=False))
    convs = plan[plan.kind == "Conv2D"]
    assert convs.s.tolist() == [strides] * 2
    assert convs.p.tolist() == [0 if padding != "same" else 1] * 2
    assert set(plan.kind) >= {"Input", "Conv2D", "MaxPooling2D", "Flatten", "Dense"}
    assert ("Padding2D" in set(plan.kind)) == (padding == "reflect")


def test_built_model_factory_and_name_give_the_same_table():
    kwargs = {"input_shape": (12, 12, 1), "filters": (2,), "num_classes": 3, "pooling": "min",
              "augmentation": {"flip": "horizontal"}, "readout": "global_avg"}
    by_name = zoo.conv_plan("convnet", **kwargs)  # an alias
    pd.testing.assert_frame_equal(by_name, zoo.conv_plan(zoo.cnn, **kwargs))
    model = zoo.cnn(**kwargs)
    pd.testing.assert_frame_equal(by_name, zoo.conv_plan(model))
    _assert_matches_keras(by_name, model)
    assert by_name.kind.tolist() == ["Input", "Conv2D", "MinPooling2D", "GlobalAveragePooling2D",
                                     "Dense", "Dense"]
    assert by_name.loc[3, "formula"] == "6x6x2 -> 2 (one average per channel)"


def test_lenet5_on_32x32_follows_the_course_arithmetic():
    plan = zoo.conv_plan("lenet5", input_shape=(32, 32, 1), num_classes=10, padding="valid")
    _assert_matches_keras(plan, zoo.lenet5(input_shape=(32, 32, 1), num_classes=10,
                                           padding="valid", compile=False))
    assert plan.n_out.dropna().tolist() == [32, 28, 14, 10, 5]
    assert plan.formula.tolist()[:6] == [
        "input 32x32x1",
        "(32 + 2*0 - 5) / 1 + 1 = 28",
        "(28 + 2*0 - 2) / 2 + 1 = 14",
        "(14 + 2*0 - 5) / 1 + 1 = 10",
        "(10 + 2*0 - 2) / 2 + 1 = 5",
        "5 * 5 * 16 = 400",
    ]
    assert plan.channels.dropna().tolist() == [1, 6, 6, 16, 16]
    assert plan.features.tolist()[-4:] == [400, 120, 84, 10]
    assert plan.params.sum() == 61706  # LeNet-5 with a 10-way output on 32x32


def test_lenet5_default_same_padding_keeps_28_pixels():
    plan = zoo.conv_plan("lenet5", input_shape=(28, 28, 1), num_classes=10)
    assert plan.loc[1, "p"] == 2 and plan.loc[1, "formula"] == "(28 + 2*2 - 5) / 1 + 1 = 28"
    assert plan.features[plan.kind == "Flatten"].item() == 400


def test_vgg_small_sizes_equal_keras_output_shapes():
    kwargs = {"input_shape": (16, 16, 3), "num_classes": 3, "filters": (2, 4),
              "dense_units": (4,)}
    plan = zoo.conv_plan("vgg_small", **kwargs)
    _assert_matches_keras(plan, zoo.vgg_small(**kwargs, compile=False))
    assert plan.n_out.dropna().tolist() == [16, 16, 16, 8, 8, 8, 4]
    assert "BatchNormalization" not in set(plan.kind)  # size-keeping layers have no row


def test_same_padding_with_stride_shows_the_ceiling_keras_computes():
    plan = zoo.conv_plan("cnn", input_shape=(7, 7, 1), filters=(2,), kernel_size=4, strides=2,
                         pooling=None, padding="same", num_classes=3)
    conv = plan.loc[1]
    assert conv.p == 1.5  # (f - 1) / 2: a half for even kernels
    assert conv.formula == "(7 + 2*1.5 - 4) / 2 + 1 = ceil(7 / 2) = 4"
    valid = zoo.conv_plan("cnn", input_shape=(28, 28, 1), filters=(2,), kernel_size=5,
                          strides=2, pooling=None, padding="valid", num_classes=3)
    assert valid.loc[1, "formula"] == "floor((28 + 2*0 - 5) / 2) + 1 = 12"


def test_non_square_functional_model_with_zero_padding():
    inputs = keras.Input((10, 6, 1))
    x = keras.layers.ZeroPadding2D(((1, 2), (0, 0)))(inputs)
    x = keras.layers.Conv2D(2, (3, 1), strides=(2, 1))(x)
    x = keras.layers.Cropping2D(1)(x)
    model = keras.Model(inputs, keras.layers.Flatten()(x))
    plan = zoo.conv_plan(model)
    _assert_matches_keras(plan, model)
    assert plan.loc[1, "formula"] == "H: 10 + 1 + 2 = 13; W: 6 + 2*0 = 6"
    assert plan.loc[2, "f"] == (3, 1) and plan.loc[2, "s"] == (2, 1)
    assert plan.loc[3, "p"] == -1


def test_unknown_name_says_did_you_mean():
    with pytest.raises(ValueError, match=r"Unknown model .lenet6.\. Did you mean .lenet"):
        zoo.conv_plan("lenet6", input_shape=(32, 32, 1))


@pytest.mark.parametrize("bad,match", [
    (42, r"conv_plan accepts a built keras.Model.*Received: int 42"),
    (keras.layers.Conv2D(2, 3), r"Received: Conv2D"),
    (lambda: "not a model", r"factory returned a str, not a keras.Model"),
])
def test_wrong_types_are_refused(bad, match):
    with pytest.raises(TypeError, match=match):
        zoo.conv_plan(bad)


def test_keywords_with_a_built_model_are_refused():
    model = zoo.cnn((8, 8, 1), filters=(2,), num_classes=3, compile=False)
    with pytest.raises(kz.InputTypeError, match="not with a built model"):
        zoo.conv_plan(model, input_shape=(8, 8, 1))


def test_models_without_convolutions_or_a_known_size_are_refused():
    dense = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"with convolution or pooling layers.*has none.*Flatten"):
        zoo.conv_plan(dense)
    with pytest.raises(ValueError, match=r"takes tabular inputs\. Image models: .*lenet5"):
        zoo.conv_plan("ann", input_dim=4)
    any_size = keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match=r"known size.*\(None, None, None, 1\)"):
        zoo.conv_plan(any_size)
    unbuilt = keras.Sequential([keras.layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match="no input yet"):
        zoo.conv_plan(unbuilt)
