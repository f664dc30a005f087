"""What a search leaves behind, readable: a leaderboard DataFrame, the best model, plots."""

from __future__ import annotations

import glob
import math
import os
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
import pandas as pd

from keras_zoo.base.errors import InputFileError, InputValueError
from keras_zoo.base.formatting import format_number
from keras_zoo.tuning.ranking import Ranking
from keras_zoo.tuning.schema import (
    MODEL_FILE,
    RESULT_FILE,
    SCORED,
    SPEC_FILE,
    TrialRecord,
    read_json,
    read_record,
    read_state,
)

DIAGNOSTIC_COLUMNS = ("grad_ratio", "dead_fraction", "saturated_fraction", "findings")
"""The leaderboard's columns of a search run with ``diagnostics=True``: each trial's
``Diagnosis.scores()``, read from the ``"diagnostics"`` of its ``result.json``."""


def _integers(values: Any) -> bool:
    """Whether the values present (not ``None``/NaN) are all integers, and some are missing, so
    that pandas would otherwise make the column float."""
    present, missing = [], False
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            missing = True
        else:
            present.append(value)
    return missing and bool(present) and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in present)


def _diagnostic_cells(scores: Any) -> dict[str, Any]:
    """A trial's :data:`DIAGNOSTIC_COLUMNS` from its recorded ``Diagnosis.scores()`` (NaN and
    ``None`` where it has none: run without diagnostics, or failed before training ended)."""
    scores = scores if isinstance(scores, dict) else {}
    cells: dict[str, Any] = {}
    for name in DIAGNOSTIC_COLUMNS[:-1]:
        value = scores.get(name)
        cells[name] = float(value) if isinstance(value, (int, float)) and not isinstance(
            value, bool) else np.nan
    findings = scores.get("findings")
    cells["findings"] = findings if isinstance(findings, str) else None
    return cells


def _tie_breaker(spec: dict[str, Any], objective: str) -> tuple[str, str] | None:
    """The search's tie-breaker as ``search.json`` records it. A search written before there
    was one ranked ties by trial number and kept the first tied trial's model: that rule."""
    value = spec.get("tie_breaker")
    return (str(value[0]), str(value[1])) if value else None


def _trial_sort_key(trial_id: str) -> tuple[int, str]:
    return (int(trial_id), trial_id) if str(trial_id).isdigit() else (math.inf, str(trial_id))


class SearchResult:
    """The results of a search, read from its directory (so a finished, interrupted or running
    search can be inspected the same way: ``SearchResult.load("runs/ann")``).

    Attributes:
        directory: The search directory.
        spec: The search's settings (``search.json``).
        objective: The objective's name; ``direction``: ``"max"`` or ``"min"``.
        ranking: How trials compare: the objective, then the search's tie-breaker
            (``search(tie_breaker=...)``, by default the validation loss), then the trial
            number (see :mod:`~keras_zoo.tuning.ranking`).
        leaderboard: One row per trial, best first: the scored trials (completed and pruned)
            in ``ranking`` order, then the others (failed, running, interrupted) by trial
            number; :meth:`by_trial` gives trial order. The ``keras-zoo tune`` table, ``best_*``
            and ``leaderboard.csv`` follow the same order. Columns: ``trial``, ``status`` (completed / pruned / failed /
            running / interrupted), each searched parameter, the objective (a pruned trial's
            at the epoch it stopped), every logged metric at the scored epoch, ``epochs_run``,
            ``best_epoch``, ``pruned_at_epoch`` (1-based; empty for a trial not pruned),
            ``seconds``, ``device``, ``worker``
            (the Keras Tuner worker that ran it), ``error``; with ``diagnostics=True`` (or
            trials that recorded them in an earlier run), :data:`DIAGNOSTIC_COLUMNS` after the
            objective: ``grad_ratio`` (the first layer's gradient norm over the last's),
            ``dead_fraction``, ``saturated_fraction`` and ``findings`` (the codes,
            comma-separated; empty when none), also for pruned trials and for a trial that
            diverged (``non_finite``); NaN / ``None`` for one that failed before training
            ended. A training metric named like a searched parameter (``loss`` when the loss is
            searched) is ``train_<name>``, so the parameter keeps its column. Integer columns
            stay integers beside rows that lack them (pandas' nullable ``Int64``).

    Example:
        >>> result = SearchResult.load("runs/ann")                     # doctest: +SKIP
        >>> result.leaderboard.sort_values("val_accuracy").tail(3)     # doctest: +SKIP
    """

    def __init__(self, directory: str, spec: dict[str, Any],
                 records: list[TrialRecord | Mapping[str, Any]], project_dir: str,
                 folders: Mapping[str, str] | None = None):
        """``records``: one per trial (``result.json`` objects are read as
        :class:`~keras_zoo.tuning.schema.TrialRecord`); ``folders``: trial id -> its folder
        (default ``<project_dir>/trial_<id>``)."""
        self.directory = directory
        self.spec = spec
        self.project_dir = project_dir
        records = [r if isinstance(r, TrialRecord) else TrialRecord.from_json(r)
                   for r in records]
        self._folders = {str(r.trial_id): os.path.join(project_dir, f"trial_{r.trial_id}")
                         for r in records}
        self._folders.update(folders or {})
        self.objective: str = spec.get("objective", "score")
        self.direction: str = spec.get("direction", "max")
        self.ranking = Ranking(self.direction, _tie_breaker(spec, self.objective))
        self._records = self._ranked(records)
        self.leaderboard = self._frame(self._records)

    # --- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: str) -> SearchResult:
        """Read the search in ``directory`` (finished, interrupted or still running).

        Raises:
            InputFileError: ``directory`` holds no ``search.json``.
            InputValueError: Its ``search.json`` is damaged (the message names it; running the
                same search again rebuilds it from the trial results).
        """
        path = os.path.join(directory, SPEC_FILE)
        spec, problem = read_state(path)
        if problem is not None:
            raise InputValueError(
                f"{path!r} {problem}. The trial results are not affected: run the same search "
                "again (same settings, same directory) to rebuild it from them, then load it. "
                f"Received: {directory!r}")
        if spec is None:
            hint = (" (it holds trials: run the same search again to rebuild search.json)"
                    if os.path.isdir(os.path.join(directory, "trials")) else "")
            raise InputFileError(f"No search in {directory!r} (no {SPEC_FILE}){hint}; give the "
                                 f"directory of a search. Received: {directory!r}")
        project_dir = os.path.join(directory, spec.get("project_name", "trials"))
        records, folders = [], {}
        for trial_dir in glob.glob(os.path.join(project_dir, "trial_*")):
            kt_state = read_json(os.path.join(trial_dir, "trial.json"))
            record = read_record(os.path.join(trial_dir, RESULT_FILE))
            if not os.path.isdir(trial_dir) or not (kt_state or record):
                continue
            trial_id = kt_state.get("trial_id") or os.path.basename(trial_dir)[len("trial_"):]
            if record is None:  # started, never finished: still running, or killed
                status = (kt_state.get("status") or "").upper()
                message = (kt_state.get("message") or "").strip()
                record = TrialRecord(
                    status="failed" if status in ("FAILED", "INVALID") else (
                        "running" if spec.get("state") == "running" else "interrupted"),
                    error=message.splitlines()[-1] if message else None)
            record.trial_id = trial_id
            records.append(record)
            folders[str(trial_id)] = trial_dir
        return cls(directory, spec, records, project_dir, folders)

    def _ranked(self, records: list[TrialRecord]) -> list[TrialRecord]:
        """Best first: the scored trials by objective, tie-breaker, then trial number (among
        trials equal on both, the one whose model the search kept first: parallel workers
        finish out of order, and a later equal trial does not replace the kept model); then
        the others (failed, running, interrupted) by trial number."""
        def key(record: TrialRecord) -> tuple[Any, ...]:
            order = _trial_sort_key(record.trial_id)
            if not record.scored:
                return (1, (0.0, 0.0), 0, order)
            kept = os.path.exists(os.path.join(self._folder(record), MODEL_FILE))
            return (0, self.ranking.record_key(record), 0 if kept else 1, order)

        return sorted(records, key=key)

    def _folder(self, record: TrialRecord) -> str:
        return self._folders.get(str(record.trial_id)) or os.path.join(
            self.project_dir, f"trial_{record.trial_id}")

    def _frame(self, records: list[TrialRecord]) -> pd.DataFrame:
        params = list(self.spec.get("axes", []))
        rows = []
        for r in records:
            row: dict[str, Any] = {"trial": r.trial_id, "status": r.status}
            for name in params:
                value = (r.params or {}).get(name)
                row[name] = keras.tree.lists_to_tuples(value)  # JSON wrote tuples as lists
            row[self.objective] = (r.score if r.has("score") else np.nan) if r.scored \
                else np.nan
            for key, value in sorted((r.metrics or {}).items()):
                if key != self.objective:
                    row[f"train_{key}" if key in params else key] = value
            row.update({"epochs_run": r.epochs, "best_epoch": r.best_epoch,
                        "pruned_at_epoch": r.pruned_at_epoch, "seconds": r.seconds,
                        "device": r.device, "worker": r.worker, "error": r.error})
            rows.append(row)
        columns = ["trial", "status", *params, self.objective]
        if self.spec.get("diagnostics") or any(r.has("diagnostics") for r in records):
            columns += list(DIAGNOSTIC_COLUMNS)
            for row, r in zip(rows, records):
                row.update(_diagnostic_cells(r.diagnostics))
        frame = pd.DataFrame(rows)
        if frame.empty:
            return pd.DataFrame(columns=[*columns, "epochs_run", "best_epoch", "pruned_at_epoch",
                                         "seconds", "device", "worker", "error"])
        ordered = columns + [c for c in frame.columns if c not in columns]
        frame = frame[ordered].reset_index(drop=True)
        for name in (*params, "epochs_run", "best_epoch", "pruned_at_epoch"):
            if _integers(row.get(name) for row in rows):  # 20, not 20.0, beside missing rows
                frame[name] = frame[name].astype("Int64")
        return frame

    # --- the best trial --------------------------------------------------------------------

    def completed(self) -> pd.DataFrame:
        """The trials that ended with a score (completed, and pruned ones with their score at
        the epoch they stopped), best first (the leaderboard's order)."""
        return self.leaderboard[self.leaderboard["status"].isin(SCORED)]

    def by_trial(self) -> pd.DataFrame:
        """The leaderboard in trial order (trial 0 first) instead of best first."""
        order = sorted(range(len(self.leaderboard)),
                       key=lambda i: _trial_sort_key(self.leaderboard["trial"].iloc[i]))
        return self.leaderboard.iloc[order].reset_index(drop=True)

    def _best_record(self) -> TrialRecord:
        done = [r for r in self._records if r.scored]
        if not done:
            failures = [r.error for r in self._records if r.error]
            detail = f" Last error: {failures[-1]}." if failures else ""
            raise InputValueError(f"No trial of the search in {self.directory!r} completed, so "
                                  f"it has no best trial.{detail} "
                                  f"Received: {len(self._records)} trial(s), none completed")
        return done[0]  # the records are ranked

    @property
    def best_trial(self) -> str:
        return self._best_record().trial_id

    @property
    def best_score(self) -> float:
        return float(self._best_record().score)

    @property
    def best_params(self) -> dict[str, Any]:
        """The best trial's searched parameters (tuples restored)."""
        params = dict(self._best_record().params or {})
        return {k: keras.tree.lists_to_tuples(v) for k, v in params.items()
                if k in self.spec.get("axes", params)}

    @property
    def best_model_path(self) -> str:
        path = os.path.join(self._folder(self._best_record()), MODEL_FILE)
        if not os.path.exists(path):
            raise InputFileError(
                f"The best trial's model was not kept; run with keep_models='best' or 'all', or "
                f"rebuild it from best_params. Received: no model file at {path}"
            )
        return path

    @property
    def best_model(self):
        """The best trial's trained model, loaded from its ``.keras`` file."""
        import keras_zoo.zoo  # noqa: F401  (registers the zoo's custom layers before loading)

        return keras.saving.load_model(self.best_model_path)

    # --- output ----------------------------------------------------------------------------

    def to_csv(self, path: str | None = None) -> str:
        """Write the leaderboard as CSV (default ``<directory>/leaderboard.csv``); returns the path."""
        path = path or os.path.join(self.directory, "leaderboard.csv")
        self.leaderboard.to_csv(path, index=False)
        return path

    def plot(self, path: str | None = None) -> str:
        """Save a PNG: the objective by trial (with the running best), then the objective against
        each searched parameter. Returns the path (default ``<directory>/search.png``)."""
        import matplotlib

        if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        path = path or os.path.join(self.directory, "search.png")
        frame = self.by_trial()
        params = list(self.spec.get("axes", []))
        n = 1 + len(params)
        cols = min(n, 3)
        rows = math.ceil(n / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.4 * rows), squeeze=False)
        axes = axes.ravel()
        scored = frame["status"].isin(SCORED)
        done = frame[scored]
        order = np.arange(len(frame))
        ax = axes[0]
        ax.scatter(order[scored], done[self.objective], s=18, label="trial")
        pruned = frame["status"] == "pruned"
        if pruned.any():
            ax.scatter(order[pruned], frame[pruned][self.objective], s=18, marker="v",
                       color="orange", label="pruned")
        failed = frame["status"] == "failed"
        if failed.any():
            ax.scatter(order[failed], [np.nanmin(done[self.objective]) if len(done) else 0]
                       * int(failed.sum()), marker="x", color="red", label="failed")
        if len(done):
            best = done[self.objective].cummax() if self.direction == "max" else \
                done[self.objective].cummin()
            ax.step(order[scored], best, where="post", color="black",
                    label="best so far")
        ax.set_xlabel("trial")
        ax.set_ylabel(self.objective)
        ax.set_title("Objective by trial")
        ax.legend(fontsize=7)
        for ax, name in zip(axes[1:], params):
            values = done[name]
            numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
                values)
            if numeric:
                ax.scatter(values, done[self.objective], s=18)
                axis = self.spec.get("axes", {}).get(name)
                if isinstance(axis, dict) and axis.get("sampling") == "log" or len(values) and values.min() > 0 and values.max() / values.min() >= 100:
                    ax.set_xscale("log")
            else:
                labels = [str(v) for v in values]
                cats = list(dict.fromkeys(str(v) for v in frame[name]))
                ax.scatter([cats.index(lbl) for lbl in labels], done[self.objective], s=18)
                ax.set_xticks(range(len(cats)), cats, rotation=20, fontsize=8)
            ax.set_xlabel(name)
            ax.set_ylabel(self.objective)
        for ax in axes[n:]:
            ax.axis("off")
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path

    def summary(self) -> str:
        """Two lines: trial counts by status, and the best trial."""
        counts = self.leaderboard["status"].value_counts().to_dict()
        lines = [f"Search in {self.directory}: {len(self.leaderboard)} trials "
                 f"({', '.join(f'{v} {k}' for k, v in counts.items())}); objective "
                 f"{self.objective} ({self.direction})"]
        if counts.get("completed") or counts.get("pruned"):
            lines.append(f"best: trial {self.best_trial}  {self.objective}={format_number(self.best_score)}  "
                         f"{self.best_params}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"SearchResult(directory={self.directory!r}, trials={len(self.leaderboard)}, "
                f"objective={self.objective!r})")
