"""Running the trials: in this process, or on parallel Keras Tuner workers.

With one worker the tuner runs here. With several, Keras Tuner's chief/worker mode: this
process serves the oracle (the chief, a thread) and is worker 0; workers 1..n-1 are
``python -m keras_zoo.tuning.worker`` subprocesses, each pinned to its device. The chief and the
workers find each other through Keras Tuner's ``KERASTUNER_*`` environment variables.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import keras_tuner as kt

from keras_zoo.base import atomic_write_bytes
from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning.devices import Placement
from keras_zoo.tuning.directory import JOB_FILE, PROJECT, WORKERS_DIR
from keras_zoo.tuning.errors import SearchError
from keras_zoo.tuning.trial import TrialJob
from keras_zoo.tuning.tuner import ZooTuner, make_oracle

log = logging.getLogger(__name__)

Procs = list[tuple[str, subprocess.Popen]]


def plan_workers(placement: Placement, workers: int | None) -> tuple[Placement, int]:
    """The placement and the number of worker processes (default: one per device)."""
    n_workers = workers if workers is not None else placement.n_workers
    if not isinstance(n_workers, int) or n_workers < 1:
        raise InputValueError("`workers` must be a positive integer (or None: one per device). "
                              f"Received: workers={workers!r}")
    if n_workers > 1 and placement.mode == "mirrored":
        raise InputValueError("multi_device='mirrored' runs one trial at a time on every device; "
                              "it cannot be combined with workers > 1. "
                              f"Received: workers={n_workers}")
    if n_workers > 1 and placement.mode == "single":
        placement = Placement(tuple([placement.devices[0]] * n_workers), "workers")
    return placement, n_workers


def run_single(job: TrialJob, oracle: kt.Oracle, directory: str, placement: Placement) -> None:
    """Every trial in this process, on the placement's first device."""
    tuner = ZooTuner(oracle, job, directory=directory, project_name=PROJECT,
                     device=placement.device_for(0), scope=lambda: placement.scope(0))
    tuner.search(verbose=0)


def run_parallel(job: TrialJob, make: Callable[[], kt.Oracle], directory: str,
                 placement: Placement, n_workers: int) -> None:
    """Trials shared by ``n_workers`` workers: this process (worker 0) and subprocesses."""
    _write_job(job, directory)
    logs_dir = _clean_logs_dir(directory)
    port = _free_port()
    chief_env = {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": str(port)}
    oracle, chief_thread = _start_chief(make, job, directory, chief_env)
    procs: Procs = []
    try:
        _start_workers(procs, directory, placement, n_workers, chief_env, logs_dir)
        _wait_until_ready(procs, logs_dir)
        release_dead = _releaser(oracle, procs, logs_dir)
        with _environ(**chief_env, KERASTUNER_TUNER_ID="worker0"):
            local = ZooTuner(make(), job, directory=directory, project_name=PROJECT,
                             device=placement.device_for(0), scope=lambda: placement.scope(0),
                             on_idle=release_dead)
            local.search(verbose=0)
            _wait_for_busy_workers(oracle, procs, release_dead)
    finally:
        for _, proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        _stop_chief(oracle, chief_thread, job, directory, chief_env)
        with contextlib.suppress(OSError):
            os.remove(os.path.join(directory, JOB_FILE))  # a copy of the data: not kept


# === The parts of a parallel run ===

def _write_job(job: TrialJob, directory: str) -> None:
    try:
        pickled = pickle.dumps(job)
    except Exception as err:
        raise InputValueError(
            "Parallel workers rebuild the search in new processes, so the factory and data must "
            "be picklable (a module-level function, not a lambda). "
            f"Received: {job.model_name} ({type(err).__name__}: {err})"
        ) from err
    atomic_write_bytes(os.path.join(directory, JOB_FILE), pickled)


def _clean_logs_dir(directory: str) -> str:
    logs_dir = os.path.join(directory, WORKERS_DIR)
    os.makedirs(logs_dir, exist_ok=True)
    for name in os.listdir(logs_dir):  # readiness marks of an earlier run
        if name.endswith(".ready"):
            os.remove(os.path.join(logs_dir, name))
    return logs_dir


def _start_chief(make: Callable[[], kt.Oracle], job: TrialJob, directory: str,
                 chief_env: dict[str, str]) -> tuple[Any, threading.Thread]:
    """Serve the oracle from a thread; returns the oracle and the thread once it listens."""
    with _environ(**chief_env, KERASTUNER_TUNER_ID="chief"):
        chief = ZooTuner(make(), job, directory=directory, project_name=PROJECT, device="chief",
                         scope=contextlib.nullcontext)
        thread = threading.Thread(target=chief.search, kwargs={"verbose": 0}, daemon=True,
                                  name="keras-zoo-chief")
        thread.start()
        _wait_for_port(int(chief_env["KERASTUNER_ORACLE_PORT"]))
    return chief.oracle, thread


def _start_workers(procs: Procs, directory: str, placement: Placement, n_workers: int,
                   chief_env: dict[str, str], logs_dir: str) -> None:
    """Start workers 1..n-1, appending each to ``procs`` as it starts (so all are stopped)."""
    threads = str(max(1, (os.cpu_count() or 1) // n_workers))
    for index in range(1, n_workers):
        tuner_id = f"worker{index}"
        device = placement.device_for(index)
        env = {**os.environ, **chief_env, "KERASTUNER_TUNER_ID": tuner_id,
               "KERAS_ZOO_WORKER_DEVICE": device, "KERAS_ZOO_WORKER_THREADS": threads,
               "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
        if device.startswith("/GPU:"):
            env["CUDA_VISIBLE_DEVICES"] = device.split(":")[1]
        with open(os.path.join(logs_dir, f"{tuner_id}.log"), "wb") as log_file:
            procs.append((tuner_id, subprocess.Popen(
                [sys.executable, "-m", "keras_zoo.tuning.worker", directory],
                env=env, stdout=log_file, stderr=subprocess.STDOUT)))


def _releaser(oracle: Any, procs: Procs, logs_dir: str) -> Callable[[], None]:
    """A function that gives the trials of workers that died back to the oracle's queue."""
    released: set[str] = set()

    def release_dead() -> None:
        for tuner_id, proc in procs:
            if proc.poll() is None or tuner_id in released:
                continue
            released.add(tuner_id)
            trial_id = oracle.release_worker(tuner_id)
            if proc.returncode != 0:
                log.warning("Worker %s exited with status %s (log: %s)%s", tuner_id,
                            proc.returncode, os.path.join(logs_dir, f"{tuner_id}.log"),
                            f"; its trial {trial_id} goes back to the queue" if trial_id else "")

    return release_dead


def _wait_for_busy_workers(oracle: Any, procs: Procs, release_dead: Callable[[], None]) -> None:
    """The oracle has nothing left to hand out. Workers still running a trial finish it;
    workers with none (idle, or still starting up) are stopped afterwards: the chief may already
    have shut down, and a late worker would wait for it for an hour."""
    while True:
        release_dead()
        busy = [p for tid, p in procs if p.poll() is None and tid in oracle.ongoing_trials]
        if not busy:
            return
        time.sleep(0.2)


def _wait_until_ready(procs: Procs, logs_dir: str, timeout: float = 120.0) -> None:
    """Wait for the worker processes to be ready (TensorFlow imported, job loaded), so trials are
    shared from the start instead of this process running ahead alone. A worker that dies or
    takes longer than ``timeout`` is not waited for."""
    deadline = time.monotonic() + timeout
    pending = dict(procs)
    while pending and time.monotonic() < deadline:
        for tuner_id, proc in list(pending.items()):
            if proc.poll() is not None or os.path.exists(os.path.join(logs_dir,
                                                                      f"{tuner_id}.ready")):
                pending.pop(tuner_id)
        time.sleep(0.05)
    if pending:
        log.warning("Workers %s are not ready after %.0f s; starting without them.",
                    ", ".join(pending), timeout)


def _stop_chief(oracle: Any, chief_thread: threading.Thread, job: TrialJob, directory: str,
                chief_env: dict[str, str]) -> None:
    chief_thread.join(timeout=3)
    if not chief_thread.is_alive():
        return
    oracle.force_stop()
    # Keras Tuner's chief server exits only after answering STOPPED to a request: ask once.
    with _environ(**chief_env, KERASTUNER_TUNER_ID="shutdown"):
        oracle_stub = make_oracle("grid", job.space, kt.Objective(job.objective, job.direction),
                                  max_trials=None, seed=None, max_epochs=1,
                                  max_consecutive_failures=3)
        client = ZooTuner(oracle_stub, job, directory=directory, project_name=PROJECT,
                          device="shutdown", scope=contextlib.nullcontext)
        with contextlib.suppress(Exception):
            client.oracle.create_trial("shutdown")
    chief_thread.join(timeout=5)


# === Sockets and the environment ===

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SearchError(f"The Keras Tuner chief did not start listening on port {port}.")


@contextlib.contextmanager
def _environ(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
