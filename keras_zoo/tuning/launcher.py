"""Running the trials: in this process, or in worker processes this process supervises.

**In this process** (:func:`run_single`): one worker, and a search of at most
``trials_per_process`` trials (or ``trials_per_process=None``, ``multi_device="mirrored"``, or a
factory that cannot be pickled). No start-up cost; memory grows by what Keras and TensorFlow keep
per trial (a few MB).

**In worker processes** (:func:`run_workers`): this process serves the oracle (Keras Tuner's
servicer on 127.0.0.1) and trains nothing; ``n`` worker processes
(``python -m keras_zoo.tuning.worker``), each pinned to its device, take trials from it. This
process supervises them:

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
import errno
import logging
import os
import pickle
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import keras_tuner as kt

from keras_zoo.base import atomic_write_bytes, atomic_write_json
from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning.chief import serve_oracle
from keras_zoo.tuning.devices import Placement
from keras_zoo.tuning.directory import JOB_FILE, PROJECT, WORKERS_DIR
from keras_zoo.tuning.errors import SearchError
from keras_zoo.tuning.space import jsonable
from keras_zoo.tuning.trial import RESULT_FILE, TrialJob
from keras_zoo.tuning.tuner import ZooTuner

log = logging.getLogger(__name__)

EXIT_DONE = 0
"""A worker's exit status when the oracle had nothing left for it."""
EXIT_RETIRED = 75
"""A worker's exit status when it retired (trial count or memory) and wants a successor."""
EXIT_ORPHANED = 70
"""A worker's exit status when its parent (the search) died."""
EXIT_DISK_FULL = 74
"""A worker's exit status when it met a full disk (the search stops; it resumes later)."""
EXIT_INTERRUPTED = 71
"""A worker's exit status after SIGINT: its trial, if any, runs again."""
DEATHS_PER_TRIAL = 2
"""A trial that kills this many worker processes is recorded as failed instead of rerun."""


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


def run_single(job: TrialJob, oracle: kt.Oracle, directory: str, placement: Placement) -> None:
    """Every trial in this process, on the placement's first device."""
    tuner = ZooTuner(oracle, job, directory=directory, project_name=PROJECT,
                     device=placement.device_for(0), scope=lambda: placement.scope(0))
    tuner.search(verbose=0)


def run_workers(job: TrialJob, oracle: kt.Oracle, directory: str, placement: Placement,
                n_workers: int, recycle: Recycle) -> None:
    """Serve ``oracle`` and supervise ``n_workers`` worker processes until the search is done.

    Raises:
        InputValueError: The job cannot be pickled for the worker processes.
        SearchError: Worker processes keep dying (completed trials are kept).
        RuntimeError: Keras Tuner's stop after too many consecutive failed trials.
    """
    with _environ(KERASTUNER_ORACLE_IP="127.0.0.1", KERASTUNER_ORACLE_PORT="0",
                  KERASTUNER_TUNER_ID="chief"):  # Keras Tuner's chief: it keeps the oracle
        chief = ZooTuner(oracle, job, directory=directory, project_name=PROJECT,
                         device="chief", scope=contextlib.nullcontext)
    oracle = chief.oracle
    oracle.verbose = 0
    server = None
    try:
        _write_job(job, directory)
        oracle.serving = True
        server, port = serve_oracle(oracle)
        pool = _Pool(job, oracle, directory, placement, n_workers, recycle, port)
        try:
            pool.run()
        finally:
            pool.stop()
    finally:
        oracle.serving = False
        if server is not None:
            server.stop(0).wait()
        with contextlib.suppress(OSError):
            os.remove(os.path.join(directory, JOB_FILE))  # a copy of the data: not kept
    _check_complete(oracle)


def _check_complete(oracle: Any) -> None:
    """Raise the oracle's own stop, or :class:`SearchError` for trials left undone."""
    if oracle.stop_error is not None:
        raise oracle.stop_error
    undone = oracle.queued_trials() + [t.trial_id for t in oracle.ongoing_trials.values()]
    if undone:
        raise SearchError(f"The search ended with trial(s) {', '.join(sorted(undone))} not "
                          "done. Completed trials are kept; run the same search again to run "
                          "the rest.")


# === The supervised pool ===

@dataclass
class _Slot:
    """One worker's place: its running process, the trials that process started, and the
    successor started ahead of a retirement by count."""

    tuner_id: str
    device: str
    proc: subprocess.Popen | None = None
    started: set[str] = field(default_factory=set)
    standby: subprocess.Popen | None = None
    done: bool = False
    spawned: float | None = None  # when the running process was started (None: a standby)
    first_trial: float | None = None  # when it took its first trial


class _Pool:
    def __init__(self, job: TrialJob, oracle: Any, directory: str, placement: Placement,
                 n_workers: int, recycle: Recycle, port: int):
        self.job, self.oracle, self.directory, self.recycle = job, oracle, directory, recycle
        self.port = port
        self.threads = str(max(1, (os.cpu_count() or 1) // n_workers))
        self.logs_dir = os.path.join(directory, WORKERS_DIR)
        os.makedirs(self.logs_dir, exist_ok=True)
        self.slots = [_Slot(f"worker{i}", placement.device_for(i)) for i in range(n_workers)]
        self.deaths: Counter[str] = Counter()  # trial id -> worker processes it took down
        self.crashes = 0
        self.startup_deaths = 0  # worker processes in a row that died before any trial
        self.startup = 10.0  # seconds from starting a worker to its first trial (measured)
        self.max_crashes = 3 + 2 * n_workers

    def run(self) -> None:
        for slot in self.slots:
            slot.proc, slot.spawned = self._spawn(slot, start=True), time.monotonic()
        while not all(slot.done for slot in self.slots):
            for slot in self.slots:
                if not slot.done:
                    self._watch(slot)
            if self.oracle.stop_error is not None:  # raised by run_workers, after stop()
                return
            time.sleep(0.1)

    def stop(self) -> None:
        for slot in self.slots:
            for proc in (slot.proc, slot.standby):
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait()

    # --- one slot ----------------------------------------------------------------------

    def _watch(self, slot: _Slot) -> None:
        ongoing = self.oracle.ongoing_trials.get(slot.tuner_id)
        if ongoing is not None and ongoing.trial_id not in slot.started:
            slot.started.add(ongoing.trial_id)
            self.crashes = 0  # trials are being taken: the deaths so far were not a streak
            if slot.first_trial is None:
                slot.first_trial = time.monotonic()
                if slot.spawned is not None:  # a process started cold: its start-up time
                    self.startup = slot.first_trial - slot.spawned
        code = slot.proc.poll()
        if code is None:
            if (slot.standby is None and self._retiring_soon(slot)
                    and not self._exhausted()):
                slot.standby = self._spawn(slot, start=False)  # imports while trials run
            return
        if code == EXIT_DISK_FULL:
            self.oracle.release_worker(slot.tuner_id)  # queued: it runs again on resume
            raise OSError(errno.ENOSPC, "a worker process met a full disk (log: "
                          f"{os.path.join(self.logs_dir, slot.tuner_id + '.log')})")
        if code not in (EXIT_DONE, EXIT_RETIRED):
            self._lost(slot, code)
        else:
            self.oracle.release_worker(slot.tuner_id)  # it ended its trials: none is lost
            if code == EXIT_DONE or self._exhausted():  # told STOPPED, or nothing left
                slot.done = True
                self._kill_standby(slot)
                return
        self._replace(slot)

    def _retiring_soon(self, slot: _Slot) -> bool:
        """Whether the slot's worker retires (by count) within about one start-up time: its
        successor is started then, so that it is ready when the worker retires."""
        if self.recycle.trials is None or slot.first_trial is None:
            return False
        left = self.recycle.trials - len(slot.started)  # trials after the running one
        if left <= 0:
            return True
        per_trial = (time.monotonic() - slot.first_trial) / max(1, len(slot.started) - 1)
        return len(slot.started) > 1 and left * per_trial < self.startup * 1.5

    def _exhausted(self) -> bool:
        """The oracle told a worker there is nothing left, and no trial waits for a rerun."""
        return any(s.done for s in self.slots) and not self.oracle.queued_trials()

    def _lost(self, slot: _Slot, code: int) -> None:
        """A worker process died: its trial is done (its result was written), queued to run
        again, or failed (the second worker it took down)."""
        log_path = os.path.join(self.logs_dir, f"{slot.tuner_id}.log")
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"

        def give_up(trial: Any) -> str | None:
            self.deaths[trial.trial_id] += 1
            if self.deaths[trial.trial_id] < DEATHS_PER_TRIAL:
                return None
            message = (f"the worker process running this trial died {DEATHS_PER_TRIAL} times "
                       f"(last: {how}; out of memory?)")
            self._write_failed(trial, message)
            return message

        trial_id, outcome = self.oracle.release_worker(slot.tuner_id, give_up)
        self.crashes += 1
        if trial_id is None and not slot.started:
            self.startup_deaths += 1
            if self.startup_deaths >= 2:  # twice before any trial: it cannot start
                raise SearchError(
                    f"Worker processes cannot start ({slot.tuner_id} {how}{_last_line(log_path)}"
                    f"); the search stopped. See {log_path!r}. Completed trials are kept.")
        else:
            self.startup_deaths = 0
        log.warning("Worker %s %s%s (log: %s); a new worker goes on.", slot.tuner_id, how, {
            "none": "", "done": f" after trial {trial_id} ended (its result is kept)",
            "queued": f" while running trial {trial_id}, which runs again",
            "failed": f" while running trial {trial_id}, recorded as failed: it took down "
                      f"{DEATHS_PER_TRIAL} workers"}[outcome], log_path)
        if self.crashes > self.max_crashes:
            raise SearchError(
                f"Worker processes died {self.crashes} times in a row without taking a new "
                f"trial (last: {slot.tuner_id} {how}{_last_line(log_path)}); the search "
                f"stopped. See the logs in {self.logs_dir!r}. Completed trials are kept; fix "
                "the cause and rerun the same search to resume.")

    def _write_failed(self, trial: Any, message: str) -> None:
        values = {k: v for k, v in trial.hyperparameters.values.items()
                  if not k.startswith("tuner/")}
        record = {"trial_id": trial.trial_id, "params": jsonable(self.job.space.decode(values)),
                  "objective": self.job.objective, "direction": self.job.direction,
                  "status": "failed", "error": message}
        trial_dir = os.path.join(self.directory, PROJECT, f"trial_{trial.trial_id}")
        os.makedirs(trial_dir, exist_ok=True)
        atomic_write_json(os.path.join(trial_dir, RESULT_FILE), record)

    def _replace(self, slot: _Slot) -> None:
        slot.started, slot.first_trial = set(), None
        if slot.standby is not None and slot.standby.poll() is None:
            slot.proc, slot.standby, slot.spawned = slot.standby, None, None
            _go(slot.proc)
        else:
            slot.standby = None
            slot.proc, slot.spawned = self._spawn(slot, start=True), time.monotonic()

    def _kill_standby(self, slot: _Slot) -> None:
        if slot.standby is not None and slot.standby.poll() is None:
            slot.standby.kill()  # it has started nothing: it imported TensorFlow at most
            slot.standby.wait()
        slot.standby = None

    def _spawn(self, slot: _Slot, *, start: bool) -> subprocess.Popen:
        env = {**os.environ, "KERASTUNER_ORACLE_IP": "127.0.0.1",
               "KERASTUNER_ORACLE_PORT": str(self.port), "KERASTUNER_TUNER_ID": slot.tuner_id,
               "KERAS_ZOO_WORKER_DEVICE": slot.device, "KERAS_ZOO_WORKER_THREADS": self.threads,
               "KERAS_ZOO_PARENT_PID": str(os.getpid()),
               "KERAS_ZOO_RECYCLE_TRIALS": str(self.recycle.trials or ""),
               "KERAS_ZOO_RECYCLE_MB": str(self.recycle.memory_mb or ""),
               "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
        if slot.device.startswith("/GPU:"):
            env["CUDA_VISIBLE_DEVICES"] = slot.device.split(":")[1]
        with open(os.path.join(self.logs_dir, f"{slot.tuner_id}.log"), "ab") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "keras_zoo.tuning.worker", self.directory],
                env=env, stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT)
        if start:
            _go(proc)
        return proc


def _last_line(log_path: str) -> str:
    """``": <the last line of a worker's log>"`` (its error, when it died of one)."""
    try:
        with open(log_path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4096))
            lines = handle.read().decode("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    return f": {lines[-1].strip()}" if lines else ""


def _go(proc: subprocess.Popen) -> None:
    """Tell a worker process to start taking trials (a standby waits for this line)."""
    with contextlib.suppress(OSError):  # it died already: the next poll sees it
        proc.stdin.write(b"go\n")
        proc.stdin.close()


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
