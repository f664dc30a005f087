"""The oracle as the chief of worker processes: served over gRPC, safe to supervise.

:func:`serve_oracle` serves an oracle to Keras Tuner workers on a server the search starts and
stops itself (Keras Tuner's own ``start_server`` decides alone when to exit, and polls every
20 s). :class:`ServedOracleMixin` makes the oracle safe to serve:

* Keras Tuner's ``@synchronized`` lock is not released when the call raises (it has no
  ``finally``): an error inside ``end_trial`` on the server's thread (its stop after
  consecutive failures, a full disk while saving) left the lock held, and the supervisor's next
  call waited forever. Here such an error is recorded as :attr:`stop_error`, the oracle hands
  out no more trials, and the supervisor raises it from its own thread.
* A worker that died is released in one locked step (:meth:`release_worker`): its trial is done
  if its ``result.json`` was written before the death (never trained again), recorded as failed
  if it took down too many workers, or queued to run again; a worker's late ``end_trial`` for a
  queued trial takes it off the queue.

The Keras Tuner internals this needs (its gRPC servicer; the oracle's running trials, tuner ids,
retry queue and end order; where a trial's files are) are reached through
:mod:`~keras_zoo.tuning.oracles.kt_adapter`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import keras_tuner as kt
from keras_tuner.engine.trial import Trial, TrialStatus

from keras_zoo.tuning.oracles import kt_adapter, recovery
from keras_zoo.tuning.schema import RESULT_FILE, final_result, read_record

log = logging.getLogger(__name__)


def serve_oracle(oracle: kt.Oracle, host: str = "127.0.0.1", port: int = 0, *,
                 interceptors: tuple[Any, ...] = (), handlers: tuple[Any, ...] = (),
                 options: tuple[tuple[str, Any], ...] = ()) -> tuple[Any, int]:
    """Serve ``oracle`` to Keras Tuner workers on ``host:port`` (port 0: a free one chosen when
    binding); returns the started gRPC server (stop it with ``server.stop(grace).wait()``) and
    the port. ``interceptors`` check every call (the token:
    :class:`~keras_zoo.tuning.runtime.wire.Gate`);
    ``handlers`` serve more methods on the same port (:mod:`~keras_zoo.tuning.runtime.remote`);
    ``options`` are gRPC's (the message sizes: :data:`~keras_zoo.tuning.runtime.wire.GRPC_OPTIONS`).

    Raises:
        OSError: The address cannot be listened on.
    """
    return kt_adapter.serve(oracle, host, port, interceptors=interceptors, handlers=handlers,
                            options=options)


class ServedOracleMixin:
    """Errors recorded instead of raised while serving, and releasing dead workers' trials."""

    serving = False
    """Set while the oracle answers worker processes: errors are recorded, not raised."""
    stop_error: BaseException | None = None
    """The first error the oracle met while serving (the search stops with it)."""
    exhausted = False
    """Set once the oracle told a worker that no trial is left."""
    require_results = False
    """Set while workers on other machines may report: a trial ends only once its
    ``result.json`` is in the search directory (a late ``end_trial`` of a worker that was
    released, whose result was refused, is ignored: the trial's new worker ends it)."""

    def _guarded(self, call: Callable[..., Any], *args: Any) -> Any:
        if not self.serving:
            return call(*args)
        try:
            return call(*args)
        except Exception as err:  # noqa: BLE001 - recorded; the supervisor raises it
            if self.stop_error is None:
                self.stop_error = err
            return None

    @kt.synchronized
    def create_trial(self, tuner_id):
        trial = None if self.stop_error is not None else self._guarded(super().create_trial,
                                                                        tuner_id)
        if trial is None:  # the search stops: nothing more to hand out
            kt_adapter.tuner_ids(self).discard(tuner_id)
            trial = Trial(self.hyperparameters.copy(), trial_id="stopped",
                          status=TrialStatus.STOPPED)
        if trial.status == TrialStatus.STOPPED:
            self.exhausted = True
        return trial

    @kt.synchronized
    def update_trial(self, trial_id, metrics, step=0):
        trial = self._guarded(super().update_trial, trial_id, metrics, step)
        return trial if trial is not None else self.trials[trial_id]

    @kt.synchronized
    def end_trial(self, trial):
        if self.require_results and trial.trial_id in kt_adapter.end_order(self):
            return  # ended already (by the worker it was handed to after a release)
        if self.require_results and not final_result(read_record(os.path.join(
                kt_adapter.trial_dir(self, trial.trial_id), RESULT_FILE))):
            log.warning("Ignored the end of trial %s: its result was not taken (its worker was "
                        "released); it ends with the worker that runs it now.", trial.trial_id)
            return
        kt_adapter.unqueue(self, trial.trial_id)  # its worker was seen dead, yet it ended
        self._guarded(super().end_trial, trial)

    @kt.synchronized
    def accept_result(self, worker: str, trial_id: str, write: Callable[[], str | None]
                      ) -> str | None:
        """Let a remote worker's result of ``trial_id`` be written (``write()``, under the
        oracle's lock, so that no release comes in between) only if the trial is that worker's;
        returns why it was refused, or ``None``."""
        trial = kt_adapter.ongoing(self).get(worker)
        if trial is None or trial.trial_id != trial_id:
            return "not this worker's trial (it was released)"
        try:
            return write()
        except OSError as err:
            return f"the chief could not write it: {err}"

    @kt.synchronized
    def release_worker(self, tuner_id: str,
                       give_up: Callable[[Any], str | None] | None = None
                       ) -> tuple[str | None, str]:
        """Release a worker process that exited; returns its trial's id (``None`` when it had
        none) and what became of it: ``"none"``, ``"done"`` (its result was written),
        ``"failed"`` (``give_up(trial)`` returned an error message) or ``"queued"``."""
        trial = kt_adapter.ongoing(self).pop(tuner_id, None)
        kt_adapter.tuner_ids(self).discard(tuner_id)
        if trial is None:
            return None, "none"
        record = read_record(os.path.join(kt_adapter.trial_dir(self, trial.trial_id),
                                          RESULT_FILE))
        if final_result(record):  # finished before the worker died: never rerun
            recovery.mark_done(self, trial, record)
            kt_adapter.record_ended(self, trial.trial_id)
            self._guarded(kt_adapter.save_trial, self, trial)  # an error: recorded, not held
            self._guarded(self.save)
            return trial.trial_id, "done"
        message = give_up(trial) if give_up is not None else None
        if message:
            trial.status, trial.message = TrialStatus.FAILED, message
            kt_adapter.ongoing(self)[tuner_id] = trial  # end_trial pops it again
            self._guarded(super().end_trial, trial)
            return trial.trial_id, "failed"
        trial.metrics = type(trial.metrics)()  # its rerun reports its epochs afresh (pruning)
        kt_adapter.queue_retry(self, trial.trial_id)
        self._guarded(self.save)
        return trial.trial_id, "queued"

    def queued_trials(self) -> list[str]:
        """Ids of started trials waiting to run again (their worker died)."""
        return list(kt_adapter.retry_queue(self))
