"""The tuner that runs a search's trials on Keras Tuner, hardened.

What Keras Tuner 1.4.8's tuner does that a search here must not (its oracles:
:mod:`~keras_zoo.tuning.oracles.strategies`):

* A full disk makes a trial "failed" and the search goes on: here it stops the search
  (:class:`DiskFull`), and the trial reruns on resume.
* A tuner reloads only when its own state file exists: here a search started in another mode
  (one process or workers), or whose tuner file is gone, resumes from the oracle's file or the
  trial folders (:mod:`~keras_zoo.tuning.oracles.recovery`).
* The best-epoch checkpoint is written on every improving epoch: here the model is saved once,
  at the end of a trial, and only while it is the best so far (``keep_models="best"``).
* Workers busy-loop while the oracle has nothing to give; here they wait 0.2 s between asks.

This module uses Keras Tuner's public API (``BaseTuner.run_trial`` and the tuner's hooks,
``oracle.update_trial``); the internals it needs (whether it is a worker, where its state file
is) are in :mod:`~keras_zoo.tuning.oracles.kt_adapter`, the one module to check when upgrading
Keras Tuner.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import keras_tuner as kt
from keras_tuner.engine.base_tuner import BaseTuner
from keras_tuner.engine.trial import TrialStatus

from keras_zoo.base import atomic_write_json
from keras_zoo.tuning.errors import NotTheTrialsFault, TrialFailed
from keras_zoo.tuning.oracles import kt_adapter, recovery
from keras_zoo.tuning.schema import MODEL_FILE, RESULT_FILE, TrialRecord, read_record
from keras_zoo.tuning.trial.job import Continuation, TrialJob, disk_full

log = logging.getLogger(__name__)


class ChiefUnreachable(kt.errors.FatalError, NotTheTrialsFault):
    """A worker could not talk to the chief during a trial (its ``__cause__`` is the gRPC
    error): not the configuration's fault, so the trial is not recorded as failed; the worker
    stops and the trial runs again at the chief."""


def chief_call(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``, a gRPC error raised as :class:`ChiefUnreachable`."""
    try:
        return call(*args, **kwargs)
    except Exception as err:
        if type(err).__module__.startswith("grpc"):
            raise ChiefUnreachable(f"the chief did not answer: {err}") from err
        raise


class DiskFull(kt.errors.FatalError):
    """A trial met a full disk (or quota): the search stops instead of failing the trial."""


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
        oracle: An oracle of :mod:`~keras_zoo.tuning.oracles.strategies` (or, in a worker, any
            oracle: Keras Tuner swaps it for a client of the chief's).
        job: What a trial builds and trains.
        directory, project_name: Where the search lives (``directory/project_name``).
        device: The device name recorded with each trial.
        scope: Context manager factory placing a trial (``tf.device`` or a strategy scope).
        overwrite: Keras Tuner's: start the project directory afresh.
    """

    def __init__(self, oracle: kt.Oracle, job: TrialJob, *, directory: str, project_name: str,
                 device: str, scope: Callable[[], Any], overwrite: bool = False):
        self.job = job
        self.device = device
        self.scope = scope
        self._reloaded = False
        with _quiet_stdout():
            super().__init__(oracle=oracle, hypermodel=None, directory=directory,
                             project_name=project_name, overwrite=overwrite)
            # Keras Tuner reloads only when this tuner id's own file exists; a search started in
            # another mode (single process vs workers), or whose tuner file is gone, must still
            # resume from the oracle's file or, without one, from the trial folders.
            if (not self._reloaded and not kt_adapter.is_worker(self) and not overwrite
                    and _has_state(self.project_dir)):
                self.oracle.reload()

    def reload(self):
        """Reload the oracle (not in a worker: the chief's is the one that counts).

        The tuner's own file is not read: ``BaseTuner`` keeps nothing in it, so a damaged one
        cannot stop a resume.

        Raises:
            InputValueError: A state file that cannot be rebuilt (see
                :mod:`~keras_zoo.tuning.oracles.recovery`).
        """
        self._reloaded = True
        if not kt_adapter.is_worker(self):
            self.oracle.reload()

    def save(self):
        if not kt_adapter.is_worker(self):
            self.oracle.save()
        atomic_write_json(kt_adapter.tuner_file(self), self.get_state())

    # --- the search loop (Keras Tuner's, with a pause while the oracle is idle) ---------------

    def search(self, *fit_args, **fit_kwargs):
        """Keras Tuner's search loop, over its public hooks, waiting 0.2 s while the oracle has
        no trial to give and ending when :attr:`should_retire` says so; in Keras Tuner's chief
        (``KERASTUNER_TUNER_ID=chief``), Keras Tuner's own ``search`` (it serves the oracle)."""
        worker = kt_adapter.is_worker(self)
        if not worker:
            self.oracle.verbose = 0  # Keras Tuner's own per-trial printout; we log instead
        if kt_adapter.has_chief() and not worker:
            super().search(*fit_args, **fit_kwargs)  # the chief: serve the oracle
            return
        self.on_search_begin()
        while True:
            self.pre_create_trial()
            trial = self.oracle.create_trial(self.tuner_id)
            if trial.status == TrialStatus.STOPPED:
                break
            if trial.status == TrialStatus.IDLE:  # others' trials run: ask again shortly
                time.sleep(0.2)
                continue
            self.on_trial_begin(trial)
            self._run_one(trial, *fit_args, **fit_kwargs)
            self.on_trial_end(trial)
            if self.should_retire is not None and self.should_retire():
                self.retired = True  # a worker process replaced by a fresh one
                break
        self.on_search_end()

    should_retire: Callable[[], bool] | None = None
    """Asked after each trial; ``True`` ends this tuner's loop (a worker that retires)."""
    retired = False

    def _run_one(self, trial, *fit_args, **fit_kwargs):
        """Run ``trial`` and report it, setting its status, as Keras Tuner's loop does, without
        printing the traceback (its ``config.DEBUG`` is on by default): a failed trial is one
        line of the progress output, its traceback is in its ``result.json``, and
        ``trial.message`` is the one-line error."""
        try:
            self._run_and_report(trial, *fit_args, **fit_kwargs)
            trial.status = TrialStatus.COMPLETED
        except kt.errors.FatalError:
            raise
        except Exception as err:  # noqa: BLE001 - Keras Tuner's own rule: a trial fails, not the search
            failed = isinstance(err, kt.errors.FailedTrialError)
            trial.status = TrialStatus.FAILED if failed else TrialStatus.INVALID
            trial.message = str(err) if failed else f"{type(err).__name__}: {err}"

    def _run_and_report(self, trial, *fit_args, **fit_kwargs):
        """Run the trial and report its metrics to the oracle (``update_trial``), with a full
        disk made fatal: Keras Tuner would record the trial as failed and go on; here the
        search stops (:class:`DiskFull`) and the trial, which has no result, runs again on
        resume. With a pruner, the oracle already holds the objective by epoch; it scores the
        trial from its ``result.json`` (:mod:`~keras_zoo.tuning.oracles.pruning`)."""
        try:
            metrics = self.run_trial(trial, *fit_args, **fit_kwargs)
            name = self.oracle.objective.name
            if not self.job.pruner and not self.oracle.get_trial(
                    trial.trial_id).metrics.exists(name):  # as Keras Tuner: reported once
                self.oracle.update_trial(trial.trial_id, metrics, step=0)
        except kt.errors.FatalError:
            raise
        except Exception as err:
            if disk_full(err):
                raise DiskFull(f"{type(err).__name__}: {err}") from err
            raise

    def run_trial(self, trial, *args, **kwargs):
        trial_dir = self.get_trial_dir(trial.trial_id)
        values = {k: v for k, v in trial.hyperparameters.values.items()
                  if not k.startswith("tuner/")}
        try:
            record = self.job.run(trial.trial_id, values, trial_dir, device=self.device,
                                  worker=self.tuner_id,
                                  scope=self.scope, best_so_far=self._best_score,
                                  on_saved=self._drop_worse_models,
                                  continuation=_continuation(self, trial),
                                  report=self._reporter(trial.trial_id) if self.job.pruner
                                  else None)
        except TrialFailed as err:
            raise kt.errors.FailedTrialError(str(err)) from err
        metrics = dict(record.metrics or {})
        metrics[self.job.objective] = record.score
        return metrics

    def _reporter(self, trial_id: str) -> Callable[[int, Any], bool]:
        """Report the objective after each epoch (Keras Tuner's ``update_trial``, over gRPC in
        a worker); ``True`` when the oracle answers that the trial stops (it was pruned)."""
        name = self.job.objective

        def report(epoch: int, logs: Any) -> bool:
            if logs.get(name) is None:
                return False
            answer = chief_call(self.oracle.update_trial, trial_id, {name: float(logs[name])},
                                step=epoch)
            return answer is not None and answer.status == TrialStatus.STOPPED

        return report

    # --- model files -----------------------------------------------------------------------

    def _best_score(self) -> float | None:
        best = None
        for trial in chief_call(self.oracle.get_best_trials, 1):
            if trial.status == TrialStatus.COMPLETED and trial.score is not None:
                best = trial.score
        return best

    def _drop_worse_models(self, path: str, record: TrialRecord) -> bool:
        return drop_worse_models(self.project_dir, path, record, self.job)


WEIGHTS_FILE = "weights.weights.h5"
"""A Hyperband trial's weights, which the trials continuing it start from."""


def drop_worse_models(project_dir: str, path: str, record: TrialRecord, job: TrialJob) -> bool:
    """Keep disk use flat (``keep_models="best"``): of the saved models of scored trials and
    the one just saved at ``path`` (whose trial's result is ``record``, perhaps not yet on
    disk), keep the best-ranked (objective, then tie-breaker: ``job.ranking``) and delete the
    others. Returns whether the model at ``path`` stays."""
    if job.keep_models != "best" or record.score is None:
        return True
    ranking = job.ranking
    new = ranking.record_key(record)
    for name in os.listdir(project_dir):
        model_path = os.path.join(project_dir, name, MODEL_FILE)
        if model_path == path or not os.path.exists(model_path):
            continue
        other = read_record(os.path.join(project_dir, name, RESULT_FILE))
        if other is None or not other.scored:
            continue  # its result is not written yet: both stay (the ranking prefers kept ones)
        if new < ranking.record_key(other):
            with contextlib.suppress(OSError):
                os.remove(model_path)
        else:  # as good or better, and kept first
            with contextlib.suppress(OSError):
                os.remove(path)
            return False
    return True


def _has_state(project_dir: str) -> bool:
    """Whether a previous run left an oracle file or trial folders to resume from."""
    return os.path.exists(os.path.join(project_dir, recovery.ORACLE_STATE)) or any(
        name.startswith("trial_") for name in os.listdir(project_dir))


def _continuation(tuner: ZooTuner, trial) -> Continuation | None:
    """Hyperband's bracket bookkeeping: train ``tuner/epochs - tuner/initial_epoch`` more epochs,
    starting from the weights of ``tuner/trial_id`` when it continues a trial (``None``: not a
    Hyperband trial)."""
    values = trial.hyperparameters.values
    if "tuner/epochs" not in values:
        return None
    previous = values.get("tuner/trial_id")
    weights = os.path.join(tuner.get_trial_dir(previous), WEIGHTS_FILE) if previous else None
    return Continuation(
        epochs=int(values["tuner/epochs"]) - int(values.get("tuner/initial_epoch", 0)),
        initial_weights=weights if weights is not None and os.path.exists(weights) else None,
        save_weights_to=os.path.join(tuner.get_trial_dir(trial.trial_id), WEIGHTS_FILE))
