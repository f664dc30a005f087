"""Running the trials: in this process, or in worker processes this process supervises.

**In this process** (:func:`run_single`): one worker, and a search of at most
``trials_per_process`` trials (or ``trials_per_process=None``, ``multi_device="mirrored"``, or a
factory that cannot be pickled). No start-up cost; memory grows by what Keras and TensorFlow keep
per trial (a few MB).

**In worker processes** (:func:`run_workers`): this process serves the oracle (Keras Tuner's
servicer on 127.0.0.1) and trains nothing; ``n`` worker processes
(``python -m keras_zoo.tuning.runtime.worker``), each pinned to its device, take trials from it.
This process supervises them:

* A worker that dies (killed, crashed, out of memory) has its trial put back in the queue and is
  replaced at once, so the trial runs again in the same search; a trial that takes down its
  worker twice is recorded as failed. Workers that keep dying stop the search with
  :class:`SearchError` (completed trials are kept).
* A worker retires after ``trials_per_process`` trials, or earlier once its memory grew by more
  than ``process_memory_mb`` since its first trial, and a fresh process takes its place: memory
  stays flat however long the search. The replacement of a worker that retires by count starts
  while that worker runs its last trial, so its start-up (importing TensorFlow, ~7 s on 2 cores)
  overlaps with training.
* Workers exit within about a second when this process dies, however it dies (a parent-death
  signal on Linux and a watch of their parent process), instead of waiting for the chief for an
  hour as Keras Tuner's client does.
* The search is over when every worker has been told there is nothing left to run.

Each worker's output goes to ``workers/<worker>.log`` in the search directory (appended to by its
successive processes).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import keras_tuner as kt

from keras_zoo.base import atomic_write_bytes
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.tuning.errors import SearchError
from keras_zoo.tuning.oracles import kt_adapter
from keras_zoo.tuning.oracles.chief import serve_oracle
from keras_zoo.tuning.runtime import wire
from keras_zoo.tuning.runtime.pool import (  # noqa: F401 - the exit statuses, re-exported
    DEATHS_PER_TRIAL,
    EXIT_DISK_FULL,
    EXIT_DONE,
    EXIT_INTERRUPTED,
    EXIT_ORPHANED,
    EXIT_RETIRED,
    Pool,
)
from keras_zoo.tuning.runtime.tuner import ZooTuner
from keras_zoo.tuning.schema import JOB_FILE, PROJECT
from keras_zoo.tuning.trial.devices import Placement
from keras_zoo.tuning.trial.job import TrialJob

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Recycle:
    """When a worker process is replaced by a fresh one.

    Attributes:
        trials: Trials a worker process runs before it retires (``None``: no count limit).
        memory_mb: Growth of a worker's resident memory since its first trial, in MB, after
            which it retires (``None``: no memory limit).
    """

    trials: int | None = 25
    memory_mb: float | None = 200.0

    def check(self) -> None:
        if self.trials is not None and (not isinstance(self.trials, int)
                                        or isinstance(self.trials, bool) or self.trials < 1):
            raise InputValueError("`trials_per_process` must be a positive integer or None. "
                                  f"Received: trials_per_process={self.trials!r}")
        if self.memory_mb is not None and (isinstance(self.memory_mb, bool)
                                           or not isinstance(self.memory_mb, (int, float))
                                           or not self.memory_mb > 0):
            raise InputValueError("`process_memory_mb` must be a positive number or None. "
                                  f"Received: process_memory_mb={self.memory_mb!r}")


@dataclass(frozen=True)
class Serve:
    """Where the chief serves its oracle, and to whom.

    Attributes:
        host, port: The address the chief listens on (port 0: a free one). 127.0.0.1 unless
            the search was given ``serve="HOST:PORT"``.
        token: The token every call must carry (``None``: a random one; only on 127.0.0.1).
        remote: Whether workers on other machines may join (``serve=`` given): the chief then
            also serves the job, takes results and watches heartbeats
            (:mod:`~keras_zoo.tuning.runtime.remote`).
        worker_timeout: Seconds without a heartbeat after which a remote worker's trial is
            handed to another worker.
        orphan_timeout: Seconds a chief without worker processes of its own waits while
            trials are left and no remote worker is connected, before it stops the search.
        encoded: The job as data (:func:`~keras_zoo.tuning.runtime.wire.encode_job`), for
            ``remote``.
    """

    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None
    remote: bool = False
    worker_timeout: float = 30.0
    orphan_timeout: float = 600.0
    encoded: tuple[dict[str, Any], bytes] | None = None

    @property
    def local_host(self) -> str:
        """The address this machine's worker processes connect to."""
        return "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host


def serving(serve: Any, token: Any, train: Any, worker_timeout: Any,
            orphan_timeout: Any = 600.0) -> Serve | None:
    """The chief's address and token for ``serve="HOST:PORT"`` (``None``: not served).

    Raises:
        InputValueError: A bad address, ``train``, ``worker_timeout`` or ``orphan_timeout``,
            or an address other than 127.0.0.1 without a token.
    """
    if not isinstance(train, bool):
        raise InputTypeError(f"`train` must be True or False. Received: train={train!r}")
    if serve is None:
        if not train:
            raise InputValueError("train=False (--no-train) leaves the trials to remote "
                                  "workers, so it needs serve='HOST:PORT'. Received: serve=None")
        return None
    host, port = wire.parse_address(serve)
    for name, value in (("worker_timeout", worker_timeout), ("orphan_timeout", orphan_timeout)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise InputValueError(f"`{name}` must be a positive number of seconds. "
                                  f"Received: {name}={value!r}")
    token = wire.read_token(token)
    if token is None and not wire.is_loopback(host):
        wire.chief_token(host, None, "")  # raises: another address needs a token
    return Serve(host, port, token, remote=True, worker_timeout=float(worker_timeout),
                 orphan_timeout=float(orphan_timeout))


def plan_workers(placement: Placement, workers: int | None) -> tuple[Placement, int]:
    """The placement and the number of worker processes (default: one per device)."""
    n_workers = workers if workers is not None else placement.n_workers
    if not isinstance(n_workers, int) or isinstance(n_workers, bool) or n_workers < 1:
        raise InputValueError("`workers` must be a positive integer (or None: one per device). "
                              f"Received: workers={workers!r}")
    if n_workers > 1 and placement.mode == "mirrored":
        raise InputValueError("multi_device='mirrored' runs one trial at a time on every device; "
                              "it cannot be combined with workers > 1. "
                              f"Received: workers={n_workers}")
    if n_workers > 1 and placement.mode == "single":
        placement = Placement(tuple([placement.devices[0]] * n_workers), "workers")
    return placement, n_workers


def in_processes(job: TrialJob, placement: Placement, n_workers: int,
                 expected_trials: int | None, recycle: Recycle) -> bool:
    """Whether the trials run in worker processes (see the module docstring) or here."""
    if n_workers > 1:
        return True
    if placement.mode == "mirrored" or recycle.trials is None:
        return False
    if expected_trials is not None and expected_trials <= recycle.trials:
        return False
    try:
        _check_portable(job, data=False)  # the arrays always pickle: not serialised twice
    except InputValueError as err:
        log.warning("The trials run in this process, whose memory grows with every trial: %s "
                    "Define the factory in a module to have worker processes replaced every %d "
                    "trials.", err, recycle.trials)
        return False
    return True


def _check_portable(job: TrialJob, *, data: bool = True) -> bytes:
    """The pickled job (without its dataset when ``data`` is false), or
    :class:`InputValueError` when another process cannot rebuild it."""
    where = getattr(job.factory, "__module__", None)
    if where == "__main__":  # pickled by reference to a module another process lacks
        raise InputValueError(
            "Worker processes rebuild the search in new processes, so the factory must be "
            "importable: a function defined in a script's or a notebook's __main__ is not. "
            f"Received: {job.model_name} defined in __main__")
    try:
        return pickle.dumps(job if data else (job.factory, job.fixed, job.space))
    except Exception as err:
        raise InputValueError(
            "Worker processes rebuild the search in new processes, so the factory and data must "
            "be picklable (a module-level function, not a lambda). "
            f"Received: {job.model_name} ({type(err).__name__}: {err})"
        ) from err


PRESTARTED: list[subprocess.Popen] = []
"""Worker processes the ``keras-zoo`` command started before it imported TensorFlow, handed over
by it (:func:`keras_zoo_cli.prestart.hand_over`); :func:`prestart` takes them first."""


def prestart(placement: Placement, n_workers: int) -> list[subprocess.Popen]:
    """Start the worker processes of the placement's CPU slots now, before the search's own
    checks: they import TensorFlow meanwhile, then wait for their settings
    (:meth:`Pool.adopt <keras_zoo.tuning.runtime.pool.Pool>`). A GPU slot's process must see only
    its card from its start, so it is started by the pool. :func:`discard` stops those not taken.
    """
    cpu_slots = sum(1 for i in range(n_workers) if not placement.device_for(i).startswith("/GPU"))
    early = []
    threads = str(max(1, (os.cpu_count() or 1) // max(1, n_workers)))
    while PRESTARTED and len(early) < cpu_slots:  # started by the keras-zoo command
        proc = PRESTARTED.pop()
        if proc.poll() is None and threads == _threads_of(proc):
            early.append(proc)
        else:
            discard([proc])
    env = {**os.environ, "KERAS_ZOO_PARENT_PID": str(os.getpid()),
           "KERAS_ZOO_WORKER_THREADS": str(max(1, (os.cpu_count() or 1) // max(1, n_workers))),
           "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    return early + [subprocess.Popen([sys.executable, "-m", "keras_zoo.tuning.runtime.worker"],
                                     env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                    for _ in range(cpu_slots - len(early))]


def _threads_of(proc: subprocess.Popen) -> str | None:
    """The CPU threads a process started ahead was given (its environment's)."""
    return getattr(proc, "keras_zoo_threads", None)


def discard(procs: list[subprocess.Popen]) -> None:
    """Stop the processes :func:`prestart` started that no search took (they trained nothing)."""
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.stdin.close()  # end of input: a waiting worker exits by itself
            try:
                proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    procs.clear()


def run_single(job: TrialJob, oracle: kt.Oracle, directory: str, placement: Placement) -> None:
    """Every trial in this process, on the placement's first device."""
    tuner = ZooTuner(oracle, job, directory=directory, project_name=PROJECT,
                     device=placement.device_for(0), scope=lambda: placement.scope(0))
    tuner.search(verbose=0)


def run_workers(job: TrialJob, oracle: kt.Oracle, directory: str, placement: Placement,
                n_workers: int, recycle: Recycle, serve: Serve | None = None, *,
                early: list[subprocess.Popen] | None = None) -> None:
    """Serve ``oracle`` and supervise ``n_workers`` worker processes (and, with
    ``serve.remote``, the workers that join from other machines) until the search is done.

    Raises:
        InputValueError: The job cannot be pickled for the worker processes.
        SearchError: Worker processes keep dying (completed trials are kept).
        RuntimeError: Keras Tuner's stop after too many consecutive failed trials.
        OSError: The address cannot be listened on.
    """
    serve = serve or Serve()
    with _environ(**kt_adapter.chief_environ(serve.local_host)):  # it keeps the oracle
        chief = ZooTuner(oracle, job, directory=directory, project_name=PROJECT,
                         device="chief", scope=contextlib.nullcontext)
    oracle = chief.oracle
    oracle.verbose = 0
    oracle.require_results = serve.remote
    gate = wire.Gate(wire.chief_token(serve.host, serve.token, directory) if serve.remote
                     else (serve.token or secrets.token_hex(16)), secrets.token_hex(8))
    service = None
    if serve.remote:
        from keras_zoo.tuning.runtime.remote import ChiefService

        service = ChiefService(job, serve.encoded or wire.encode_job(job), oracle,
                               os.path.join(directory, PROJECT), gate,
                               heartbeat_s=min(5.0, serve.worker_timeout / 4),
                               worker_timeout=serve.worker_timeout)
    server = None
    try:
        if n_workers:
            _write_job(job, directory)
        oracle.serving = True
        server, port = serve_oracle(oracle, serve.host, serve.port,
                                    interceptors=(gate.interceptor,),
                                    handlers=(service.handler(),) if service else (),
                                    options=tuple(wire.GRPC_OPTIONS))
        hint = join_command(serve, port, directory)
        if service is not None:
            log.warning("Serving the search at %s; join it from any machine with: %s",
                        wire.join_address(serve.host, port), hint)
        pool = Pool(job, oracle, directory, placement, n_workers, recycle,
                     wire.join_address(serve.local_host, port), gate, service,
                     serve.worker_timeout, serve.orphan_timeout, hint)
        try:
            pool.run(early if early is not None else [])
        finally:
            pool.stop()
    finally:
        oracle.serving = oracle.require_results = False
        if server is not None:
            server.stop(0).wait()
        with contextlib.suppress(OSError):
            os.remove(os.path.join(directory, JOB_FILE))  # a copy of the data: not kept
    _check_complete(oracle)


def join_command(serve: Serve, port: int, directory: str) -> str:
    """The command that joins a worker to this search (``keras-zoo worker HOST:PORT ...``)."""
    host = socket.gethostname() if serve.host in ("0.0.0.0", "::", "") else serve.host
    command = f"keras-zoo worker {wire.join_address(host, port)}"
    if not serve.token:  # the random token this chief wrote
        return f"{command} --token-file {os.path.join(directory, wire.TOKEN_FILE)}"
    return f"{command} --token-file FILE (the search's token, or set {wire.TOKEN_ENV})"


def _check_complete(oracle: Any) -> None:
    """Raise the oracle's own stop, or :class:`SearchError` for trials left undone."""
    if oracle.stop_error is not None:
        raise oracle.stop_error
    undone = oracle.queued_trials() + [t.trial_id for t in kt_adapter.ongoing(oracle).values()]
    if undone:
        raise SearchError(f"The search ended with trial(s) {', '.join(sorted(undone))} not "
                          "done. Completed trials are kept; run the same search again to run "
                          "the rest.")


def _write_job(job: TrialJob, directory: str) -> None:
    atomic_write_bytes(os.path.join(directory, JOB_FILE), _check_portable(job))


# === The environment ===

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
