"""The search directory: its layout, its identity, and what its trials left.

::

    <directory>/search.json          the search's settings and state (SPEC_FILE)
    <directory>/trials/trial_<id>/   Keras Tuner's trial files and our result.json (PROJECT)
    <directory>/job.pkl              the pickled TrialJob, while parallel workers run (JOB_FILE)
    <directory>/workers/             the worker processes' logs

A directory belongs to one search: rerunning the same search there resumes it, a different one
is refused unless ``overwrite=True``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
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


def prepare_directory(directory: str, spec: dict[str, Any], *, resume: bool, overwrite: bool
                      ) -> bool:
    """Check or clear the directory. Returns whether a previous run is being resumed."""
    existing = read_json(os.path.join(directory, SPEC_FILE))
    has_content = os.path.isdir(directory) and bool(os.listdir(directory))
    if overwrite and os.path.isdir(directory):
        shutil.rmtree(directory)
        return False
    if not existing:
        if has_content and os.path.isdir(os.path.join(directory, PROJECT)):
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
