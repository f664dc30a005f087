"""Workers on other machines: the chief's service, and :func:`work`, which joins a search.

A search served with ``serve="HOST:PORT"`` (``keras-zoo tune ... --serve HOST:PORT``) answers
Keras Tuner's own oracle calls and, on the same port, this module's service:

* ``Join``: a worker gets its id, the chief's session and the search's job as data (JSON and
  the dataset's arrays, :mod:`~keras_zoo.tuning.runtime.wire`); it needs nothing but the address and
  the token, and no shared filesystem.
* ``Heartbeat``: every :data:`HEARTBEAT_S` seconds. A worker not heard from for
  ``worker_timeout`` seconds (30 by default: killed, its machine gone, its network cut) is
  released: its trial runs again elsewhere, and its later calls are refused (it joins again).
  The answer says whether the search is finished, and which trials still run or wait to run
  again: a worker told "no trial left" while trials still run elsewhere does not leave until
  the chief says the search is finished (it waits at most ``worker_timeout`` +
  :data:`WAIT_MARGIN_S` seconds without a trial; see
  :mod:`~keras_zoo.tuning.runtime.remote_tuner`), so that it can run the trial of a worker that
  died.
* ``PutResult``: after each trial, its ``result.json`` (metrics, epochs, time, device, worker,
  status, error message) and its model file (when it is kept) go to the chief, which writes them
  into its own directory: the chief holds the complete leaderboard and the best model. The first
  result of a trial wins; a late duplicate is refused, so a grid completes each configuration
  exactly once.
* ``GetFile``: the weights a Hyperband trial continues from, when another worker trained them.

:func:`work` runs one worker process per device
(``python -m keras_zoo.tuning.runtime.remote_tuner``). A worker process that finds the chief restarted (a new session) joins again; one that cannot reach the
chief for ``reconnect_timeout`` seconds exits with a message saying so.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning.runtime import wire

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0
"""Seconds between a worker's heartbeats (less when ``worker_timeout`` is short)."""
EXIT_REJOIN, EXIT_REFUSED, EXIT_CHIEF_LOST, EXIT_BAD_JOB, EXIT_RETIRED = 76, 77, 69, 78, 75
"""A joining worker process's exit statuses: the chief restarted or released it (join again),
the token was refused (or the server did not know it), the chief could not be reached for
``reconnect_timeout`` seconds, a job this machine cannot or may not run, retired after its
share of trials (a fresh process joins)."""
WAIT_MARGIN_S = 30.0
"""A worker with no trial left, while trials still run elsewhere, waits for the chief to say
the search is finished for at most the chief's ``worker_timeout`` plus this many seconds: long
enough for the chief to notice a worker that died (``worker_timeout``) and hand its trial to the
waiting one. Past that it leaves; a trial left without any worker is the chief's to handle
(``orphan_timeout``)."""
MAX_REJOINS = 20
"""Rejoins in a row (without a process that ran a while) before a worker gives up."""
SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
"""What a trial, worker or search id may look like (they become folder names)."""
_SETTLED_S = 120.0


class WorkerError(RuntimeError):
    """A worker that cannot take part in a search (refused token, no chief, crashes)."""


# === The chief's side ===

def _recorded_workers(project_dir: str) -> set[str]:
    """The workers named in the ``result.json`` files already under ``project_dir``."""
    from keras_zoo.tuning.schema import RESULT_FILE, read_record

    names = set()
    for entry in os.listdir(project_dir) if os.path.isdir(project_dir) else ():
        record = read_record(os.path.join(project_dir, entry, RESULT_FILE))
        if record is not None and record.worker:
            names.add(record.worker)
    return names


class ChiefService:
    """The chief's ``keras_zoo.Search`` service (see the module docstring).

    Args:
        job: The search's :class:`~keras_zoo.tuning.trial.job.TrialJob`.
        encoded: ``wire.encode_job(job)``, computed once before the search starts.
        oracle: The chief's oracle.
        project_dir: Where the trial folders live.
        gate: The server's :class:`~keras_zoo.tuning.runtime.wire.Gate`.
        heartbeat_s: The interval workers are told to send heartbeats at.
        worker_timeout: Seconds without a heartbeat after which a worker is released (told
            to workers: it bounds their wait for the end of the search).
    """

    def __init__(self, job: Any, encoded: tuple[dict[str, Any], bytes], oracle: Any,
                 project_dir: str, gate: wire.Gate, heartbeat_s: float,
                 worker_timeout: float = 30.0):
        self.job, self.oracle, self.project_dir, self.gate = job, oracle, project_dir, gate
        self.header, self.payload = encoded
        self.heartbeat_s, self.worker_timeout = heartbeat_s, worker_timeout
        self.remote: set[str] = set()
        self.told: set[str] = set()  # workers that heard that the search is finished
        self.finished = False
        self._numbers = itertools.count()
        # a restarted chief numbers its workers past the names its directory already records,
        # so that a record's worker names one worker for the whole search, not one per chief
        self._taken = _recorded_workers(project_dir)

    def handler(self) -> Any:
        import grpc

        methods = {"Join": self.join, "Heartbeat": self.heartbeat, "PutResult": self.put_result,
                   "GetFile": self.get_file}
        return grpc.method_handlers_generic_handler(wire.SERVICE, {
            name: grpc.unary_unary_rpc_method_handler(call) for name, call in methods.items()})

    def join(self, request: bytes, context: Any) -> bytes:
        info, _ = wire.unpack(request)
        host = re.sub(r"[^A-Za-z0-9_.-]", "-", str(info.get("host") or "worker"))[:40]
        worker = f"{host}-{next(self._numbers)}"
        while worker in self._taken:
            worker = f"{host}-{next(self._numbers)}"
        with self.gate.lock:  # counted from now; its heartbeats start before it reads the job
            self.remote.add(worker)
            self.gate.last_seen[worker] = time.monotonic()
        log.info("Worker %s joined (pid %s, device %s)", worker, info.get("pid"),
                 info.get("device"))
        return wire.pack({"worker": worker, "session": self.gate.session,
                          "proof": wire.proof(self.gate.token, str(info.get("nonce", ""))),
                          "heartbeat_s": self.heartbeat_s, "worker_timeout": self.worker_timeout,
                          "job": self.header}, self.payload)

    def heartbeat(self, request: bytes, context: Any) -> bytes:
        """``done`` (the search is finished: the worker leaves), else the trials that still run
        (``running``) and those waiting to run again (``queued``: a worker with no trial takes
        one)."""
        from keras_zoo.tuning.oracles import kt_adapter

        if self.finished:
            worker = dict(context.invocation_metadata() or ()).get(wire.WORKER_KEY, "")
            with self.gate.lock:
                self.told.add(worker)
            return wire.pack({"done": True})
        running = sorted(t.trial_id for t in list(kt_adapter.ongoing(self.oracle).values()))
        return wire.pack({"done": False, "running": running,
                          "queued": sorted(self.oracle.queued_trials())})

    def put_result(self, request: bytes, context: Any) -> bytes:
        import grpc

        from keras_zoo.base import atomic_write_bytes
        from keras_zoo.tuning.runtime.tuner import WEIGHTS_FILE, drop_worse_models
        from keras_zoo.tuning.schema import (
            MODEL_FILE,
            RESULT_FILE,
            TrialRecord,
            final_result,
            read_record,
            write_record,
        )

        info, payload = wire.unpack(request)
        worker = dict(context.invocation_metadata() or ()).get(wire.WORKER_KEY, "")
        trial_id, sent = str(info.get("trial_id")), info.get("record")
        if not SAFE_ID.match(trial_id) or not isinstance(sent, dict):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"bad trial id {trial_id!r}")
        record = TrialRecord.from_json(sent)
        if record.search_id != self.job.search_id or trial_id not in self.oracle.trials:
            return wire.pack({"accepted": False, "reason": "not a trial of this search"})
        trial_dir = os.path.join(self.project_dir, f"trial_{trial_id}")
        result_path = os.path.join(trial_dir, RESULT_FILE)

        def write() -> str | None:  # under the oracle's lock, as the release of a worker is
            if final_result(read_record(result_path)):
                return "already done"
            os.makedirs(trial_dir, exist_ok=True)
            model_size, weights_size = int(info.get("model_size", 0)), int(
                info.get("weights_size", 0))
            if weights_size:
                atomic_write_bytes(os.path.join(trial_dir, WEIGHTS_FILE),
                                   payload[model_size:model_size + weights_size])
            if model_size:
                atomic_write_bytes(os.path.join(trial_dir, MODEL_FILE), payload[:model_size])
            if model_size and self.job.keep_models == "best" and not drop_worse_models(
                    self.project_dir, os.path.join(trial_dir, MODEL_FILE), record, self.job):
                record.model_file = None  # a kept model ranks at least as high
            write_record(result_path, record)
            return None

        refused = self.oracle.accept_result(worker, trial_id, write)
        if refused:
            return wire.pack({"accepted": False, "reason": refused})
        return wire.pack({"accepted": True})

    def get_file(self, request: bytes, context: Any) -> bytes:
        import grpc

        from keras_zoo.tuning.runtime.tuner import WEIGHTS_FILE

        info, _ = wire.unpack(request)
        trial_id = str(info.get("trial_id"))
        path = os.path.join(self.project_dir, f"trial_{trial_id}", WEIGHTS_FILE)
        if not SAFE_ID.match(trial_id) or not os.path.exists(path):
            context.abort(grpc.StatusCode.NOT_FOUND, f"no weights for trial {trial_id!r}")
        with open(path, "rb") as handle:
            return wire.pack({}, handle.read())

    def stale(self, timeout: float) -> list[str]:
        """Remote workers not heard from for ``timeout`` seconds; they are released (refused
        from now on) and returned once."""
        now = time.monotonic()
        with self.gate.lock:
            gone = [w for w in self.remote
                    if w not in self.gate.released
                    and now - self.gate.last_seen.get(w, now) > timeout]
            self.gate.released.update(gone)
        return gone

    def live(self, within: float, *, untold: bool = False) -> int:
        """Remote workers heard from in the last ``within`` seconds (with ``untold``: only
        those not yet told that the search is finished)."""
        now = time.monotonic()
        with self.gate.lock:
            return sum(1 for w in self.remote if w not in self.gate.released
                       and now - self.gate.last_seen.get(w, 0.0) <= within
                       and not (untold and w in self.told))


# === The worker's side ===

def _failure(code: int, address: str, reconnect_timeout: float) -> str:
    """What a worker process's exit status ``code`` says went wrong."""
    if code == EXIT_REFUSED:
        return (f"The chief at {address} refused this worker's token: give the chief's token "
                f"(--token-file FILE or {wire.TOKEN_ENV}).")
    if code == EXIT_CHIEF_LOST:
        return (f"No search answered at {address} for {reconnect_timeout:g} s (not started, "
                "finished, or unreachable: check the address and the firewall); the worker "
                "stopped.")
    if code == EXIT_REJOIN:
        return f"The chief at {address} restarted more than {MAX_REJOINS} times; giving up."
    if code == EXIT_BAD_JOB:
        return ("The search's job cannot run on this machine (see the message above); the "
                "worker stopped.")
    return f"Worker processes kept crashing (last status {code}); see the messages above."


def work(address: str, *, token: str | None = None, token_file: str | None = None,
         devices: str | Sequence[str] | None = None, work_dir: str | None = None,
         reconnect_timeout: float = 60.0, allow_imports: Sequence[str] = ()) -> None:
    """Join the search served at ``address`` and run its trials until it is done.

    Args:
        address: The chief's ``HOST:PORT`` (``keras-zoo tune ... --serve HOST:PORT``).
        token, token_file: The chief's token (default: the ``KERAS_ZOO_TOKEN`` environment
            variable).
        devices: Where trials run: ``None`` (one worker process; the first GPU it sees, else
            the CPU), ``"cpu"``, or GPU names (``["/GPU:0", "/GPU:1"]``, ``"0,1"``): one worker
            process per GPU, each seeing only its card (``CUDA_VISIBLE_DEVICES``).
        work_dir: Where trials train before their results go to the chief (default: a
            temporary folder, deleted at the end). Nothing in it is needed afterwards.
        reconnect_timeout: Seconds a worker waits for a chief it cannot reach (one not started
            yet, or restarting) before it gives up.
        allow_imports: Modules (or packages) whose functions the chief may name as the factory
            (``--allow-import mypkg``). A worker runs a registered zoo model by default and
            imports nothing else the chief names: a search's job names code to run, and the
            worker decides which code it trusts. The server must also prove it knows the token
            before anything it sends is used.

    Raises:
        WorkerError: The chief refused the token, could not be reached, or the worker processes
            kept crashing. The message says which.
        InputValueError: A bad address, token file or device name.
    """
    host, port = wire.parse_address(address, "address")
    token = wire.read_token(token, token_file)
    targets = _devices(devices)
    if not (isinstance(reconnect_timeout, (int, float)) and reconnect_timeout > 0):
        raise InputValueError("`reconnect_timeout` must be a positive number of seconds. "
                              f"Received: reconnect_timeout={reconnect_timeout!r}")
    temporary = work_dir is None
    root = tempfile.mkdtemp(prefix="keras-zoo-worker-") if temporary else work_dir
    os.makedirs(root, exist_ok=True)
    modules = [allow_imports] if isinstance(allow_imports, str) else list(allow_imports)
    try:
        _supervise(wire.join_address(host, port), token, targets, root,
                   float(reconnect_timeout), modules)
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)


def _devices(devices: str | Sequence[str] | None) -> list[str | None]:
    """``None`` (let the process choose) or one ``CUDA_VISIBLE_DEVICES`` value per worker."""
    if devices is None or devices == "auto":
        return [None]
    items = devices.split(",") if isinstance(devices, str) else list(devices)
    out: list[str | None] = []
    for item in items:
        text = str(item).strip().upper().lstrip("/")
        if text in ("CPU", "CPU:0"):
            out.append("")
        elif re.fullmatch(r"(GPU:)?\d+", text):
            out.append(text.rsplit(":", 1)[-1])
        else:
            raise InputValueError("`devices` must be 'cpu' or GPU names ('/GPU:0', '0,1'). "
                                  f"Received: devices={devices!r}")
    return out or [None]


def _again(code: int, i: int, rejoins: list[int], crashes: list[int]) -> bool:
    """Whether worker process ``i``, which exited with ``code``, is started again."""
    if code == EXIT_RETIRED:
        return True
    if code == EXIT_REJOIN:
        rejoins[i] += 1
        return rejoins[i] <= MAX_REJOINS
    if code in (0, EXIT_REFUSED, EXIT_CHIEF_LOST, EXIT_BAD_JOB):
        return False
    crashes[i] += 1  # killed or crashed: its trial runs again (the chief releases it)
    if crashes[i] > 2:
        return False
    log.warning("A worker process exited with status %s; starting another.", code)
    return True


def _supervise(address: str, token: str | None, targets: list[str | None], root: str,
               reconnect_timeout: float, allow_imports: list[str]) -> None:
    procs: dict[int, subprocess.Popen] = {}
    started = [0.0] * len(targets)
    rejoins = [0] * len(targets)
    crashes = [0] * len(targets)
    errors: list[str] = []

    def spawn(i: int) -> subprocess.Popen:
        if time.monotonic() - started[i] > _SETTLED_S:  # the last one ran a while: a new count
            rejoins[i] = crashes[i] = 0
        started[i] = time.monotonic()
        env = {**os.environ, "KERAS_ZOO_PARENT_PID": str(os.getpid()),
               "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
               wire.ALLOW_ENV: ",".join(allow_imports)}
        env[wire.TOKEN_ENV] = token or ""
        if targets[i] is not None:
            env["CUDA_VISIBLE_DEVICES"] = targets[i]
        return subprocess.Popen([sys.executable, "-m", "keras_zoo.tuning.runtime.remote_tuner",
                                 address,
                                 "--work-dir", os.path.join(root, f"w{i}"),
                                 "--reconnect-timeout", str(reconnect_timeout)], env=env)

    try:
        procs = {i: spawn(i) for i in range(len(targets))}
        while procs:
            time.sleep(0.2)
            for i, proc in list(procs.items()):
                code = proc.poll()
                if code is None:
                    continue
                del procs[i]
                if _again(code, i, rejoins, crashes):
                    procs[i] = spawn(i)
                elif code:
                    errors.append(_failure(code, address, reconnect_timeout))
    finally:
        for proc in procs.values():
            proc.kill()
            proc.wait()
    if errors:
        raise WorkerError(" ".join(dict.fromkeys(errors)))
