"""A worker process that joined a search: ``python -m keras_zoo.tuning.runtime.remote_tuner ADDRESS``.

Started by :func:`keras_zoo.tuning.work` (see :mod:`~keras_zoo.tuning.runtime.remote`), one per
device.
It joins the chief (the job arrives as data), trains trials with :class:`RemoteTuner`, whose
results and models go to the chief, and beats every few seconds. Its exit status tells its
parent what happened: 0 (the search is done),
:data:`~keras_zoo.tuning.runtime.remote.EXIT_REJOIN` (the chief restarted, or released it: it joins again), ``EXIT_REFUSED`` (wrong token),
``EXIT_CHIEF_LOST`` (no chief for ``--reconnect-timeout`` seconds).

Told "no trial left" while trials still run on other workers, it does not leave: it asks the
chief every second (at most) until the chief says the search is finished, and runs any trial put
back in the queue meanwhile (the trial of a worker that died). It waits at most the chief's
``worker_timeout`` plus :data:`~keras_zoo.tuning.runtime.remote.WAIT_MARGIN_S` seconds without a
trial (enough for the chief to notice a dead worker), then leaves with a message naming the trials
still running.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import keras_tuner as kt

from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning.oracles import kt_adapter
from keras_zoo.tuning.oracles.strategies import make_oracle
from keras_zoo.tuning.runtime import wire
from keras_zoo.tuning.runtime.remote import (
    EXIT_BAD_JOB,
    EXIT_CHIEF_LOST,
    EXIT_REFUSED,
    EXIT_REJOIN,
    EXIT_RETIRED,
    SAFE_ID,
    WAIT_MARGIN_S,
)
from keras_zoo.tuning.runtime.tuner import WEIGHTS_FILE, ChiefUnreachable, ZooTuner
from keras_zoo.tuning.schema import MODEL_FILE, RESULT_FILE, TrialRecord, read_record, write_record
from keras_zoo.tuning.trial.job import TrialJob

log = logging.getLogger(__name__)


class RemoteTuner(ZooTuner):
    """A :class:`~keras_zoo.tuning.runtime.tuner.ZooTuner` whose trials' results (``result.json``,
    the model file when kept, Hyperband's weights) are sent to the chief after each trial, and which
    fetches from the chief the weights a Hyperband trial continues from."""

    def __init__(self, *args: Any, channel: Any, timeout: float = 60.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        kt_adapter.use_channel(self.oracle, channel)
        self._put = channel.unary_unary(f"/{wire.SERVICE}/PutResult")
        self._get = channel.unary_unary(f"/{wire.SERVICE}/GetFile")
        self._timeout = timeout  # a chief restarting is waited for this long
        self.trials_run = 0

    def run_trial(self, trial, *args, **kwargs):
        self.trials_run += 1
        if not SAFE_ID.match(str(trial.trial_id)):
            raise kt.errors.FatalError(f"the chief sent a bad trial id {trial.trial_id!r}")
        trial_dir = self.get_trial_dir(trial.trial_id)
        result = os.path.join(trial_dir, RESULT_FILE)
        with contextlib.suppress(FileNotFoundError):  # a rerun here: not the old result
            os.remove(result)
        try:
            self._fetch_weights(trial, result)
            return super().run_trial(trial, *args, **kwargs)
        finally:
            if os.path.exists(result):
                self._send(trial.trial_id, trial_dir)

    def _send(self, trial_id: str, trial_dir: str) -> None:
        import grpc

        record = read_record(os.path.join(trial_dir, RESULT_FILE))
        files = [os.path.join(trial_dir, name) for name in (MODEL_FILE, WEIGHTS_FILE)]
        blobs = []
        for path in files:
            if os.path.exists(path):
                with open(path, "rb") as handle:
                    blobs.append(handle.read())
            else:
                blobs.append(b"")
        header = {"trial_id": trial_id, "record": {} if record is None else record.to_json(),
                  "model_size": len(blobs[0]), "weights_size": len(blobs[1])}
        try:
            reply, _ = wire.unpack(self._put(wire.pack(header, blobs[0] + blobs[1]),
                                             wait_for_ready=True, timeout=self._timeout))
        except grpc.RpcError as err:
            raise ChiefUnreachable(f"cannot send trial {trial_id}'s result to the chief: "
                                   f"{err.details()}") from err
        if not reply.get("accepted"):
            log.info("the chief did not take trial %s's result (%s)", trial_id,
                     reply.get("reason"))
        with contextlib.suppress(OSError):  # the chief keeps the model; weights stay for Hyperband
            os.remove(files[0])

    def _fetch_weights(self, trial, result: str) -> None:
        """Fetch from the chief the weights a Hyperband trial continues from (trained by
        another worker); without them the trial is recorded as failed (Keras Tuner too fails a
        trial whose weights it cannot load), never trained from scratch for fewer epochs."""
        import grpc

        previous = str(trial.hyperparameters.values.get("tuner/trial_id") or "")
        if not previous:
            return
        path = os.path.join(self.get_trial_dir(previous), WEIGHTS_FILE)
        if os.path.exists(path):
            return
        try:
            _, payload = wire.unpack(self._get(wire.pack({"trial_id": previous}),
                                               wait_for_ready=True, timeout=self._timeout))
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.NOT_FOUND:
                raise ChiefUnreachable(f"cannot fetch trial {previous}'s weights: "
                                       f"{err.details()}") from err
            message = (f"the weights of trial {previous}, which this Hyperband trial continues, "
                       "are not on the chief")
            self._record_failed(trial, result, message)
            raise kt.errors.FailedTrialError(message) from err
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(payload)

    def _record_failed(self, trial, result: str, message: str) -> None:
        from keras_zoo.tuning.space import jsonable

        values = {k: v for k, v in trial.hyperparameters.values.items()
                  if not k.startswith("tuner/")}
        write_record(result, TrialRecord(
            trial_id=trial.trial_id, params=jsonable(self.job.space.decode(values)),
            objective=self.job.objective, direction=self.job.direction,
            status="failed", error=message, device=self.device,
            worker=self.tuner_id, search_id=self.job.search_id))


def remote_tuner(job: TrialJob, *, directory: str, project_name: str, device: str,
                 scope: Callable[[], Any], channel: Any, timeout: float) -> RemoteTuner:
    """A :class:`RemoteTuner` for ``job`` (Keras Tuner swaps its stand-in oracle for a client
    of the chief's: ``KERASTUNER_*`` must be set)."""
    oracle = make_oracle("random", job.space, kt.Objective(job.objective, job.direction),
                         max_trials=None, seed=job.seed, max_epochs=job.epochs,
                         max_consecutive_failures=3)
    return RemoteTuner(oracle, job, directory=directory, project_name=project_name,
                       device=device, scope=scope, channel=channel, timeout=timeout)


# --- one worker process ---------------------------------------------------------------------

def _process_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m keras_zoo.tuning.runtime.remote_tuner")
    parser.add_argument("address")
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--reconnect-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    from keras_zoo.tuning.runtime.worker import exit_with_parent

    exit_with_parent()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format=f"[worker {os.getpid()}] %(message)s")
    import grpc

    try:
        return _join_and_work(args.address, args.work_dir, args.reconnect_timeout)
    except grpc.RpcError as err:
        return _exit_for(err)
    except ChiefUnreachable as err:
        return _exit_for(err.__cause__)
    except InputValueError as err:  # a job this worker cannot or will not run
        log.error("%s", err)
        return EXIT_BAD_JOB
    except KeyboardInterrupt:
        return 71  # its trial, if any, runs again elsewhere
    except BaseException:  # reported; the process exits without hanging at shutdown
        log.exception("this worker stops on an unexpected error")
        return 1


def _exit_for(err: Any) -> int:
    import grpc

    code = err.code() if hasattr(err, "code") else None
    if code == grpc.StatusCode.UNAUTHENTICATED:
        log.error("The chief refused this worker: %s", err.details())
        return EXIT_REFUSED
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        log.info("%s", err.details())
        return EXIT_REJOIN
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        log.error("A message was larger than the %d MB gRPC limit (%s)", wire.MAX_MESSAGE >> 20,
                  err.details())
        return EXIT_BAD_JOB
    if code not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        log.error("The chief answered with an error: %s %s", code, err.details())
        return 1
    if _BEAT["done"]:
        log.info("the search is over: this worker leaves")
        return 0
    log.error("Lost the chief: %s", err.details() if hasattr(err, "details") else err)
    return EXIT_CHIEF_LOST


def _join_and_work(address: str, work_dir: str, reconnect_timeout: float) -> int:
    import keras  # keras_zoo, imported with this package, quieted TensorFlow's start-up

    from keras_zoo.base.backend import keras_device_name
    from keras_zoo.tuning.runtime.worker import retirement
    from keras_zoo.tuning.schema import PROJECT
    from keras_zoo.tuning.trial.devices import physical_gpus

    ids = {"worker": "", "session": ""}
    token = wire.read_token()
    channel = wire.credentials_channel(address, token, ids, reconnect_timeout)
    local = "/GPU:0" if physical_gpus() else "/CPU:0"
    nonce = secrets.token_hex(16)
    reply = channel.unary_unary(wire.JOIN)(
        wire.pack({"host": socket.gethostname(), "pid": os.getpid(), "device": local,
                   "nonce": nonce, "format": wire.FORMAT}),
        wait_for_ready=True, timeout=reconnect_timeout)
    info, payload = wire.unpack(reply)
    if not wire.proof_ok(token, nonce, info.get("proof")):  # before anything it sent is used
        log.error("The server at %s does not know the token: it is not the search's chief; "
                  "nothing it sent is used.", address)
        return EXIT_REFUSED
    if not SAFE_ID.match(str(info.get("worker"))):
        raise InputValueError(f"the chief sent a bad worker id {info.get('worker')!r}")
    ids.update(worker=info["worker"], session=info["session"])
    heartbeat_s = float(info["heartbeat_s"])
    _start_heartbeat(channel, heartbeat_s, reconnect_timeout)
    job = wire.decode_job(info["job"], payload, allowed=wire.allowed_imports())
    log.info("joined the search at %s as %s (%s)", address, ids["worker"], local)
    host, port = wire.parse_address(address, "address")
    host = f"[{host}]" if ":" in host else host  # Keras Tuner joins them with a colon
    os.environ.update(kt_adapter.worker_environ(host, port, ids["worker"]))
    directory = os.path.join(work_dir, job.search_id if SAFE_ID.match(str(job.search_id))
                             else "search")
    os.makedirs(directory, exist_ok=True)
    tuner = remote_tuner(job, directory=directory, project_name=PROJECT,
                         device=f"{socket.gethostname()}{local}",
                         scope=lambda: keras.device(keras_device_name(local)), channel=channel,
                         timeout=reconnect_timeout)
    tuner.should_retire = retirement(25, 200.0)  # memory stays flat, as with local workers
    tuner.search(verbose=0)
    if tuner.retired:
        return EXIT_RETIRED  # a fresh process joins in its place
    limit = float(info.get("worker_timeout") or 30.0) + WAIT_MARGIN_S
    return _until_finished(tuner, _asker(channel, heartbeat_s), ids["worker"], limit,
                           every=min(1.0, heartbeat_s))


def _asker(channel: Any, heartbeat_s: float) -> Callable[[], dict[str, Any] | None]:
    """A call that asks the chief where the search stands (its heartbeat's answer); ``None``
    when the chief does not answer (the heartbeat thread gives up after
    ``--reconnect-timeout``); a refusal is raised (it rejoins or stops)."""
    import grpc

    call = channel.unary_unary(f"/{wire.SERVICE}/Heartbeat")

    def ask() -> dict[str, Any] | None:
        try:
            return wire.unpack(call(wire.pack({}), timeout=max(heartbeat_s, 1.0)))[0]
        except grpc.RpcError as err:
            if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return None
            raise

    return ask


def _until_finished(tuner: RemoteTuner, ask: Callable[[], dict[str, Any] | None], worker: str,
                    limit: float, every: float) -> int:
    """The worker was told "no trial left": ask every ``every`` seconds until the chief says
    the search is finished (then leave: 0), running any trial put back in the queue meanwhile
    (its worker died); after ``limit`` seconds (and as many asks) without a trial, leave with a
    message (0), or ``EXIT_CHIEF_LOST`` when the chief did not answer the last ask."""
    since, asks, said = time.monotonic(), 0, False
    while True:
        reply = ask()
        if _BEAT["done"] or (reply or {}).get("done"):
            log.info("the search is over: %s leaves", worker)
            return 0
        if reply and reply.get("queued"):
            ran = tuner.trials_run
            tuner.search(verbose=0)  # takes a queued trial, unless another worker was faster
            if tuner.retired:
                return EXIT_RETIRED
            if tuner.trials_run > ran:
                since, asks, said = time.monotonic(), 0, False
                continue
        asks += 1
        if asks > limit / every + 1 or time.monotonic() - since > limit:
            return _leave_unfinished(reply, worker, limit)
        if not said and reply and reply.get("running"):
            said = True
            log.info("no trial left for now; trial(s) %s still run on other workers: %s waits "
                     "until the search is finished (at most %.0f s) and runs any of them that "
                     "is put back", ", ".join(reply["running"]), worker, limit)
        time.sleep(every)


def _leave_unfinished(reply: dict[str, Any] | None, worker: str, limit: float) -> int:
    if reply is None:
        log.error("Lost the chief while waiting for the end of the search; %s stops.", worker)
        return EXIT_CHIEF_LOST
    log.warning("Trial(s) %s still run on other workers after %.0f s without a trial for %s, "
                "which leaves; if they lose their worker, the chief waits for another one "
                "(orphan_timeout).", ", ".join(reply.get("running") or ()) or "-", limit, worker)
    return 0


def _start_heartbeat(channel: Any, every: float, reconnect_timeout: float) -> None:
    """Beat every ``every`` seconds; exit the process when the chief restarted (rejoin), refuses
    us, or has not answered for ``reconnect_timeout`` seconds."""
    import grpc

    call = channel.unary_unary(f"/{wire.SERVICE}/Heartbeat")

    def beat() -> None:
        last_ok = time.monotonic()
        while True:
            try:
                reply, _ = wire.unpack(call(wire.pack({}), timeout=max(every, 1.0)))
                last_ok = time.monotonic()
                _BEAT["done"] = _BEAT["done"] or bool(reply.get("done"))
            except grpc.RpcError as err:
                if err.code() in (grpc.StatusCode.FAILED_PRECONDITION,
                                  grpc.StatusCode.UNAUTHENTICATED):
                    _flush_exit(_exit_for(err))
                if _BEAT["done"]:  # the chief said the search was over, then went away
                    _flush_exit(0)
                if time.monotonic() - last_ok > reconnect_timeout:
                    log.error("The chief has not answered for %.0f s; this worker stops (its "
                              "trial, if any, runs again when the search resumes).",
                              reconnect_timeout)
                    _flush_exit(EXIT_CHIEF_LOST)
            time.sleep(every)

    threading.Thread(target=beat, daemon=True, name="keras-zoo-heartbeat").start()


_BEAT = {"done": False}
"""What the heartbeat heard: ``done`` once the chief said the search is over."""


def _flush_exit(code: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _flush_exit(_process_main())
