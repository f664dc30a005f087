"""Pruning: stop a trial early when its validation objective, epoch by epoch, is behind.

A search with ``pruner="median"`` or ``"asha"`` has each trial report its objective at the end
of every epoch to the oracle, through Keras Tuner's own per-epoch reporting
(``oracle.update_trial(trial_id, {objective: value}, step=epoch)``, which Keras Tuner records in
the trial's ``trial.json``). The oracle (:class:`PruningOracleMixin`) asks the pruner whether
the trial is behind the others and, when it is, answers with the trial's status set to
``STOPPED``; the trial stops at the end of that epoch. This works in the search's own process
and from worker processes (Keras Tuner's ``OracleClient.update_trial`` returns the chief's
answer over gRPC, status included), with grid, random and Bayesian search.

Both pruners compare a trial's *score so far* at epoch ``k`` (with early stopping, the best
value up to ``k``, whose weights early stopping keeps; without it, the value at ``k``) with the
other trials' scores at the same epoch:

* :class:`MedianPruner` (Optuna's median rule): after ``warmup_epochs`` epochs, and once at least
  ``warmup_trials`` other trials have reached epoch ``k``, a trial worse than their median at
  ``k`` stops.
* :class:`AshaPruner` (asynchronous successive halving, Li et al. 2020): rungs at
  ``min_epochs * reduction_factor**r`` epochs; a trial reaching a rung continues only when it
  is within the best ``1 / reduction_factor`` of the trials that reached that rung so far
  (itself included; with fewer than ``reduction_factor`` trials there, only the best
  continues). A trial never waits for others: it is judged against the trials already there.

A pruned trial is final: its ``result.json`` has status ``"pruned"``, ``pruned_at_epoch`` and
its score at that epoch, and it competes on that score (it is the best trial when nothing beats
it). Keras Tuner records it as COMPLETED with that score, so Bayesian search learns from it.
Hyperband has its own schedule of epochs and is not combined with a pruner.

Keras Tuner's extension points used here are ``Oracle.update_trial`` and ``Oracle.score_trial``,
with ``Oracle.trials`` and a trial's ``MetricsTracker`` history; a trial's folder comes from
:func:`~keras_zoo.tuning.oracles.kt_adapter.trial_dir`.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import statistics
from collections.abc import Sequence
from typing import Any

from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning.oracles import kt_adapter
from keras_zoo.tuning.schema import RESULT_FILE, final_result, read_record

log = logging.getLogger(__name__)

PRUNERS = ("median", "asha")
"""The accepted ``pruner`` names (and ``None`` or ``"none"``: no pruning)."""


def best_so_far(curve: Sequence[float], direction: str, *, running_best: bool = True) -> float:
    """A trial's score after ``len(curve)`` epochs: the best value so far (``running_best``,
    as early stopping keeps the best epoch's weights) or the last one. NaN values are ignored
    (an all-NaN curve scores NaN)."""
    values = [float(v) for v in curve if not math.isnan(float(v))]
    if not running_best:
        return float(curve[-1]) if len(curve) else math.nan
    if not values:
        return math.nan
    return max(values) if direction == "max" else min(values)


def _worse(a: float, b: float, direction: str) -> bool:
    """Whether score ``a`` is strictly worse than ``b`` (NaN is worse than anything)."""
    if math.isnan(a):
        return not math.isnan(b)
    if math.isnan(b):
        return False
    return a < b if direction == "max" else a > b


class Pruner:
    """A rule that tells, from the objective curves, whether a running trial stops now.

    Attributes:
        name: The name ``make_pruner`` knows it by.
        running_best: Score a curve by its best value so far (the search's early stopping keeps
            the best epoch's weights); ``False`` scores it by its last value.
    """

    name = "pruner"

    def __init__(self) -> None:
        self.running_best = True

    def score(self, curve: Sequence[float], direction: str) -> float:
        return best_so_far(curve, direction, running_best=self.running_best)

    def at_epoch(self, others: Sequence[Sequence[float]], epoch: int, direction: str
                 ) -> list[float]:
        """The scores at ``epoch`` (1-based) of the other trials that reached it."""
        return [self.score(curve[:epoch], direction) for curve in others if len(curve) >= epoch]

    def should_stop(self, curve: Sequence[float], others: Sequence[Sequence[float]],
                    direction: str) -> bool:
        """Whether the trial whose objective, epoch by epoch, is ``curve`` stops after its last
        epoch, given the curves ``others`` of the other trials (finished or running).

        Args:
            curve: This trial's objective at epochs 1..k.
            others: The other trials' objective curves (any lengths).
            direction: ``"max"`` or ``"min"``.
        """
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """The pruner's name and settings (recorded in ``search.json``)."""
        return {"name": self.name}


class MedianPruner(Pruner):
    """Stop a trial whose score at epoch ``k`` is worse than the median of the other trials'
    scores at epoch ``k``.

    Args:
        warmup_epochs: No trial stops before this many epochs.
        warmup_trials: Nothing stops at epoch ``k`` until at least this many other trials
            reached it.
    """

    name = "median"

    def __init__(self, warmup_epochs: int = 5, warmup_trials: int = 5):
        super().__init__()
        self.warmup_epochs = _positive("warmup_epochs", warmup_epochs)
        self.warmup_trials = _positive("warmup_trials", warmup_trials)

    def should_stop(self, curve, others, direction):
        epoch = len(curve)
        if epoch < self.warmup_epochs:
            return False
        scores = [s for s in self.at_epoch(others, epoch, direction) if not math.isnan(s)]
        if len(scores) < self.warmup_trials:
            return False
        return _worse(self.score(curve, direction), statistics.median(scores), direction)

    def describe(self):
        return {"name": self.name, "warmup_epochs": self.warmup_epochs,
                "warmup_trials": self.warmup_trials}


class AshaPruner(Pruner):
    """Asynchronous successive halving: at each rung (``min_epochs * reduction_factor**r``
    epochs) only the best ``1 / reduction_factor`` of the trials that reached it continue.

    Args:
        min_epochs: The first rung: no trial stops before this many epochs.
        reduction_factor: The ratio between rungs, and the fraction (its inverse) that continues
            at each. 4 by default, as in Ray Tune's ASHA and Optuna's successive halving.
    """

    name = "asha"

    def __init__(self, min_epochs: int = 4, reduction_factor: int = 4):
        super().__init__()
        self.min_epochs = _positive("min_epochs", min_epochs)
        self.reduction_factor = _positive("reduction_factor", reduction_factor, least=2)

    def is_rung(self, epoch: int) -> bool:
        """Whether ``epoch`` (1-based) is a rung."""
        rung = self.min_epochs
        while rung < epoch:
            rung *= self.reduction_factor
        return rung == epoch

    def should_stop(self, curve, others, direction):
        epoch = len(curve)
        if not self.is_rung(epoch):
            return False
        mine = self.score(curve, direction)
        scores = [s for s in self.at_epoch(others, epoch, direction) if not math.isnan(s)]
        ranked = sorted([*scores, mine] if not math.isnan(mine) else scores,
                        reverse=direction == "max")
        if not ranked:
            return False
        keep = max(1, len(ranked) // self.reduction_factor)
        return _worse(mine, ranked[keep - 1], direction)

    def describe(self):
        return {"name": self.name, "min_epochs": self.min_epochs,
                "reduction_factor": self.reduction_factor}


def _positive(name: str, value: Any, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InputValueError(f"`{name}` must be an integer >= {least}. "
                              f"Received: {name}={value!r}")
    return value


def make_pruner(pruner: str | Pruner | None) -> Pruner | None:
    """The pruner named ``pruner`` with its default settings (``None`` or ``"none"``: none); a
    :class:`Pruner` instance is used as it is. (Whether the strategy takes one is its own
    check: :meth:`Strategy.check_pruner <keras_zoo.tuning.oracles.strategies.Strategy>`.)

    Raises:
        InputValueError: An unknown name.
    """
    if isinstance(pruner, Pruner):
        return pruner
    if pruner is None or (isinstance(pruner, str) and pruner.lower() == "none"):
        return None
    if isinstance(pruner, str) and pruner.lower() in PRUNERS:
        return MedianPruner() if pruner.lower() == "median" else AshaPruner()
    raise InputValueError(f"`pruner` must be one of {', '.join(map(repr, PRUNERS))} or "
                          f"None. Received: pruner={pruner!r}")


def objective_curve(trial: Any, objective: str) -> list[float]:
    """A Keras Tuner trial's objective by epoch (steps 0, 1, ... until the first gap), each the
    mean over the executions that reported it."""
    metrics = trial.metrics
    if not metrics.exists(objective):
        return []
    by_step = {int(obs.step): float(obs.mean()) for obs in metrics.get_history(objective)}
    curve = []
    while len(curve) in by_step:
        curve.append(by_step[len(curve)])
    return curve


class PruningOracleMixin:
    """Answers a trial's per-epoch report with status ``STOPPED`` when the pruner says so.

    Set :attr:`pruner` to use it (``None``: reports are recorded, nothing stops). It goes after
    :class:`~keras_zoo.tuning.oracles.chief.ServedOracleMixin` in an oracle's bases, so the served
    oracle's guard and lock wrap it.
    """

    pruner: Pruner | None = None

    def update_trial(self, trial_id, metrics, step=0):
        trial = super().update_trial(trial_id, metrics, step)
        pruner = self.pruner
        name = self.objective.name
        if pruner is None or trial is None or name not in metrics:
            return trial
        curve = objective_curve(trial, name)
        if len(curve) != int(step) + 1:  # not the latest epoch of one unbroken curve
            return trial
        others = [objective_curve(t, name) for t in self.trials.values()
                  if t.trial_id != trial_id and t.status not in ("FAILED", "INVALID")]
        if not pruner.should_stop(curve, others, self.objective.direction):
            return trial
        log.debug("pruning trial %s at epoch %d", trial_id, len(curve))
        answer = copy.copy(trial)  # the oracle's own trial keeps running until it ends
        answer.status = "STOPPED"
        return answer

    def score_trial(self, trial):
        """Keras Tuner's score is the best value of the reported objective; with pruning, the
        trial's ``result.json`` holds its score (the mean of its executions, or a pruned
        trial's score at the epoch it stopped), which is used instead."""
        super().score_trial(trial)
        if self.pruner is None:
            return
        record = read_record(os.path.join(kt_adapter.trial_dir(self, trial.trial_id),
                                          RESULT_FILE))
        if final_result(record) and record.status != "failed":
            trial.score = float(record.score)
            trial.best_step = max(int(record.best_epoch or 1) - 1, 0)


def describe(pruner: Pruner | None) -> dict[str, Any] | None:
    """What ``search.json`` records of a search's pruner (``None``: no pruning)."""
    return None if pruner is None else pruner.describe()
