"""The search directory's schema: the names of its files and how its JSON files are read.

::

    <directory>/search.json                     the search's settings and state (SPEC_FILE)
    <directory>/trials/                         Keras Tuner's project folder (PROJECT)
    <directory>/trials/trial_<id>/result.json   a trial's result, the one record of "done"
    <directory>/trials/trial_<id>/model.keras   its model, while kept (MODEL_FILE)
    <directory>/job.pkl                         the pickled TrialJob, while workers run (JOB_FILE)
    <directory>/workers/                        the worker processes' logs (WORKERS_DIR)

A trial's ``result.json`` is a :class:`TrialRecord`, read by :func:`read_record` (or
:meth:`TrialRecord.from_json`) and written by :func:`write_record`, nowhere else.

Every room of :mod:`keras_zoo.tuning` reads these names here, and imports nothing else of the
search for them: this module imports no other module of the package.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

from keras_zoo.base.files import atomic_write_json

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


@dataclasses.dataclass(init=False, eq=False)
class TrialRecord:
    """A trial's ``result.json``: what it ran, how it ended, what it scored.

    Keys are written only once set, in the order they were set: given to the constructor, read
    from the file, or assigned since (``None`` is then written as ``null``: a kept-model field
    that says "not kept", a search without an id). A record read and written again is the same
    JSON, key for key, and keys this version does not know (written by a newer one) are kept in
    :attr:`other`, in place. Values are as read: a record of an older version, or a damaged one,
    may lack any key or hold another type; :meth:`is_final` says whether it counts.
    Copy one with :meth:`replaced` (not ``dataclasses.replace``, which would set every key).

    Attributes:
        trial_id: The trial's id (the ``trial_<id>`` folder).
        params: The trial's decoded parameters (JSON: tuples as lists).
        objective, direction: The search's objective and ``"max"``/``"min"``.
        device, worker: Where it ran (``/CPU:0``, ``/GPU:1`` ...) and the Keras Tuner worker.
        status: ``"running"``, ``"completed"``, ``"pruned"`` or ``"failed"``.
        search_id: The identity digest of the search that wrote it
            (:func:`~keras_zoo.tuning.directory.identity_digest`).
        score: The objective (the mean over executions; a pruned trial's at the epoch it stopped).
        metrics: Every logged metric at the scored epoch (mean over executions).
        epochs: Epochs trained (the best execution's); ``best_epoch``: the scored one, 1-based.
        executions: The trainings averaged.
        history: ``{objective: [value per epoch]}`` of the first execution (what pruners compare).
        pruned_at_epoch: The 1-based epoch a pruned trial stopped at.
        diagnostics: The best execution's ``Diagnosis.scores()`` (``diagnostics=True``), or why
            a diverged trial failed.
        model_file: ``"model.keras"`` while its model is kept, else ``None``.
        error, traceback: Why a failed trial failed (one line), and where.
        seconds: Wall time of the trial.
        other: Keys this version does not know, as read.
    """

    trial_id: str | None = None
    params: dict[str, Any] | None = None
    objective: str | None = None
    direction: str | None = None
    device: str | None = None
    worker: str | None = None
    status: str | None = None
    search_id: str | None = None
    score: float | None = None
    metrics: dict[str, float] | None = None
    epochs: int | None = None
    best_epoch: int | None = None
    executions: int | None = None
    history: dict[str, list[float]] | None = None
    pruned_at_epoch: int | None = None
    diagnostics: dict[str, Any] | None = None
    model_file: str | None = None
    error: str | None = None
    traceback: str | None = None
    seconds: float | None = None
    other: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __init__(self, **values: Any):
        object.__setattr__(self, "_keys", [])
        object.__setattr__(self, "other", {})
        for name in _KEYS:
            object.__setattr__(self, name, None)
        for name, value in values.items():
            if name not in _KEYS:
                raise TypeError(f"TrialRecord has no field {name!r}; unknown keys go in `other` "
                                f"(TrialRecord.from_json). Received: {name}={value!r}")
            setattr(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _KEYS and name not in self._keys:
            self._keys.append(name)
        object.__setattr__(self, name, value)

    def __eq__(self, other: object) -> bool:  # equal records write the same keys and values
        return isinstance(other, TrialRecord) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]  (mutable)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrialRecord:
        """The record a ``result.json`` object holds (any keys, any values, as read)."""
        record = cls()
        for key, value in data.items():
            if key in _KEYS:
                setattr(record, key, value)
            else:
                record.other[key] = value
                record._keys.append(key)
        return record

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``result.json``: the keys set, in the order they were set."""
        out = {key: getattr(self, key) if key in _KEYS else self.other[key]
               for key in self._keys if key in _KEYS or key in self.other}
        out.update({k: v for k, v in self.other.items() if k not in out})
        return out

    def replaced(self, **changes: Any) -> TrialRecord:
        """A copy, with ``changes`` set (known fields only)."""
        copy = TrialRecord.from_json(self.to_json())
        for name, value in changes.items():
            if name not in _KEYS:
                raise TypeError(f"TrialRecord has no field {name!r}. Received: {name}={value!r}")
            setattr(copy, name, value)
        return copy

    def has(self, name: str) -> bool:
        """Whether the key ``name`` is in the record (perhaps as ``null``)."""
        return name in self._keys and (name in _KEYS or name in self.other)

    @property
    def scored(self) -> bool:
        """Whether the trial ended with a score (status completed or pruned)."""
        return self.status in SCORED

    def is_final(self) -> bool:
        """Whether this record makes its trial done: completed (or pruned) with a finite score,
        or failed, with its parameters."""
        if not isinstance(self.params, dict):
            return False
        if self.status == "failed":
            return True
        score = self.score
        return (self.scored and isinstance(score, (int, float)) and not isinstance(score, bool)
                and math.isfinite(score))


_KEYS = frozenset(f.name for f in dataclasses.fields(TrialRecord)) - {"other"}


def read_record(path: str) -> TrialRecord | None:
    """The record in the ``result.json`` at ``path``; ``None`` when it is missing, empty or not
    (yet) a JSON object (a damaged file: :func:`read_state` says why)."""
    content, _ = read_state(path)
    return TrialRecord.from_json(content) if content else None


def write_record(path: str, record: TrialRecord) -> None:
    """Write ``record`` to ``path`` atomically (a temporary file renamed: a kill leaves the old
    file or the new one, never a broken one)."""
    atomic_write_json(path, record.to_json())


def final_result(record: TrialRecord | Mapping[str, Any] | None) -> bool:
    """Whether a ``result.json`` record makes its trial done (:meth:`TrialRecord.is_final`)."""
    if isinstance(record, Mapping):
        record = TrialRecord.from_json(record)
    return isinstance(record, TrialRecord) and record.is_final()
