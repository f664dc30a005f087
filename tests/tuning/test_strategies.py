"""Strategies are objects: a strategy written here runs through ``search``, worker processes and
resume like the built-in ones; the built-ins keep their names and take settings."""

from __future__ import annotations

import json
import os

import keras_tuner as kt
import pytest

import keras_zoo as kz
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.tuning import (
    BayesianStrategy,
    GridStrategy,
    HyperbandStrategy,
    MedianPruner,
    RandomStrategy,
    Strategy,
)
from keras_zoo.tuning.oracles.strategies import STRATEGIES, resolve_strategy
from keras_zoo.tuning.space import Space

RATES = [0.01, 0.02, 0.03, 0.04]


class LastFirstOracle(kt.Oracle):
    """The grid from its last configuration to its first, on Keras Tuner's public API only."""

    def __init__(self, *, grid, **kwargs):
        super().__init__(**kwargs)
        self.order = [dict(values) for values in reversed(list(grid))]

    def populate_space(self, trial_id):
        taken = [t.hyperparameters.values for t in self.trials.values()]
        for values in self.order:
            if not any(all(v.get(k) == x for k, x in values.items()) for v in taken):
                return {"status": "RUNNING", "values": values}
        return {"status": "STOPPED", "values": None}


class LastFirst(Strategy):
    name = "last_first"
    enumerates = True
    prunes = False

    def oracle_class(self):
        return LastFirstOracle

    def oracle_arguments(self, space, *, max_trials, max_epochs):
        return {"grid": space.grid(), "max_trials": self.expected_trials(max_trials, space)}

    def expected_trials(self, max_trials, space):
        return min(max_trials or space.grid_size, space.grid_size)


def _by_trial(result):
    board = result.leaderboard.sort_values("trial").reset_index(drop=True)
    return board["learning_rate"].tolist(), board


@pytest.mark.large
@pytest.mark.every_backend
def test_a_strategy_defined_here_runs_resumes_and_feeds_worker_processes(tmp_path, iris):
    def search(**kwargs):
        return kz.tuning.search("ann", iris, {"learning_rate": RATES}, strategy=LastFirst(),
                                hidden_units=(4,), epochs=1, directory=str(tmp_path / "s"),
                                verbose=0, **kwargs)

    first, board = _by_trial(search(max_trials=2))  # in this process
    assert first == [0.04, 0.03]  # its own order, not the grid's
    assert (board["status"] == "completed").all()
    with open(tmp_path / "s" / "search.json") as handle:
        assert json.load(handle)["strategy"] == "last_first"

    rates, board = _by_trial(search(workers=2))  # resumed, in two worker processes
    assert rates == [0.04, 0.03, 0.02, 0.01]  # the first two kept, none repeated, order kept
    assert (board["status"] == "completed").all()
    assert board["worker"].iloc[2:].str.startswith("worker").all()

    # a finished search resumes with nothing to run; another strategy is another search
    assert _by_trial(search())[0] == rates
    with pytest.raises(InputValueError, match="strategy"):
        kz.tuning.search("ann", iris, {"learning_rate": RATES}, strategy="grid",
                         hidden_units=(4,), epochs=1, directory=str(tmp_path / "s"), verbose=0)


def test_a_strategy_owns_its_trials_pruning_ranges_and_resume_state():
    space = Space.parse({"learning_rate": RATES, "units": [1, 2]}, "grid")
    assert GridStrategy().expected_trials(None, space) == 8
    assert GridStrategy().expected_trials(3, space) == 3
    assert LastFirst().expected_trials(20, space) == 8
    assert RandomStrategy().expected_trials(None, space) == 10
    assert BayesianStrategy().expected_trials(4, space) == 4
    assert HyperbandStrategy().expected_trials(None, space) is None  # its brackets decide
    assert [n for n, s in STRATEGIES.items() if not s.prunes] == ["hyperband"]
    assert HyperbandStrategy.kept_only_in_state and GridStrategy.kept_only_in_state is None

    oracle = LastFirst().make_oracle(space, kt.Objective("val_loss", "min"), max_trials=None,
                                     seed=0, max_epochs=1, max_consecutive_failures=3)
    assert isinstance(oracle, LastFirstOracle) and oracle.zoo_space is space
    assert type(oracle).__mro__.index(LastFirstOracle) > 1  # the safety mixins come first
    with pytest.raises(InputValueError, match=r"strategy='last_first': it takes no pruner\. .*"
                                              r"grid, random or Bayesian search\. "
                                              r"Received: pruner='median'"):
        LastFirst().check_pruner(MedianPruner())

    class CappedBands(Strategy):  # Keras Tuner's own Hyperband, made safe here
        name = "capped_bands"
        prunes = False

        def oracle_class(self):
            return kt.oracles.HyperbandOracle

        def oracle_arguments(self, space, *, max_trials, max_epochs):
            return {"max_epochs": max_epochs, "factor": 2, "max_trials": max_trials}

    bands = CappedBands().make_oracle(space, kt.Objective("val_loss", "min"), max_trials=5,
                                      seed=0, max_epochs=4, max_consecutive_failures=3)
    assert bands.max_trials == 5 and bands.zoo_kept_only_in_state  # resume keeps its brackets

    class PruningBands(CappedBands):
        name = "pruning_bands"
        prunes = True

    with pytest.raises(InputValueError, match="cannot prune; set prunes = False"):
        PruningBands().make_oracle(space, kt.Objective("val_loss", "min"), max_trials=5, seed=0,
                                   max_epochs=4, max_consecutive_failures=3,
                                   pruner=MedianPruner())


def test_names_stay_accepted_settings_are_recorded_and_bad_strategies_are_named():
    assert resolve_strategy("grid") == GridStrategy()
    assert resolve_strategy("hyperband").describe() == "hyperband"  # old search.json resumes
    assert HyperbandStrategy(factor=2).describe() == "hyperband(factor=2)"
    assert BayesianStrategy(num_initial_points=5).describe() == "bayesian(num_initial_points=5)"
    with pytest.raises(InputValueError, match=r"Did you mean 'bayesian'\?.*strategy='bayesain'"):
        resolve_strategy("bayesain")
    with pytest.raises(InputTypeError, match=r"an instance, not the class|not the class"):
        resolve_strategy(GridStrategy)
    with pytest.raises(InputValueError, match="factor"):
        HyperbandStrategy(factor=1)
    with pytest.raises(InputValueError, match="`num_initial_points` must be an integer >= 1"):
        BayesianStrategy(num_initial_points=0)
    with pytest.raises(InputValueError, match="`alpha` must be a number > 0"):
        BayesianStrategy(alpha="x")
    with pytest.raises(InputValueError, match=r"Received: strategy=None"):
        resolve_strategy(None)

    class Nameless(Strategy):
        def oracle_class(self):
            return kt.oracles.RandomSearchOracle

    with pytest.raises(InputValueError, match="needs a `name`"):
        resolve_strategy(Nameless())


def test_search_refuses_a_strategy_and_pruner_that_do_not_fit_before_writing(tmp_path, iris):
    directory = tmp_path / "never"
    with pytest.raises(InputValueError, match="last_first search enumerates values"):
        kz.tuning.search("ann", iris, {"learning_rate": {"min": 0.01, "max": 0.1}},
                         strategy=LastFirst(), directory=str(directory), verbose=0)
    with pytest.raises(InputValueError, match="Hyperband already stops trials early"):
        kz.tuning.search("ann", iris, {"learning_rate": RATES},
                         strategy=HyperbandStrategy(factor=2), pruner="median",
                         directory=str(directory), verbose=0)

    class Misfit(LastFirst):  # its oracle needs `grid`, which these arguments leave out
        name = "misfit"

        def oracle_arguments(self, space, *, max_trials, max_epochs):
            return {"max_trials": max_trials}

    with pytest.raises(InputTypeError, match=r"strategy='misfit': its oracle LastFirstOracle "
                                             r"cannot be made with oracle_arguments\(\)"):
        kz.tuning.search("ann", iris, {"learning_rate": RATES}, strategy=Misfit(),
                         directory=str(directory), verbose=0)
    assert not os.path.exists(directory)


def test_the_command_line_offers_the_built_in_strategies():
    from keras_zoo_cli.parser import STRATEGIES as CHOICES

    assert CHOICES == tuple(STRATEGIES)
