"""The search directory's schema: the names of its files and how its JSON files are read.

::

    <directory>/search.json                     the search's settings and state (SPEC_FILE)
    <directory>/trials/                         Keras Tuner's project folder (PROJECT)
    <directory>/trials/trial_<id>/result.json   a trial's result, the one record of "done"
    <directory>/trials/trial_<id>/model.keras   its model, while kept (MODEL_FILE)
    <directory>/job.pkl                         the pickled TrialJob, while workers run (JOB_FILE)
    <directory>/workers/                        the worker processes' logs (WORKERS_DIR)

Every room of :mod:`keras_zoo.tuning` reads these names here, and imports nothing else of the
search for them: this module imports no other module of the package.
"""

from __future__ import annotations

import json
import math
from typing import Any

SPEC_FILE = "search.json"
PROJECT = "trials"
JOB_FILE = "job.pkl"
WORKERS_DIR = "workers"
RESULT_FILE = "result.json"
MODEL_FILE = "model.keras"

SCORED = ("completed", "pruned")
"""The statuses of a trial that ended with a score (a pruned trial is scored at the epoch it
stopped)."""


def read_json(path: str) -> dict[str, Any]:
    """The JSON object in ``path``; ``{}`` when it is missing or not (yet) valid JSON."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def read_state(path: str) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object in ``path`` and ``None``, or ``None`` and why it cannot be used.

    Returns ``(None, None)`` when the file does not exist, and ``(None, reason)`` when it exists
    but is unreadable, empty, not UTF-8, not JSON or not a JSON object (``reason`` completes the
    sentence "<path> ...").
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None, None
    except OSError as err:
        return None, f"cannot be read ({err.strerror or err})"
    if not raw.strip():
        return None, "is empty"
    try:
        content = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "is not UTF-8 text (damaged)"
    except ValueError as err:
        return None, f"is not valid JSON ({err})"
    if not isinstance(content, dict):
        return None, f"does not hold a JSON object (it holds a {type(content).__name__})"
    return content, None


def final_result(record: Any) -> bool:
    """Whether a ``result.json`` record makes its trial done: completed (or pruned) with a
    finite score, or failed, with its parameters."""
    if not isinstance(record, dict) or not isinstance(record.get("params"), dict):
        return False
    if record.get("status") == "failed":
        return True
    score = record.get("score")
    return (record.get("status") in SCORED and isinstance(score, (int, float))
            and not isinstance(score, bool) and math.isfinite(score))
