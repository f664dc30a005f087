"""Keras Tuner oracles and the tuner, hardened.

What Keras Tuner 1.4.8 does that a search here must not:

* ``GridSearch`` cannot resume after a crash (its oracle keeps its enumeration state in memory
  only: KeyError on reload). :class:`GridOracle` enumerates the product in a fixed order and hands
  out the first configuration not yet started, so its state is just the set of tried
  configurations Keras Tuner already saves: it resumes, and parallel workers never repeat one.
* Trial and oracle files are written non-atomically (a kill mid-write leaves broken JSON): every
  state file here is written to a temporary file and renamed.
* A kill between writing a new trial and writing the oracle leaves a trial the oracle never
  started ("half-started"): on reload it is dropped, and its configuration runs again. A trial
  that finished but was not yet recorded as finished is not run again.
* The best-epoch checkpoint is written on every improving epoch: here the model is saved once,
  at the end of a trial, and only while it is the best so far (``keep_models="best"``).
* Workers busy-loop while the oracle has nothing to give; here they wait 0.2 s between asks.

This module is the one place that uses Keras Tuner internals (names with a leading underscore:
``Oracle._get_oracle_fname``, ``_get_trial_dir``, ``_project_dir``, ``_retry_queue``,
``_duplicate``; ``BaseTuner._try_run_and_update_trial``, ``_is_worker``, ``_get_tuner_fname``)
and its ``keras_tuner.engine`` modules. Known to work with keras-tuner 1.4.8; check them when
upgrading it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import time
from collections.abc import Callable
from typing import Any

import keras_tuner as kt
from keras_tuner.engine.base_tuner import BaseTuner
from keras_tuner.engine.trial import TrialStatus

from keras_zoo.base import atomic_write_json
from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning.results import read_json
from keras_zoo.tuning.space import Space
from keras_zoo.tuning.trial import MODEL_FILE, RESULT_FILE, TrialFailed, TrialJob

log = logging.getLogger(__name__)


class _SafeStateMixin:
    """Atomic state files, clean reloads, and releasing the trial of a worker that died."""

    def save(self):
        atomic_write_json(self._get_oracle_fname(), self.get_state())

    def _save_trial(self, trial):
        atomic_write_json(os.path.join(self._get_trial_dir(trial.trial_id), "trial.json"),
                          trial.get_state())

    def reload(self):
        super().reload()
        started = set(self.start_order)
        for trial_id in [t for t in self.trials if t not in started]:
            # Written as a new trial, killed before the oracle recorded it: never started.
            del self.trials[trial_id]
            shutil.rmtree(os.path.join(self._project_dir, f"trial_{trial_id}"), ignore_errors=True)
        for trial_id in list(self._retry_queue):
            trial = self.trials[trial_id]
            if trial.status == TrialStatus.COMPLETED and trial.score is not None:
                # Finished, but killed before the oracle recorded the end: do not run it again.
                self._retry_queue.remove(trial_id)
                if trial_id not in self.end_order:
                    self.end_order.append(trial_id)

    @kt.synchronized
    def release_worker(self, tuner_id: str) -> str | None:
        """Give the ongoing trial of a worker that died back to the queue; returns its id."""
        trial = self.ongoing_trials.pop(tuner_id, None)
        self.tuner_ids.discard(tuner_id)
        if trial is None:
            return None
        self._retry_queue.append(trial.trial_id)
        self.save()
        return trial.trial_id

    @kt.synchronized
    def force_stop(self) -> None:
        """Make every later ``create_trial`` answer STOPPED (used to shut a chief down)."""
        self._forced_stop = True
        self.ongoing_trials.clear()
        self.tuner_ids.clear()
        self._retry_queue.clear()

    def populate_space(self, trial_id):
        if getattr(self, "_forced_stop", False):
            return {"status": TrialStatus.STOPPED, "values": None}
        return super().populate_space(trial_id)


class GridOracle(_SafeStateMixin, kt.Oracle):
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
        if getattr(self, "_forced_stop", False):
            return {"status": TrialStatus.STOPPED, "values": None}
        for values in self._grid:
            if not self._duplicate(values):
                return {"status": TrialStatus.RUNNING, "values": dict(values)}
        if self.ongoing_trials:
            return {"status": TrialStatus.IDLE, "values": None}
        return {"status": TrialStatus.STOPPED, "values": None}


class RandomOracle(_SafeStateMixin, kt.oracles.RandomSearchOracle):
    """Keras Tuner's random search (seeded, resumable) with safe state files."""


class BayesianOracle(_SafeStateMixin, kt.oracles.BayesianOptimizationOracle):
    """Keras Tuner's Gaussian-process Bayesian optimisation with safe state files."""


class HyperbandOracle(_SafeStateMixin, kt.oracles.HyperbandOracle):
    """Keras Tuner's Hyperband with safe state files (trials pass weights between brackets).

    Keras Tuner's Hyperband takes no ``max_trials`` (its brackets set the count from
    ``max_epochs`` and ``factor``); here ``max_trials`` caps it, through the base oracle's own
    check.
    """

    def __init__(self, *args: Any, max_trials: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_trials = max_trials


STRATEGIES = ("grid", "random", "bayesian", "hyperband")


def make_oracle(strategy: str, space: Space, objective: kt.Objective, *, max_trials: int | None,
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


@contextlib.contextmanager
def _quiet_stdout():
    """Keras Tuner prints ("Reloading Tuner from ..."); library code logs instead."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield
    text = buffer.getvalue().strip()
    if text:
        log.debug("keras_tuner: %s", text)


class ZooTuner(BaseTuner):
    """A Keras Tuner ``BaseTuner`` whose trials are :class:`TrialJob` runs.

    Args:
        oracle: One of the oracles above (or, in a worker, any oracle: Keras Tuner swaps it for
            a client of the chief's).
        job: What a trial builds and trains.
        directory, project_name: Where the search lives (``directory/project_name``).
        device: The device name recorded with each trial.
        scope: Context manager factory placing a trial (``tf.device`` or a strategy scope).
        on_idle: Called while the oracle has nothing to hand out (the parallel launcher
            releases the trials of dead workers then).
        overwrite: Keras Tuner's: start the project directory afresh.
    """

    def __init__(self, oracle: kt.Oracle, job: TrialJob, *, directory: str, project_name: str,
                 device: str, scope: Callable[[], Any],
                 on_idle: Callable[[], None] | None = None, overwrite: bool = False):
        self.job = job
        self.device = device
        self.scope = scope
        self.on_idle = on_idle
        self._reloaded = False
        with _quiet_stdout():
            super().__init__(oracle=oracle, hypermodel=None, directory=directory,
                             project_name=project_name, overwrite=overwrite)
            # Keras Tuner reloads only when this tuner id's own file exists; a search started in
            # another mode (single process vs workers) must still resume from the oracle's file.
            if (not self._reloaded and not self._is_worker() and not overwrite
                    and os.path.exists(os.path.join(self.project_dir, "oracle.json"))):
                self.oracle.reload()

    def reload(self):
        self._reloaded = True
        super().reload()

    def save(self):
        if not self._is_worker():
            self.oracle.save()
        atomic_write_json(self._get_tuner_fname(), self.get_state())

    # --- the search loop (Keras Tuner's, with a pause while the oracle is idle) ---------------

    def search(self, *fit_args, **fit_kwargs):
        from keras_tuner.engine import base_tuner

        if not self._is_worker():
            self.oracle.verbose = 0  # Keras Tuner's own per-trial printout; we log instead
        if self._is_worker() or not _has_chief():
            self.on_search_begin()
            while True:
                self.pre_create_trial()
                trial = self.oracle.create_trial(self.tuner_id)
                if trial.status == TrialStatus.STOPPED:
                    break
                if trial.status == TrialStatus.IDLE:
                    if self.on_idle is not None:
                        self.on_idle()
                    time.sleep(0.2)
                    continue
                self.on_trial_begin(trial)
                self._try_run_and_update_trial(trial, *fit_args, **fit_kwargs)
                self.on_trial_end(trial)
            self.on_search_end()
            return
        base_tuner.BaseTuner.search(self, *fit_args, **fit_kwargs)  # the chief: serve the oracle

    def run_trial(self, trial, *args, **kwargs):
        trial_dir = self.get_trial_dir(trial.trial_id)
        values = {k: v for k, v in trial.hyperparameters.values.items()
                  if not k.startswith("tuner/")}
        extra = _hyperband_extra(self, trial)
        try:
            record = self.job.run(trial.trial_id, values, trial_dir, device=self.device,
                                  worker=self.tuner_id,
                                  scope=self.scope, best_so_far=self._best_score,
                                  on_saved=self._drop_worse_models, extra=extra)
        except TrialFailed as err:
            raise kt.errors.FailedTrialError(str(err)) from err
        metrics = dict(record["metrics"])
        metrics[self.job.objective] = record["score"]
        return metrics

    # --- model files -----------------------------------------------------------------------

    def _best_score(self) -> float | None:
        best = None
        for trial in self.oracle.get_best_trials(1):
            if trial.status == TrialStatus.COMPLETED and trial.score is not None:
                best = trial.score
        return best

    def _drop_worse_models(self, path: str, score: float) -> None:
        """Keep disk use flat: delete saved models of completed trials this one beats."""
        if self.job.keep_models != "best":
            return
        root = self.project_dir
        for name in os.listdir(root):
            model_path = os.path.join(root, name, MODEL_FILE)
            if model_path == path or not os.path.exists(model_path):
                continue
            other = read_json(os.path.join(root, name, RESULT_FILE))
            if other.get("status") == "completed" and self.job.better(score, other.get("score")):
                with contextlib.suppress(OSError):
                    os.remove(model_path)


def _has_chief() -> bool:
    return "KERASTUNER_ORACLE_IP" in os.environ


def _hyperband_extra(tuner: ZooTuner, trial) -> dict[str, Any]:
    """Hyperband's bracket bookkeeping: train ``tuner/epochs - tuner/initial_epoch`` more epochs,
    starting from the weights of ``tuner/trial_id`` when it continues a trial."""
    values = trial.hyperparameters.values
    if "tuner/epochs" not in values:
        return {}
    extra: dict[str, Any] = {"epochs": int(values["tuner/epochs"]) - int(
        values.get("tuner/initial_epoch", 0))}
    previous = values.get("tuner/trial_id")
    if previous:
        weights = os.path.join(tuner.get_trial_dir(previous), "weights.weights.h5")
        if os.path.exists(weights):
            extra["initial_weights"] = weights
    extra["save_weights_to"] = os.path.join(tuner.get_trial_dir(trial.trial_id),
                                            "weights.weights.h5")
    return extra
