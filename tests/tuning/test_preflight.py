"""The pre-flight check builds a bounded number of models, whatever the size of the grid
(issue 10, item 13), still catches a bad value at a range's extreme, and says what it does when
it takes more than a second; a huge stepped range is refused before it is expanded."""

from __future__ import annotations

import functools
import io
import logging
import time
import tracemalloc

import pytest

import keras_zoo as kz
from keras_zoo import cli
from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning import checks
from keras_zoo.tuning import space as space_module
from keras_zoo.tuning.space import Space

TOO_MANY = 40  # far more than the pre-flight needs; the old check built every value


class CountingAnn:
    """``ann`` with a count of the models built; refuses to build more than ``TOO_MANY`` (the
    old pre-flight's thousands of builds fail fast) and can refuse values or be slow."""

    def __init__(self, refuse=None, first_delay=0.0):
        self.calls: list[dict] = []
        self.refuse = refuse
        self.first_delay = first_delay
        functools.update_wrapper(self, kz.zoo.ann)  # ann's signature, for the keyword checks

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        if len(self.calls) > TOO_MANY:
            raise AssertionError(f"the pre-flight built more than {TOO_MANY} models")
        if self.refuse is not None:
            self.refuse(kwargs)
        if len(self.calls) == 1 and self.first_delay:
            time.sleep(self.first_delay)
        return kz.zoo.ann(**kwargs)


def job_for(factory, iris, space, strategy="grid"):
    job, _ = checks.build_job(factory, iris, space, strategy=strategy, objective=None, epochs=1,
                              batch_size=None, patience=1, early_stopping=True,
                              executions_per_trial=1, seed=0, keep_models="none", fixed={})
    return job


def test_a_fine_stepped_range_builds_a_bounded_number_of_models(iris):
    factory = CountingAnn()
    space = {"dropout": {"min": 0.0, "max": 0.9, "step": 0.0001},  # 9,001 values
             "hidden_units": [(8,), (16,)], "activation": ["relu", "elu", "tanh"]}
    job = job_for(factory, iris, space)
    assert job.space.grid_size == 9001 * 2 * 3
    checks.preflight(job, verbose=0)
    # Bounded (the old check built every configuration and took minutes): the first configuration, then per axis: dropout's max and 3 values between; every value
    # of the short lists.
    assert len(factory.calls) == 1 + 4 + 1 + 2
    dropouts = sorted({c["dropout"] for c in factory.calls})
    assert dropouts[0] == 0.0 and dropouts[-1] == 0.9 and len(dropouts) == 5
    assert {c["activation"] for c in factory.calls} == {"relu", "elu", "tanh"}


def test_a_long_list_and_a_continuous_range_are_sampled_too(iris):
    factory = CountingAnn()
    units = [(n,) for n in range(1, 31)]  # 30 values: first, last and three between
    job = job_for(factory, iris, {"hidden_units": units,
                                  "learning_rate": {"min": 1e-4, "max": 1e-2, "sampling": "log"}},
                  strategy="random")
    checks.preflight(job, verbose=0)
    assert len(factory.calls) == 1 + 4 + 2
    assert {c["hidden_units"] for c in factory.calls} >= {(1,), (30,)}
    rates = sorted({c["learning_rate"] for c in factory.calls})  # the others hold the minimum
    assert rates == pytest.approx([1e-4, 1e-3, 1e-2])  # bounds and the geometric middle


def test_a_bad_value_at_the_extreme_of_a_range_is_caught_before_any_trial(iris):
    def refuse(kwargs):
        if kwargs.get("dropout", 0) >= 0.9:
            raise InputValueError(f"dropout too high. Received: dropout={kwargs['dropout']}")

    factory = CountingAnn(refuse=refuse)
    job = job_for(factory, iris, {"dropout": {"min": 0.0, "max": 0.9, "step": 0.001}})
    with pytest.raises(InputValueError, match=r"space\['dropout'\] = 0\.9 is rejected by .*"
                                              r"dropout too high"):
        checks.preflight(job, verbose=0)
    assert len(factory.calls) <= 6


def test_a_slow_preflight_says_what_it_is_doing(iris, monkeypatch, caplog):
    monkeypatch.setattr(checks, "PREFLIGHT_ANNOUNCE_AFTER", 0.05)
    space = {"dropout": {"min": 0.0, "max": 0.5, "step": 0.01}}
    stream = io.StringIO()
    checks.preflight(job_for(CountingAnn(first_delay=0.5), iris, space), stream=stream)
    said = stream.getvalue()
    assert said.startswith("checking the space before the first trial: building ")
    assert "with the first configuration and each axis's extreme values (5 models)" in said
    # Quiet: the log only.
    stream = io.StringIO()
    with caplog.at_level(logging.INFO, logger="keras_zoo.tuning.checks"):
        checks.preflight(job_for(CountingAnn(first_delay=0.5), iris, space), verbose=0,
                         stream=stream)
    assert stream.getvalue() == "" and "checking the space" in caplog.text
    # Fast: nothing at all.
    monkeypatch.setattr(checks, "PREFLIGHT_ANNOUNCE_AFTER", 30.0)
    stream = io.StringIO()
    checks.preflight(job_for(CountingAnn(), iris, space), stream=stream)
    assert stream.getvalue() == ""


def test_a_huge_stepped_range_is_refused_before_it_is_expanded():
    tracemalloc.start()
    try:
        with pytest.raises(InputValueError) as exc:
            Space.parse({"dropout": {"min": 0.0, "max": 0.9, "step": 1e-6}}, "grid")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, peak  # nothing was expanded: 900,001 floats would take ~30 MB
    message = str(exc.value)
    assert message.startswith("space['dropout']: min=0.0, max=0.9, step=1e-06 gives 900,001 "
                              f"values; a stepped range may have at most "
                              f"{space_module.MAX_RANGE_VALUES:,}")
    assert "drop the step" in message and message.endswith("Received: step=1e-06")
    with pytest.raises(InputValueError, match="gives 92,103,409 values"):
        Space.parse({"lr": {"min": 1e-4, "max": 1.0, "step": 1.0000001, "sampling": "log"}},
                    "random")
    with pytest.raises(InputValueError, match="gives too many values"):
        Space.parse({"lr": {"min": 0.0, "max": 1.0, "step": 1e-320}}, "grid")


def test_the_cli_refuses_a_huge_range_at_once(capsys, tmp_path):
    code = cli.main(["tune", "ann", "--dataset", "iris", "--set", "dropout=0:0.9:0.000001",
                        "--max-trials", "1", "--directory", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2 and "space['dropout']" in err and "900,001 values" in err
    assert not (tmp_path / "d").exists()


def test_a_large_grid_is_not_built_up_front():
    space = Space.parse({f"a{i}": {"min": 0, "max": 999, "step": 1} for i in range(4)}, "grid")
    tracemalloc.start()
    try:
        grid = space.grid()
        assert len(grid) == space.grid_size == 1000**4
        assert grid[0] == {"a0": 0, "a1": 0, "a2": 0, "a3": 0}
        assert grid[-1] == {"a0": 999, "a1": 999, "a2": 999, "a3": 999}
        assert grid[1001] == {"a0": 0, "a1": 0, "a2": 1, "a3": 1}
        assert next(iter(grid)) == grid[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, peak  # a list of 10**12 dicts never is


def test_the_grid_keeps_its_order():
    space = Space.parse({"a": [1, 2, 3], "b": ["x", "y"], "c": [(1,), (2, 3)]}, "grid")
    grid = space.grid()
    listed = list(grid)
    assert len(listed) == 12 and [grid[i] for i in range(12)] == listed
    assert listed[:3] == [{"a": 1, "b": "x", "c": "(1,)"}, {"a": 1, "b": "x", "c": "(2, 3)"},
                          {"a": 1, "b": "y", "c": "(1,)"}]
    assert grid[-1] == listed[-1] and grid[2:4] == listed[2:4]
    with pytest.raises(IndexError):
        grid[12]
