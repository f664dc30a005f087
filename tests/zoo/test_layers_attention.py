"""Bahdanau and Luong attention: configs round trip (tests/case.py) with the same weights and
outputs, masked steps included, and a model using them saves and reloads.

Their masking and normalisation are tested with the seq2seq models (tests/zoo/test_translation.py).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from keras_zoo.zoo.layers import BahdanauAttention, LuongAttention
from tests.case import run_model_saving_test, run_serialization_test, to_numpy

RNG = np.random.default_rng(0)
QUERY = RNG.normal(size=(2, 3, 4)).astype("float32")
VALUES = RNG.normal(size=(2, 5, 4)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)


def _attend(layer, data):
    """Context and weights side by side, so one comparison covers both outputs."""
    query, values, mask = data
    return ops.concatenate(layer(query, values, values_mask=mask), axis=-1)


@pytest.mark.every_backend
@pytest.mark.parametrize("layer", [BahdanauAttention(6, name="additive"),
                                   LuongAttention("general"),
                                   LuongAttention("dot", scale=True)],
                         ids=["bahdanau", "luong_general", "luong_dot_scaled"])
def test_attention_layers_round_trip_with_the_same_outputs(layer):
    copy = run_serialization_test(layer, (QUERY, VALUES, MASK), call=_attend)
    assert copy.get_config() == layer.get_config()
    weights = to_numpy(layer(QUERY, VALUES, values_mask=MASK)[1])
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-6)
    assert np.all(weights[0, :, 3:] == 0.0)


def test_attention_configs_keep_their_arguments():
    assert BahdanauAttention(7).get_config()["units"] == 7
    config = LuongAttention("dot", scale=True).get_config()
    assert (config["score"], config["scale"]) == ("dot", True)


@pytest.mark.every_backend
def test_a_model_with_both_attentions_saves_and_reloads(tmp_path):
    query, values = keras.Input((3, 4)), keras.Input((5, 6))
    additive, _ = BahdanauAttention(8)(query, values)
    general, _ = LuongAttention("general", scale=True)(query, values)
    model = keras.Model([query, values], keras.layers.Concatenate()([additive, general]),
                        name="attention")
    run_model_saving_test(model, [QUERY, RNG.normal(size=(2, 5, 6)).astype("float32")], tmp_path)


def test_attention_layer_errors():
    with pytest.raises(ValueError, match=r"`units` must be a positive integer\. Received: units=0"):
        BahdanauAttention(0)
    with pytest.raises(ValueError, match=r"`score` must be one of .*Received: score='cosine'"):
        LuongAttention("cosine")
    with pytest.raises(ValueError, match=r"same size.*Received"):
        LuongAttention("dot")(np.ones((1, 2, 3), "float32"), np.ones((1, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r"query \(batch, target_steps, features\).*Received"):
        BahdanauAttention(2)(np.ones((2, 3), "float32"), np.ones((1, 4, 5), "float32"))
