"""The search directory: its layout, its identity, and what its trials left.

::

    <directory>/search.json          the search's settings and state (SPEC_FILE)
    <directory>/trials/trial_<id>/   Keras Tuner's trial files and our result.json (PROJECT)
    <directory>/job.pkl              the pickled TrialJob, while parallel workers run (JOB_FILE)
    <directory>/workers/             the worker processes' logs
    <directory>/.keras-zoo.lock      held by the running search (LOCK_FILE)

A directory belongs to one search: rerunning the same search there resumes it, a different one
is refused unless ``overwrite=True``. While a search runs it owns its directory (:func:`claim`):
an OS file lock (``flock``) that the system releases when the process ends, however it ends, with
the owner's host, pid, start time and command in the lock file for the message a second search
gets. Its parallel workers are its children and share that ownership. ``overwrite=True`` deletes
only a recognisable keras-zoo search (a ``search.json`` or a ``trials/`` folder), and only once
the directory is owned, so it never deletes what another running search writes.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import shutil
import socket
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from keras_zoo.base import normalize_name
from keras_zoo.base.errors import InputValueError
from keras_zoo.datasets.core import Dataset
from keras_zoo.tuning.results import SPEC_FILE, read_json
from keras_zoo.tuning.space import jsonable
from keras_zoo.tuning.trial import RESULT_FILE, TrialJob

PROJECT = "trials"
JOB_FILE = "job.pkl"
WORKERS_DIR = "workers"
LOCK_FILE = ".keras-zoo.lock"
IDENTITY = ("model", "dataset", "data_fingerprint", "strategy", "objective", "direction", "axes",
            "fixed", "epochs", "batch_size", "patience", "early_stopping",
            "executions_per_trial", "seed")
"""The settings that make two searches the same search (``max_trials`` may grow on resume)."""


def default_directory(model_name: str, dataset_name: str, strategy: str) -> str:
    """``runs/<model>-<dataset>-<strategy>``."""
    return os.path.join("runs", normalize_name(
        f"{model_name}-{dataset_name}-{strategy}".replace(":", "-")))


def fingerprint(data: Dataset) -> str:
    """A short hash of the splits' shapes and first rows: another dataset under the same name
    is another search."""
    digest = hashlib.sha256()
    for array in (data.x_train, data.y_train, data.x_val, data.y_val):
        arr = np.asarray(array)
        digest.update(str(arr.shape).encode())
        digest.update(np.ascontiguousarray(arr[:256]).tobytes() if arr.dtype.kind != "O"
                      else repr(arr[:256].tolist()).encode())
    return digest.hexdigest()[:16]


def search_spec(job: TrialJob, fixed: dict[str, Any], *, strategy: str,
                max_trials: int | None) -> dict[str, Any]:
    """The content of ``search.json``: the search's identity (:data:`IDENTITY`) and state."""
    space = job.space
    return {
        "model": job.model_name, "dataset": job.data.name,
        "data_fingerprint": fingerprint(job.data), "strategy": strategy,
        "objective": job.objective, "direction": job.direction,
        "axes": space.describe()["axes"], "fixed": jsonable(fixed), "epochs": job.epochs,
        "batch_size": job.batch_size, "patience": job.patience,
        "early_stopping": job.early_stopping, "executions_per_trial": job.executions_per_trial,
        "seed": job.seed, "max_trials": max_trials, "grid_size": space.grid_size,
        "project_name": PROJECT, "state": "running",
    }


class DirectoryInUseError(InputValueError):
    """Another running search owns the directory (see :func:`claim`)."""


def _check_path(directory: str) -> None:
    parent = directory
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and not os.path.isdir(parent):
        where = "is a file" if parent == directory else f"lies under the file {parent!r}"
        raise InputValueError(f"The search directory {directory!r} {where}; give a folder. "
                              f"Received: directory={directory!r}")


def _owner_message(directory: str, handle: int) -> str:
    os.lseek(handle, 0, os.SEEK_SET)
    try:
        owner = json.loads(os.read(handle, 65536).decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        owner = {}
    who = (f"pid {owner.get('pid', '?')} on {owner.get('host', '?')}, started "
           f"{owner.get('started', '?')}: {owner.get('command', '?')}")
    return (f"{directory!r} is in use by a running search ({who}). Wait for it to finish, stop "
            "it, or choose another directory; --overwrite does not delete a directory another "
            f"search owns. Received: directory={directory!r}")


@contextlib.contextmanager
def claim(directory: str) -> Iterator[None]:
    """Own ``directory`` for the ``with`` block: refuse it if another process owns it.

    Raises:
        DirectoryInUseError: Another search holds the lock (the message names it).
        InputValueError: ``directory`` is a file or lies under one.
    """
    directory = os.fspath(directory)
    _check_path(directory)
    os.makedirs(directory, exist_ok=True)
    handle = os.open(os.path.join(directory, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock, as before
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DirectoryInUseError(_owner_message(directory, handle)) from None
        owner = {"host": socket.gethostname(), "pid": os.getpid(),
                 "started": datetime.datetime.now().isoformat(timespec="seconds"),
                 "command": " ".join(sys.argv)}
        os.ftruncate(handle, 0)
        os.lseek(handle, 0, os.SEEK_SET)
        os.write(handle, json.dumps(owner).encode("utf-8"))
        yield
    finally:
        os.close(handle)  # releases the lock


def _clear_search(directory: str, is_search: bool) -> None:
    """``overwrite``: delete a keras-zoo search's files, refuse anything else."""
    entries = sorted(e for e in os.listdir(directory) if e != LOCK_FILE)
    if entries and not is_search:
        shown = ", ".join(e + ("/" if os.path.isdir(os.path.join(directory, e)) else "")
                          for e in entries[:8]) + (" ..." if len(entries) > 8 else "")
        raise InputValueError(
            f"{directory!r} is not a keras-zoo search (no {SPEC_FILE}, no {PROJECT}/), so "
            f"overwrite=True (--overwrite) will not delete it. It holds: {shown}. Choose another "
            f"directory. Received: directory={directory!r}")
    for entry in entries:
        path = os.path.join(directory, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def prepare_directory(directory: str, spec: dict[str, Any], *, resume: bool, overwrite: bool
                      ) -> bool:
    """Check or clear the directory (owned by :func:`claim`). Returns whether a previous run is
    being resumed."""
    existing = read_json(os.path.join(directory, SPEC_FILE))
    has_trials = os.path.isdir(os.path.join(directory, PROJECT))
    if overwrite and os.path.isdir(directory):
        _clear_search(directory, has_trials or os.path.exists(os.path.join(directory, SPEC_FILE)))
        return False
    if not existing:
        if has_trials:
            raise InputValueError(
                f"{directory!r} holds files of an unknown search (trials but no {SPEC_FILE}); "
                "pass overwrite=True (--overwrite) or choose another directory. "
                f"Received: directory={directory!r}")
        return False
    differences = [k for k in IDENTITY if jsonable(existing.get(k)) != jsonable(spec.get(k))]
    if differences:
        detail = "; ".join(f"{k}: {existing.get(k)!r} -> {spec.get(k)!r}" for k in differences)
        raise InputValueError(
            f"{directory!r} holds a different search. Pass overwrite=True (--overwrite) to "
            f"replace it, or choose another directory. Received: {detail}"
        )
    if not resume:
        raise InputValueError(
            f"{directory!r} already holds this search; pass resume=True (the default; drop "
            "--no-resume) to continue it or overwrite=True (--overwrite) to start over. "
            "Received: resume=False")
    return True


def trial_records(project_dir: str) -> dict[str, dict[str, Any]]:
    """Trial folder name -> its ``result.json`` record, for the trials that wrote one."""
    names = sorted(os.listdir(project_dir)) if os.path.isdir(project_dir) else []
    records = {name: read_json(os.path.join(project_dir, name, RESULT_FILE)) for name in names}
    return {name: record for name, record in records.items() if record}


def trailing_failures(project_dir: str) -> list[dict[str, Any]]:
    """The failed trials since the last completed one, most recent first."""
    records = list(trial_records(project_dir).values())
    records.sort(key=lambda r: int(r["trial_id"]) if str(r["trial_id"]).isdigit() else 0)
    tail = []
    for record in reversed(records):
        if record.get("status") != "failed":
            break
        tail.append(record)
    return tail
