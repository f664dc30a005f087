"""keras_zoo.zoo.layers as a package: its names, one example of every class it registers, and
configs saved before the split into modules (``"module": "keras_zoo.zoo.layers"``) still load."""

from __future__ import annotations

import json

import keras
import pytest

from keras_zoo.base.table import TableSpec
from keras_zoo.zoo import layers
from tests.case import run_serialization_test

# One instance of every class the package registers; test_every_registered_class_has_an_example
# fails when a new one is added without an entry here (and tests of its own).
EXAMPLES = {
    "BahdanauAttention": layers.BahdanauAttention(4),
    "ImagenetPreprocessing": layers.ImagenetPreprocessing("tf"),
    "LuongAttention": layers.LuongAttention("dot", scale=True),
    "MinPooling2D": layers.MinPooling2D(3, strides=2, padding="same"),
    "PaddedRandomCrop": layers.PaddedRandomCrop(2, mode="edge", seed=5),
    "Padding2D": layers.Padding2D((1, 2), mode="symmetric"),
    "PseudoHuber": layers.PseudoHuber(0.7),
    "RandomGaussianNoise": layers.RandomGaussianNoise(0.3, value_range=(0, 1), seed=2),
    "SparseCategoricalCrossentropyWithSmoothing":
        layers.SparseCategoricalCrossentropyWithSmoothing(0.05, from_logits=True),
    "TablePreprocessing": layers.TablePreprocessing(TableSpec.learn(  # numbers, a gap, 2 kinds
        {"age": [31.0, None, 45.0], "plan": ["a", "b", "a"], "town": [f"t{i}" for i in (1, 2, 3)]}),
        max_onehot=3),
}


def test_every_name_is_exported_and_registered_under_keras_zoo():
    assert layers.PACKAGE == "keras_zoo"
    for name in layers.__all__:
        assert hasattr(layers, name), name
    for name, obj in EXAMPLES.items():
        assert getattr(layers, name) is type(obj)
        assert keras.saving.get_registered_name(type(obj)) == f"keras_zoo>{name}"


def test_every_registered_class_has_an_example():
    registered = {name.split(">", 1)[1] for name, cls in keras.saving.get_custom_objects().items()
                  if cls.__module__.startswith("keras_zoo.zoo.layers")}
    assert registered == set(EXAMPLES)


@pytest.mark.every_backend
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_class_round_trips(name):
    run_serialization_test(EXAMPLES[name])


@pytest.mark.every_backend
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_configs_saved_before_the_split_still_load(name):
    obj = EXAMPLES[name]
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(obj)))
    config["module"] = "keras_zoo.zoo.layers"  # what .keras files written by layers.py hold
    loaded = keras.saving.deserialize_keras_object(config, safe_mode=True)
    assert type(loaded) is type(obj) and loaded.get_config() == obj.get_config()
