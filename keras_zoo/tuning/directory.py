"""The search directory: its identity, who owns it, and whether a search may go on in it.

Its layout (``search.json``, ``trials/``, ``job.pkl``, ``workers/``) is named in
:mod:`~keras_zoo.tuning.schema`; here is the one file it adds, ``.keras-zoo.lock``
(:data:`LOCK_FILE`), held by the running search.

A directory belongs to one search: rerunning the same search there resumes it, a different one
is refused unless ``overwrite=True``. While a search runs it owns its directory (:func:`claim`):
an OS file lock (``flock``) that the system releases when the process ends, however it ends, with
the owner's host, pid, start time and command in the lock file for the message a second search
gets; it first checks that the directory can be written to (:func:`check_writable`). Its
parallel workers are its children and share that ownership. ``overwrite=True`` deletes only a
recognisable keras-zoo search (a ``search.json`` or a ``trials/`` folder), and only once the
directory is owned, so it never deletes what another running search writes.
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
import tempfile
from collections.abc import Iterator
from typing import Any

from keras_zoo.base import normalize_name
from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning.oracles import recovery
from keras_zoo.tuning.schema import PROJECT, SPEC_FILE, read_state
from keras_zoo.tuning.space import jsonable
from keras_zoo.tuning.trial.job import TrialJob, fingerprint

LOCK_FILE = ".keras-zoo.lock"
IDENTITY = ("model", "dataset", "data_fingerprint", "strategy", "objective", "direction", "axes",
            "fixed", "epochs", "batch_size", "patience", "early_stopping",
            "executions_per_trial", "seed")
"""The settings that make two searches the same search (``max_trials`` may grow on resume)."""


def default_directory(model_name: str, dataset_name: str, strategy: str) -> str:
    """``runs/<model>_<dataset>_<strategy>``: the names lower-cased with ``_`` for separators
    (:func:`~keras_zoo.base.names.normalize_name`), e.g. ``runs/ann_breast_cancer_grid``."""
    return os.path.join("runs", normalize_name(
        f"{model_name}-{dataset_name}-{strategy}".replace(":", "-")))


def search_spec(job: TrialJob, fixed: dict[str, Any], *, strategy: str,
                max_trials: int | None) -> dict[str, Any]:
    """The content of ``search.json``: the search's identity (:data:`IDENTITY`) and state."""
    space = job.space
    spec = {
        "model": job.model_name, "dataset": job.data.name,
        "data_fingerprint": fingerprint(job.data), "strategy": strategy,
        "objective": job.objective, "direction": job.direction,
        "axes": space.describe()["axes"], "fixed": jsonable(fixed), "epochs": job.epochs,
        "batch_size": job.batch_size, "patience": job.patience,
        "early_stopping": job.early_stopping, "executions_per_trial": job.executions_per_trial,
        "seed": job.seed, "max_trials": max_trials, "grid_size": space.grid_size,
        "project_name": PROJECT, "state": "running",
    }
    spec["search_id"] = identity_digest(spec)
    return spec


def identity_digest(spec: dict[str, Any]) -> str:
    """A short hash of a spec's :data:`IDENTITY`: every trial's ``result.json`` records it, so a
    damaged ``search.json`` is rebuilt only for the search that wrote the results."""
    identity = {key: jsonable(spec.get(key)) for key in IDENTITY}
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()
                          ).hexdigest()[:16]


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


def check_writable(directory: str) -> None:
    """Check, before the first trial, that the search can write its files: a file is created
    and removed in ``directory`` and its ``trials/`` folder (or, for a directory still to be
    made, in the nearest folder above it that exists).

    Raises:
        InputValueError: A folder that cannot be written to (read-only, not permitted, a full
            disk); the message names it and the reason.
    """
    existing = directory
    while existing and not os.path.exists(existing):
        existing = os.path.dirname(existing)
    folders = [existing or "."]
    if os.path.isdir(os.path.join(directory, PROJECT)):
        folders.append(os.path.join(directory, PROJECT))
    for folder in folders:
        try:
            handle, probe = tempfile.mkstemp(dir=folder, prefix=".keras-zoo-write-check-")
            os.close(handle)
            os.unlink(probe)
        except OSError as err:
            made = "" if folder in (directory, os.path.join(directory, PROJECT)) else (
                ", where it would be made")
            raise InputValueError(
                f"The search directory {directory!r} cannot be written to: creating a file in "
                f"{folder!r}{made} failed ({err.strerror or err}). Give a directory you can "
                "write to, or make this one writable; nothing was changed. "
                f"Received: directory={directory!r}") from err


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
        InputValueError: ``directory`` is a file or lies under one, or cannot be written to
            (:func:`check_writable`).
    """
    directory = os.fspath(directory)
    _check_path(directory)
    check_writable(directory)
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
    being resumed.

    A missing or damaged ``search.json`` next to trials is rebuilt from ``spec`` when the trial
    results agree with it (:func:`~keras_zoo.tuning.oracles.recovery.check_spec_rebuild`).

    Raises:
        InputValueError: The directory holds another search, or this one with
            ``resume=False``, or trials of another search beside a missing or damaged
            ``search.json``; ``overwrite`` of a folder that is not a search.
    """
    spec_path = os.path.join(directory, SPEC_FILE)
    existing, problem = read_state(spec_path)
    has_trials = os.path.isdir(os.path.join(directory, PROJECT))
    if overwrite and os.path.isdir(directory):
        _clear_search(directory, has_trials or os.path.exists(spec_path))
        return False
    if existing is None:
        if not has_trials:
            return False
        # Missing or damaged, with trials: rebuilt from this search's settings when the trial
        # results agree with them (raises, naming the file, when they do not).
        recovery.check_spec_rebuild(spec_path, problem, spec,
                                    os.path.join(directory, PROJECT))
        existing = spec
    differences = [k for k in IDENTITY if jsonable(existing.get(k)) != jsonable(spec.get(k))]
    if differences:
        detail = "; ".join(f"{k}: {existing.get(k)!r} -> {spec.get(k)!r}" for k in differences)
        data = (" The data differ. A CSV file or DataFrame with text columns is now loaded with "
                "them (and its gaps) kept for the model (categorical='model'); load it with "
                "categorical='onehot' (a config's dataset: {csv: ..., target: ..., categorical: "
                "onehot}) to resume a search started before." if differences ==
                ["data_fingerprint"] else "")
        raise InputValueError(
            f"{directory!r} holds a different search.{data} Pass overwrite=True (--overwrite) "
            f"to replace it, or choose another directory. Received: {detail}"
        )
    if not resume:
        raise InputValueError(
            f"{directory!r} already holds this search; pass resume=True (the default; drop "
            "--no-resume) to continue it or overwrite=True (--overwrite) to start over. "
            "Received: resume=False")
    return True
