"""A worker process that joined a search: ``python -m keras_zoo.tuning.remote_tuner ADDRESS``.

Started by :func:`keras_zoo.tuning.work` (see :mod:`~keras_zoo.tuning.remote`), one per device.
It joins the chief (the job arrives as data), trains trials with :class:`RemoteTuner`, whose
results and models go to the chief, and beats every few seconds. Its exit status tells its
parent what happened: 0 (the search is done), :data:`~keras_zoo.tuning.remote.EXIT_REJOIN` (the
chief restarted, or released it: it joins again), ``EXIT_REFUSED`` (wrong token),
``EXIT_CHIEF_LOST`` (no chief for ``--reconnect-timeout`` seconds).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import keras_tuner as kt

from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning import kt_adapter, wire
from keras_zoo.tuning.remote import EXIT_CHIEF_LOST, EXIT_REFUSED, EXIT_REJOIN
from keras_zoo.tuning.trial import MODEL_FILE, RESULT_FILE, TrialJob
from keras_zoo.tuning.tuner import WEIGHTS_FILE, ZooTuner, make_oracle

log = logging.getLogger(__name__)


class ChiefUnreachable(kt.errors.FatalError):
    """A result could not be sent to the chief: the worker stops (its ``__cause__`` is the
    gRPC error), and the trial runs again at the chief."""


class RemoteTuner(ZooTuner):
    """A :class:`~keras_zoo.tuning.tuner.ZooTuner` whose trials' results (``result.json``, the
    model file when kept, Hyperband's weights) are sent to the chief after each trial, and which
    fetches from the chief the weights a Hyperband trial continues from."""

    def __init__(self, *args: Any, channel: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        kt_adapter.use_channel(self.oracle, channel)
        self._put = channel.unary_unary(f"/{wire.SERVICE}/PutResult")
        self._get = channel.unary_unary(f"/{wire.SERVICE}/GetFile")

    def run_trial(self, trial, *args, **kwargs):
        self._fetch_weights(trial)
        trial_dir = self.get_trial_dir(trial.trial_id)
        result = os.path.join(trial_dir, RESULT_FILE)
        with contextlib.suppress(FileNotFoundError):  # a rerun here: not the old result
            os.remove(result)
        try:
            return super().run_trial(trial, *args, **kwargs)
        finally:
            if os.path.exists(result):
                self._send(trial.trial_id, trial_dir)

    def _send(self, trial_id: str, trial_dir: str) -> None:
        import grpc

        from keras_zoo.tuning.results import read_json

        record = read_json(os.path.join(trial_dir, RESULT_FILE))
        files = [os.path.join(trial_dir, name) for name in (MODEL_FILE, WEIGHTS_FILE)]
        blobs = []
        for path in files:
            if os.path.exists(path):
                with open(path, "rb") as handle:
                    blobs.append(handle.read())
            else:
                blobs.append(b"")
        header = {"trial_id": trial_id, "record": record, "model_size": len(blobs[0]),
                  "weights_size": len(blobs[1])}
        try:
            self._put(wire.pack(header, blobs[0] + blobs[1]))
        except grpc.RpcError as err:
            raise ChiefUnreachable(f"cannot send trial {trial_id}'s result to the chief: "
                                   f"{err.details()}") from err
        with contextlib.suppress(OSError):  # the chief keeps the model; weights stay for Hyperband
            os.remove(files[0])

    def _fetch_weights(self, trial) -> None:
        import grpc

        previous = trial.hyperparameters.values.get("tuner/trial_id")
        if not previous:
            return
        path = os.path.join(self.get_trial_dir(previous), WEIGHTS_FILE)
        if os.path.exists(path):
            return
        try:
            _, payload = wire.unpack(self._get(wire.pack({"trial_id": previous})))
        except grpc.RpcError:
            return  # trained from scratch, as Keras Tuner does without the weights
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(payload)


def remote_tuner(job: TrialJob, *, directory: str, project_name: str, device: str,
                 scope: Callable[[], Any], channel: Any) -> RemoteTuner:
    """A :class:`RemoteTuner` for ``job`` (Keras Tuner swaps its stand-in oracle for a client
    of the chief's: ``KERASTUNER_*`` must be set)."""
    oracle = make_oracle("random", job.space, kt.Objective(job.objective, job.direction),
                         max_trials=None, seed=job.seed, max_epochs=job.epochs,
                         max_consecutive_failures=3)
    return RemoteTuner(oracle, job, directory=directory, project_name=project_name,
                       device=device, scope=scope, channel=channel)


# --- one worker process ---------------------------------------------------------------------

def _process_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m keras_zoo.tuning.remote_tuner")
    parser.add_argument("address")
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--reconnect-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    from keras_zoo.tuning.worker import exit_with_parent

    exit_with_parent()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format=f"[worker {os.getpid()}] %(message)s")
    import grpc

    try:
        return _join_and_work(args.address, args.work_dir, args.reconnect_timeout)
    except grpc.RpcError as err:
        return _exit_for(err)
    except InputValueError as err:
        log.error("%s", err)
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
    log.error("Lost the chief: %s", err.details() if hasattr(err, "details") else err)
    return EXIT_CHIEF_LOST


def _join_and_work(address: str, work_dir: str, reconnect_timeout: float) -> int:
    import tensorflow as tf

    import keras_zoo  # noqa: F401  (quiet TensorFlow start-up, registered layers)
    from keras_zoo.tuning.directory import PROJECT

    ids = {"worker": "", "session": ""}
    channel = wire.credentials_channel(address, wire.read_token(), ids, reconnect_timeout)
    local = "/GPU:0" if tf.config.list_physical_devices("GPU") else "/CPU:0"
    reply = channel.unary_unary(wire.JOIN)(
        wire.pack({"host": socket.gethostname(), "pid": os.getpid(), "device": local}),
        wait_for_ready=True, timeout=reconnect_timeout)
    info, payload = wire.unpack(reply)
    ids.update(worker=info["worker"], session=info["session"])
    job = wire.decode_job(info["job"], payload)
    log.info("joined the search at %s as %s (%s)", address, ids["worker"], local)
    host, port = wire.parse_address(address, "address")
    os.environ.update(kt_adapter.worker_environ(host, port, ids["worker"]))
    directory = os.path.join(work_dir, job.search_id or "search")
    os.makedirs(directory, exist_ok=True)
    tuner = remote_tuner(job, directory=directory, project_name=PROJECT,
                                    device=f"{socket.gethostname()}{local}",
                                    scope=lambda: tf.device(local), channel=channel)
    _start_heartbeat(channel, float(info["heartbeat_s"]), reconnect_timeout)
    try:
        tuner.search(verbose=0)
    except ChiefUnreachable as err:
        return _exit_for(err.__cause__)
    log.info("the search has no trial left: %s leaves", ids["worker"])
    return 0


def _start_heartbeat(channel: Any, every: float, reconnect_timeout: float) -> None:
    """Beat every ``every`` seconds; exit the process when the chief restarted (rejoin), refuses
    us, or has not answered for ``reconnect_timeout`` seconds."""
    import grpc

    call = channel.unary_unary(f"/{wire.SERVICE}/Heartbeat")

    def beat() -> None:
        last_ok = time.monotonic()
        while True:
            time.sleep(every)
            try:
                call(wire.pack({}), timeout=max(every, 1.0))
                last_ok = time.monotonic()
            except grpc.RpcError as err:
                if err.code() in (grpc.StatusCode.FAILED_PRECONDITION,
                                  grpc.StatusCode.UNAUTHENTICATED):
                    _flush_exit(_exit_for(err))
                if time.monotonic() - last_ok > reconnect_timeout:
                    log.error("The chief has not answered for %.0f s; this worker stops (its "
                              "trial, if any, runs again when the search resumes).",
                              reconnect_timeout)
                    _flush_exit(EXIT_CHIEF_LOST)

    threading.Thread(target=beat, daemon=True, name="keras-zoo-heartbeat").start()


def _flush_exit(code: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _flush_exit(_process_main())
