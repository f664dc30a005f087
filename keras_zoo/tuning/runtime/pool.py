"""The supervised pool of worker processes (see :mod:`~keras_zoo.tuning.runtime.launcher`).

:class:`Pool` starts a search's worker processes on this machine, replaces those that die or
retire, starts successors ahead of retirements, and, for a search served to other machines,
releases the remote workers whose heartbeats stopped.

A trial put back in the queue (its worker died) runs in a new local worker process at once. A
chief without local worker processes (``train=False``, ``--no-train``) that has trials left and
no remote worker connected says so every :data:`ORPHAN_NOTE_S` seconds (which trials wait, and
the command that starts a worker), and after ``orphan_timeout`` seconds stops the search with
:class:`SearchError`: completed trials are kept, and the message gives the command that
resumes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shlex
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from keras_zoo.base.backend import backend
from keras_zoo.tuning.errors import SearchError
from keras_zoo.tuning.oracles import kt_adapter
from keras_zoo.tuning.runtime import wire
from keras_zoo.tuning.schema import PROJECT, RESULT_FILE, WORKERS_DIR, TrialRecord, write_record
from keras_zoo.tuning.space import jsonable
from keras_zoo.tuning.trial.job import TrialJob

log = logging.getLogger("keras_zoo.tuning.runtime.launcher")  # one logger for a whole launch

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
ORPHAN_NOTE_S = 30.0
"""Seconds between a chief's lines saying that trials wait and no worker is connected."""



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


class Pool:
    def __init__(self, job: TrialJob, oracle: Any, directory: str, placement: Any,
                 n_workers: int, recycle: Any, address: str, gate: wire.Gate,
                 service: Any = None, worker_timeout: float = 30.0,
                 orphan_timeout: float = 600.0, join_hint: str = "keras-zoo worker HOST:PORT"):
        self.job, self.oracle, self.directory, self.recycle = job, oracle, directory, recycle
        self.address, self.gate, self.service = address, gate, service
        self.worker_timeout, self.orphan_timeout = worker_timeout, orphan_timeout
        self.join_hint = join_hint  # the command that starts a remote worker
        self.alone_since: float | None = None  # since when no remote worker is connected
        self.next_note = 0.0
        self.threads = str(max(1, (os.cpu_count() or 1) // max(1, n_workers)))
        self.logs_dir = os.path.join(directory, WORKERS_DIR)
        os.makedirs(self.logs_dir, exist_ok=True)
        self.slots = [_Slot(f"worker{i}", placement.device_for(i)) for i in range(n_workers)]
        self.deaths: Counter[str] = Counter()  # trial id -> worker processes it took down
        self.crashes = 0
        self.startup_deaths = 0  # worker processes in a row that died before any trial
        self.startup = 10.0  # seconds from starting a worker to its first trial (measured)
        self.max_crashes = 3 + 2 * max(1, n_workers)

    def run(self, early: list[subprocess.Popen] | None = None) -> None:
        """Run the search's worker processes until it is done; ``early`` holds processes
        started ahead (:func:`~keras_zoo.tuning.runtime.launcher.prestart`): CPU slots take them."""
        early = early if early is not None else []
        if not self.slots and self.service is not None:
            self._probe()
        for slot in self.slots:
            proc = early.pop() if early and not slot.device.startswith("/GPU") else None
            if proc is not None and self.adopt(slot, proc):
                slot.proc, slot.spawned = proc, None  # its start-up was not waited for
            else:
                slot.proc, slot.spawned = self._spawn(slot, start=True), time.monotonic()
        while not self._finished():
            for slot in self.slots:
                if not slot.done:
                    self._watch(slot)
                elif self.oracle.queued_trials():  # a remote worker's trial to run again
                    slot.done = False
                    self._replace(slot)
            if self.service is not None:
                self._watch_remote()
                if not self.slots:
                    self._watch_orphans()
            if self.oracle.stop_error is not None:  # raised by run_workers, after stop()
                return
            time.sleep(0.1)
        if self.service is not None:
            self._linger()

    def _probe(self) -> None:
        """With no local worker (``--no-train``): ask the oracle for a trial once, so that a
        search with nothing left (resumed after it finished) ends at once instead of waiting
        for a worker to ask; a trial it hands out goes to the queue for the first worker."""
        trial = self.oracle.create_trial("keras-zoo-probe")
        if trial.status == "RUNNING":
            self.oracle.release_worker("keras-zoo-probe")

    def _finished(self) -> bool:
        if not all(slot.done for slot in self.slots):
            return False
        if self.service is None:
            return True
        return (self.oracle.exhausted and not kt_adapter.ongoing(self.oracle)
                and not self.oracle.queued_trials())

    def _watch_remote(self) -> None:
        """Release the remote workers not heard from for ``worker_timeout`` seconds."""
        for worker in self.service.stale(self.worker_timeout):
            how = f"sent no heartbeat for {self.worker_timeout:g} s"
            trial_id, outcome = self.oracle.release_worker(worker, self._give_up(how))
            if trial_id is not None:
                log.warning("Worker %s %s while running trial %s, which %s.", worker, how,
                            trial_id, {"done": "was done (its result is kept)",
                                       "queued": "runs again",
                                       "failed": "is recorded as failed"}[outcome])

    def _watch_orphans(self) -> None:
        """With no local worker process (``train=False``): while trials are left and no remote
        worker is connected, say so every :data:`ORPHAN_NOTE_S` seconds (at once when the last
        worker went, after :data:`ORPHAN_NOTE_S` seconds when none came yet: the address was
        just announced), and stop the search after ``orphan_timeout`` seconds.

        Raises:
            SearchError: No worker for ``orphan_timeout`` seconds (completed trials are kept).
        """
        now = time.monotonic()
        if self.service.live(within=self.worker_timeout):
            self.alone_since = None
            return
        if self.alone_since is None:
            self.alone_since = now
            self.next_note = now + (0.0 if self.service.remote else ORPHAN_NOTE_S)
        waiting = self._waiting()
        if now - self.alone_since >= self.orphan_timeout:
            raise SearchError(
                f"No worker was connected for {self.orphan_timeout:g} s (orphan_timeout) while "
                f"{waiting[0].lower()}{waiting[1:]} waited to run; the search stopped. Completed "
                f"trials are kept. To resume, start workers with: {self.join_hint}, and "
                f"{_rerun()}")
        if now >= self.next_note:
            self.next_note = now + ORPHAN_NOTE_S
            log.warning("%s wait for a worker; none is connected; start one with: %s (the "
                        "search stops in %.0f s otherwise: orphan_timeout).", waiting,
                        self.join_hint, self.orphan_timeout - (now - self.alone_since))

    def _waiting(self) -> str:
        """``"Trial(s) 03, 07"`` (to run again, or whose worker is not released yet), or
        ``"The search's trials"`` when none has started."""
        ids = set(self.oracle.queued_trials())
        ids.update(t.trial_id for t in list(kt_adapter.ongoing(self.oracle).values()))
        return f"Trial(s) {', '.join(sorted(ids))}" if ids else "The search's trials"

    def _linger(self) -> None:
        """Keep answering for a moment after the last trial, so that remote workers asking
        for a trial or waiting for the end are told that the search is over (and exit 0)
        rather than finding no chief: until every worker heard from lately was told, at most
        a heartbeat interval and 2 s."""
        self.service.finished = True
        deadline = time.monotonic() + self.service.heartbeat_s + 2.0
        while time.monotonic() < deadline and self.service.live(
                within=self.service.heartbeat_s + 1.0, untold=True):
            time.sleep(0.1)

    def stop(self) -> None:
        for slot in self.slots:
            for proc in (slot.proc, slot.standby):
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait()

    # --- one slot ----------------------------------------------------------------------

    def _watch(self, slot: _Slot) -> None:
        ongoing = kt_adapter.ongoing(self.oracle).get(slot.tuner_id)
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
        trial_id, outcome = self.oracle.release_worker(slot.tuner_id, self._give_up(how))
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

    def _give_up(self, how: str) -> Any:
        """What :meth:`release_worker` asks of a lost worker's trial: the error message that
        makes it failed (the second worker it took down), or ``None`` (it runs again)."""

        def give_up(trial: Any) -> str | None:
            self.deaths[trial.trial_id] += 1
            if self.deaths[trial.trial_id] < DEATHS_PER_TRIAL:
                return None
            message = (f"the worker process running this trial died {DEATHS_PER_TRIAL} times "
                       f"(last: it {how}; out of memory?)")
            self._write_failed(trial, message)
            return message

        return give_up

    def _write_failed(self, trial: Any, message: str) -> None:
        values = {k: v for k, v in trial.hyperparameters.values.items()
                  if not k.startswith("tuner/")}
        record = TrialRecord(trial_id=trial.trial_id,
                             params=jsonable(self.job.space.decode(values)),
                             objective=self.job.objective, direction=self.job.direction,
                             status="failed", error=message)
        trial_dir = os.path.join(self.directory, PROJECT, f"trial_{trial.trial_id}")
        os.makedirs(trial_dir, exist_ok=True)
        write_record(os.path.join(trial_dir, RESULT_FILE), record)

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

    def adopt(self, slot: _Slot, proc: subprocess.Popen) -> bool:
        """Give a process started ahead its slot's settings (one JSON line on its input);
        ``False`` when it died meanwhile."""
        if proc.poll() is not None:
            return False
        env = {k: v for k, v in self._env(slot).items() if os.environ.get(k) != v}
        settings = {"directory": self.directory, "env": env,
                    "log": os.path.join(self.logs_dir, f"{slot.tuner_id}.log")}
        try:
            proc.stdin.write(json.dumps(settings).encode() + b"\n")
            proc.stdin.close()
        except OSError:
            return False
        return True

    def _spawn(self, slot: _Slot, *, start: bool) -> subprocess.Popen:
        env = self._env(slot)
        if slot.device.startswith("/GPU:"):
            env["CUDA_VISIBLE_DEVICES"] = slot.device.split(":")[1]
        with open(os.path.join(self.logs_dir, f"{slot.tuner_id}.log"), "ab") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "keras_zoo.tuning.runtime.worker", self.directory],
                env=env, stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT)
        if start:
            _go(proc)
        return proc

    def _env(self, slot: _Slot) -> dict[str, str]:
        host, _, port = self.address.rpartition(":")
        return {**os.environ, **kt_adapter.worker_environ(host, port, slot.tuner_id),
               wire.TOKEN_ENV: self.gate.token.decode(), "KERAS_ZOO_SESSION": self.gate.session,
               "KERAS_ZOO_WORKER_DEVICE": slot.device, "KERAS_ZOO_WORKER_THREADS": self.threads,
               "KERAS_ZOO_PARENT_PID": str(os.getpid()),
               "KERAS_ZOO_RECYCLE_TRIALS": str(self.recycle.trials or ""),
               "KERAS_ZOO_RECYCLE_MB": str(self.recycle.memory_mb or ""),
               "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
               # the search's backend, however it was chosen; JAX allocates a GPU on demand
               # (several workers may share a card), as TensorFlow's memory growth does
               "KERAS_BACKEND": backend(),
               "XLA_PYTHON_CLIENT_PREALLOCATE": os.environ.get("XLA_PYTHON_CLIENT_PREALLOCATE",
                                                               "false")}


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


def _rerun() -> str:
    """How to resume: the ``keras-zoo`` command line that runs this search, or the same call."""
    program = os.path.splitext(os.path.basename(sys.argv[0] if sys.argv else ""))[0]
    if program == "keras-zoo":
        return "run the same command again: " + shlex.join(["keras-zoo", *sys.argv[1:]])
    return "run the same search again (the same search() call)."


def _go(proc: subprocess.Popen) -> None:
    """Tell a worker process to start taking trials (a standby waits for this line)."""
    with contextlib.suppress(OSError):  # it died already: the next poll sees it
        proc.stdin.write(b"go\n")
        proc.stdin.close()
