"""Search spaces: choices, ranges, tuples, and bad specs."""

from __future__ import annotations

import keras_tuner as kt
import pytest

from keras_zoo.tuning.space import Space, expand_range


def test_stepped_float_range_includes_max_without_float_noise():
    space = Space.parse({"dropout": {"min": 0.0, "max": 0.6, "step": 0.1}}, "grid")
    assert space.axes["dropout"].values == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    # Keras Tuner's own Float(step=0.1) drops the maximum and yields 0.30000000000000004-like
    # values; the expansion here does not.
    assert 0.6000000000000001 not in space.axes["dropout"].values


def test_int_and_log_ranges():
    assert expand_range("units", 16, 64, 16, "linear") == [16, 32, 48, 64]
    assert expand_range("lr", 1e-4, 1e-1, 10, "log") == [1e-4, 1e-3, 1e-2, 1e-1]
    assert expand_range("units", 8, 64, 2, "log") == [8, 16, 32, 64]


def test_tuples_and_mixed_values_are_encoded_and_decoded():
    space = Space.parse({"hidden_units": [(64, 32), (32,)], "l2": [None, 0.01]}, "grid")
    assert space.axes["hidden_units"].encoded and space.axes["l2"].encoded
    grid = space.grid()
    assert len(grid) == 4
    assert {tuple(space.decode(v)["hidden_units"]) for v in grid} == {(64, 32), (32,)}
    assert {space.decode(v)["l2"] for v in grid} == {None, 0.01}
    hp = space.hyperparameters()
    assert isinstance(hp, kt.HyperParameters)
    assert hp.values["hidden_units"] == "(64, 32)"  # readable labels inside Keras Tuner


def test_list_is_a_choice_tuple_is_one_value():
    space = Space.parse({"hidden_units": (64, 32), "activation": ["relu"]}, "grid")
    assert space.fixed == {"hidden_units": (64, 32)}
    assert space.axes["activation"].values == ["relu"]
    nested = Space.parse({"hidden_units": [[64, 32], [32]]}, "grid")  # YAML/JSON spelling
    assert nested.axes["hidden_units"].values == [(64, 32), (32,)]


def test_continuous_ranges_for_sampling_strategies():
    space = Space.parse({"learning_rate": {"min": 1e-4, "max": 1e-1, "sampling": "log"},
                         "units": {"min": 8, "max": 64}}, "random")
    assert space.grid_size is None
    hp = space.hyperparameters()
    assert hp.values["learning_rate"] == pytest.approx(1e-4)
    assert isinstance(hp.values["units"], int)


@pytest.mark.parametrize("spec,needle", [
    ({"activation": []}, "empty list"),
    ({"dropout": {"min": 0.5, "max": 0.1, "step": 0.1}}, "min > max"),
    ({"dropout": {"min": 0.0, "max": 0.5}}, "needs a `step`"),
    ({"lr": {"min": 0.0, "max": 0.1, "sampling": "log"}}, "min > 0"),
    ({"lr": {"min": 1e-3, "max": 0.1, "sampling": "cubic"}}, "'linear' or 'log'"),
    ({"lr": {"min": 1e-3, "max": 0.1, "step": 1, "sampling": "log"}}, "must be > 1"),
    ({"lr": {"low": 1e-3, "max": 0.1}}, "a range is"),
    ({"activation": ["relu", "relu"]}, "twice"),
    ({"dropout": {"min": "a", "max": 0.5, "step": 0.1}}, "must be a number"),
])
def test_bad_specs_name_the_key(spec, needle):
    with pytest.raises(ValueError, match=needle) as err:
        Space.parse(spec, "grid")
    assert f"space[{next(iter(spec))!r}]" in str(err.value)
