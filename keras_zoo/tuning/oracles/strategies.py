"""The search strategies: Keras Tuner's oracles, hardened, and :func:`make_oracle`.

What Keras Tuner 1.4.8's oracles do that a search here must not:

* ``GridSearch`` cannot resume after a crash (its oracle keeps its enumeration state in memory
  only: KeyError on reload). :class:`GridOracle` enumerates the product in a fixed order and hands
  out the first configuration not yet started, so its state is just the set of tried
  configurations Keras Tuner already saves: it resumes, and parallel workers never repeat one.
* Trial and oracle files are written non-atomically (a kill mid-write leaves broken JSON): every
  state file here is written to a temporary file and renamed.
* Its state files and a trial's ``result.json`` are written at different moments (a kill, a full
  disk or its own consecutive-failure stop can come in between), and an unreadable state file
  stops a reload with a traceback. Here the result files decide which trials are done; a reload
  reconciles the oracle's state with them, or rebuilds it
  (:mod:`~keras_zoo.tuning.oracles.recovery`): a finished trial is not run again, a failed one
  is final, any other started trial reruns, and a half-started one (killed between writing it
  and writing the oracle) is dropped.
* Its consecutive-failure stop counts the failures of earlier runs, so a rerun of a search it
  stopped stops again at once: here only the trials ended in this run count.
* Trial ids are numbered ``len(trials)`` and padded to ``len(str(max_trials))`` ("2" and "03"
  in one search after ``max_trials`` grew): here a new trial takes the smallest free number,
  padded like the search's first trial.

Each oracle is ``ServedOracleMixin`` (:mod:`~keras_zoo.tuning.oracles.chief`: it can answer
worker processes), then ``PruningOracleMixin`` (:mod:`~keras_zoo.tuning.oracles.pruning`), then
:class:`_SafeStateMixin`, then Keras Tuner's oracle: the order matters. This module uses Keras
Tuner's public API (``Oracle.populate_space``); the internals it needs (where the state files
are, the restated ``create_trial``, the private methods overridden) are in
:mod:`~keras_zoo.tuning.oracles.kt_adapter`, the one module to check when upgrading Keras Tuner.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import keras_tuner as kt
from keras_tuner.engine.trial import TrialStatus

from keras_zoo.base import atomic_write_json
from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning.oracles import kt_adapter, recovery
from keras_zoo.tuning.oracles.chief import ServedOracleMixin
from keras_zoo.tuning.oracles.pruning import Pruner, PruningOracleMixin, make_pruner
from keras_zoo.tuning.space import Space


class _SafeStateMixin(kt_adapter.OracleHooks):
    """Atomic state files, reloads reconciled with the result files, ids of one width.

    Attributes:
        zoo_space: The search's space (set by :func:`make_oracle`): a reload rebuilds trials
            from it, and Hyperband knows from it when a finite space is used up.
        zoo_ended_before: The trials that had ended when this run resumed (set by a reload):
            the consecutive-failure stop does not count them.
    """

    zoo_space: Space | None = None
    zoo_ended_before: frozenset[str] | set[str] = frozenset()

    def save(self):
        atomic_write_json(kt_adapter.oracle_file(self), self.get_state())

    def write_trial(self, trial):
        atomic_write_json(os.path.join(kt_adapter.trial_dir(self, trial.trial_id), "trial.json"),
                          trial.get_state())

    def reload(self):
        """Keras Tuner's reload, reconciled with the trials' result files, which decide what is
        done; damaged state files are rebuilt (see :mod:`~keras_zoo.tuning.oracles.recovery`).

        Raises:
            InputValueError: A state file that cannot be rebuilt (Hyperband's), named.
        """
        recovery.reload_oracle(self, self.zoo_space,
                               hyperband=isinstance(self, kt.oracles.HyperbandOracle))

    @kt.synchronized
    def create_trial(self, tuner_id):
        """Keras Tuner's ``create_trial``, with ids that keep one width within a search.

        Keras Tuner pads ids to ``len(str(max_trials))`` and numbers them ``len(self.trials)``:
        a search resumed with a larger ``max_trials`` mixed ``"2"`` and ``"03"``, and a trial
        forgotten on resume (its folder deleted) made the next id collide with an existing one.
        Here a new trial takes the smallest free number, padded like the search's first trials.
        """
        return kt_adapter.create_trial(self, tuner_id, self._next_trial_id)

    def _next_trial_id(self) -> str:
        numbers = {int(t) for t in self.trials if str(t).isdigit()}
        widths = [len(str(t)) for t in self.trials if str(t).isdigit()]
        width = min(widths) if widths else len(str(self.max_trials))
        number = next(n for n in itertools.count() if n not in numbers)
        return f"{number:0{width}d}"

    def check_consecutive_failures(self):
        """Keras Tuner's stop after ``max_consecutive_failed_trials`` failed trials in a row,
        counting only trials that ended in this run: the failed trials of an earlier run are
        final and kept, but do not stop a rerun before it tried the rest."""
        kt_adapter.check_consecutive_failures(self, skip=self.zoo_ended_before)


class GridOracle(ServedOracleMixin, PruningOracleMixin, _SafeStateMixin, kt.Oracle):
    """Every configuration of the grid exactly once, in a fixed order; resumable and parallel-safe.

    A configuration counts as taken when a trial starts with it (Keras Tuner records it in the
    oracle's saved state); a started trial that was interrupted is retried with its own id.
    """

    def __init__(self, space: Space, objective: kt.Objective, max_trials: int | None = None,
                 seed: int | None = None, max_consecutive_failed_trials: int = 3):
        super().__init__(objective=objective, max_trials=max_trials or space.grid_size,
                         hyperparameters=space.hyperparameters(), allow_new_entries=False,
                         tune_new_entries=False, seed=seed,
                         max_consecutive_failed_trials=max_consecutive_failed_trials)
        self._grid = space.grid()

    def populate_space(self, trial_id):
        for values in self._grid:
            if not kt_adapter.is_duplicate(self, values):
                return {"status": TrialStatus.RUNNING, "values": dict(values)}
        if kt_adapter.ongoing(self):
            return {"status": TrialStatus.IDLE, "values": None}
        return {"status": TrialStatus.STOPPED, "values": None}


class RandomOracle(ServedOracleMixin, PruningOracleMixin, _SafeStateMixin,
                   kt.oracles.RandomSearchOracle):
    """Keras Tuner's random search (seeded, resumable) with safe state files."""


class BayesianOracle(ServedOracleMixin, PruningOracleMixin, _SafeStateMixin,
                     kt.oracles.BayesianOptimizationOracle):
    """Keras Tuner's Gaussian-process Bayesian optimisation with safe state files."""


class HyperbandOracle(ServedOracleMixin, _SafeStateMixin, kt_adapter.ShortSpaceHyperband,
                      kt.oracles.HyperbandOracle):
    """Keras Tuner's Hyperband with safe state files (trials pass weights between brackets).

    Keras Tuner's Hyperband takes no ``max_trials`` (its brackets set the count from
    ``max_epochs`` and ``factor``); here ``max_trials`` caps it, through the base oracle's own
    check.

    A space with fewer configurations than a bracket's first round (4 configurations, where
    ``epochs=27`` asks for 27 at 1 epoch) ran out in that round, and Keras Tuner then stopped:
    every trial had 1 epoch, the "best" model too. Here the round ends at the size it reached
    and successive halving goes on from there (round sizes scaled down alike, see
    :class:`~keras_zoo.tuning.oracles.kt_adapter.ShortSpaceHyperband`), so the best configuration is
    trained to ``max_epochs``; a warning says so and names the grid search, which trains every
    configuration fully.
    """

    def __init__(self, *args: Any, max_trials: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_trials = max_trials


STRATEGIES = ("grid", "random", "bayesian", "hyperband")


def make_oracle(strategy: str, space: Space, objective: kt.Objective, *, max_trials: int | None,
                seed: int | None, max_epochs: int, max_consecutive_failures: int,
                pruner: Pruner | None = None) -> kt.Oracle:
    """The oracle of ``strategy``, knowing ``space`` (a reload rebuilds trials from it), stopping
    trials early when ``pruner`` (:mod:`~keras_zoo.tuning.oracles.pruning`) says so.

    Raises:
        InputValueError: An unknown strategy, or a pruner with Hyperband.
    """
    if pruner is not None:
        pruner = make_pruner(pruner, strategy)  # Hyperband has its own schedule: refused
    oracle = _new_oracle(strategy, space, objective, max_trials=max_trials, seed=seed,
                         max_epochs=max_epochs, max_consecutive_failures=max_consecutive_failures)
    oracle.zoo_space = space
    oracle.pruner = pruner
    return oracle


def _new_oracle(strategy: str, space: Space, objective: kt.Objective, *, max_trials: int | None,
                seed: int | None, max_epochs: int, max_consecutive_failures: int) -> kt.Oracle:
    common = {"objective": objective, "seed": seed,
              "max_consecutive_failed_trials": max_consecutive_failures}
    if strategy == "grid":
        return GridOracle(space, max_trials=max_trials, **common)
    hp = space.hyperparameters()
    if strategy == "random":
        return RandomOracle(max_trials=max_trials or 10, hyperparameters=hp,
                            allow_new_entries=False, tune_new_entries=False, **common)
    if strategy == "bayesian":
        return BayesianOracle(max_trials=max_trials or 10, hyperparameters=hp,
                              allow_new_entries=False, tune_new_entries=False, **common)
    if strategy == "hyperband":
        return HyperbandOracle(max_epochs=max_epochs, factor=3, hyperparameters=hp,
                               max_trials=max_trials,
                               allow_new_entries=False, tune_new_entries=False, **common)
    raise InputValueError(f"`strategy` must be one of {', '.join(map(repr, STRATEGIES))}. "
                          f"Received: strategy={strategy!r}")
