"""How a run of a search ends: its state in ``search.json``, and the error that says why it
stopped (too many failures in a row, a full disk, another error), with how to go on."""

from __future__ import annotations

import logging
import os
from typing import Any

from keras_zoo.base import atomic_write_json
from keras_zoo.tuning.errors import SearchError
from keras_zoo.tuning.oracles import recovery
from keras_zoo.tuning.schema import PROJECT, SPEC_FILE, TrialRecord
from keras_zoo.tuning.trial.job import disk_full

log = logging.getLogger("keras_zoo.tuning.engine")


def write_spec(directory: str, spec: dict[str, Any], *, stopping: bool) -> None:
    """Write ``search.json``; on a full disk, raise :class:`SearchError` before the trials, or
    keep the previous file when the search is stopping (it resumes all the same)."""
    try:
        atomic_write_json(os.path.join(directory, SPEC_FILE), spec)
    except OSError as err:
        if not disk_full(err):
            raise
        if not stopping:
            raise SearchError(_disk_full_message(err, directory)) from err
        log.warning("Could not record the search's state in %s (%s).", SPEC_FILE, err)


def _disk_full_message(err: BaseException, directory: str) -> str:
    cause = err
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    kept = recovery.completed_count(os.path.join(directory, PROJECT))
    return (f"The search in {directory!r} stopped: the disk is full ({cause or err}). Its "
            f"{kept} completed trial(s) are kept; free some space and run the same search again "
            "to resume (the trial that was running runs again).")


def raise_if_stopped(failure: BaseException | None, project_dir: str, directory: str,
                      max_consecutive_failures: int, before: dict[str, int]) -> None:
    """Raise :class:`SearchError` for a run that stopped: on a full disk, after too many
    failures in a row in this run (``before``: :func:`recovery.result_times` at its start), or
    on another error.

    Raises:
        SearchError: The search stopped; the message says why and how to go on.
    """
    if failure is not None and disk_full(failure):
        raise SearchError(_disk_full_message(failure, directory)) from failure
    tail = recovery.failures_in_a_row(project_dir, before)
    if len(tail) >= max_consecutive_failures:
        listed = "; ".join(f"trial {r.trial_id} ({_params_text(r)}): {_short(r.error)}"
                           for r in tail)
        raise SearchError(
            f"The search stopped: {len(tail)} trial(s) failed in a row (limit "
            f"{max_consecutive_failures}): {listed}. Completed trials are kept in "
            f"{directory!r}. Fix the cause and run the same search again: the failed trials stay "
            "recorded as failed (they are not run again) and the search goes on with the "
            "configurations not yet tried; retry_failed=True (--retry-failed) runs the failed "
            "ones again."
        ) from failure
    if failure is not None:
        raise SearchError(
            f"The search stopped: {type(failure).__name__}: {failure}. Completed trials are kept "
            f"in {directory!r}; fix the cause and run the same search again to resume."
        ) from failure


def _params_text(record: TrialRecord) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in (record.params or {}).items())


def _short(error: str | None, limit: int = 160) -> str:
    lines = (error or "").strip().splitlines()
    line = lines[0] if lines else "unknown error"
    return line if len(line) <= limit else line[:limit - 3] + "..."
