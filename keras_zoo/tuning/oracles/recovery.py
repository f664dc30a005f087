"""Resuming from what the trial folders hold: each trial's ``result.json`` decides what is done.

Keras Tuner keeps its own record of a search (``oracle.json``, each trial's ``trial.json``, a
file per tuner), written at other moments than a trial's ``result.json``: a kill, a full disk or
Keras Tuner's stop after consecutive failures can leave them saying that a trial runs, or
finished, when its result file says otherwise. Here the result files are the single source of
truth, and :class:`~keras_zoo.tuning.oracles.strategies.GridOracle` and the other oracles
reconcile Keras Tuner's state with them on every resume:

* A trial is **done** when its folder holds a valid ``result.json``: status ``"completed"`` (or
  ``"pruned"``: stopped early by the search's pruner) with a finite score, or ``"failed"``, and
  its parameters. A done trial never runs again: not one
  killed after its result was written but before Keras Tuner recorded its end, and not a failed
  one (a failed trial is final), unless the search is run with ``retry_failed=True``, which sets
  the failed results aside (renamed ``result.failed.json``) so that those trials run again.
* Every other started trial runs again, with its own id and configuration: one killed while it
  trained, one whose ``result.json`` is missing or damaged although ``trial.json`` says
  COMPLETED. A trial folder deleted altogether is forgotten: a grid hands its configuration out
  again; random and Bayesian search draw a new one (its values went with the folder).
* A missing or unreadable ``oracle.json`` or ``trial.json`` is rebuilt from the result files for
  grid, random and Bayesian search. Hyperband's brackets (which trial continues which) are kept
  in ``oracle.json`` only: there a damaged state file raises
  :class:`~keras_zoo.base.errors.InputValueError` naming it.
* A missing or damaged ``search.json`` is rebuilt from the settings of the search being run when
  the result files agree with them (objective, direction, the searched parameters and their
  values); otherwise :class:`~keras_zoo.base.errors.InputValueError` names it. Advice never
  includes deleting completed trials.

:func:`reload_oracle` applies this to Keras Tuner's oracle (it replaces ``Oracle.reload``). The
oracle's bookkeeping it rebuilds (start and end orders, the retry queue, the tried values, the
seed, Hyperband's brackets, ``oracle.json``'s format) is Keras Tuner's internals, reached through
:mod:`~keras_zoo.tuning.oracles.kt_adapter`; trials are read with Keras Tuner's
``Trial.from_state``.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
from dataclasses import dataclass
from typing import Any

from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning.oracles import kt_adapter
from keras_zoo.tuning.schema import RESULT_FILE, TrialRecord, read_record, read_state
from keras_zoo.tuning.space import Space, jsonable

log = logging.getLogger(__name__)

TRIAL_STATE = "trial.json"
ORACLE_STATE = "oracle.json"
SET_ASIDE = "result.failed.json"
"""Where ``retry_failed=True`` moves a failed trial's result, so that the trial runs again."""


@dataclass
class TrialFolder:
    """What one ``trials/trial_<id>`` folder holds.

    Attributes:
        trial_id: The id (the folder name after ``trial_``).
        path: The folder.
        state: Keras Tuner's ``trial.json``, or ``None`` when missing or unreadable.
        state_problem: Why ``trial.json`` cannot be used (``None`` when it can).
        result: The valid final ``result.json`` (see
            :meth:`~keras_zoo.tuning.schema.TrialRecord.is_final`), else ``None``.
        params: The trial's parameters as a result file recorded them (``result.json``, even
            one that is not final, or a result set aside by ``retry_failed``), else ``None``.
    """

    trial_id: str
    path: str
    state: dict[str, Any] | None
    state_problem: str | None
    result: TrialRecord | None
    params: dict[str, Any] | None

    @property
    def done(self) -> bool:
        return self.result is not None


def scan_trials(project_dir: str) -> dict[str, TrialFolder]:
    """Trial id -> :class:`TrialFolder` for every ``trial_*`` folder under ``project_dir``."""
    folders: dict[str, TrialFolder] = {}
    names = sorted(os.listdir(project_dir)) if os.path.isdir(project_dir) else []
    for name in names:
        path = os.path.join(project_dir, name)
        if not name.startswith("trial_") or not os.path.isdir(path):
            continue
        state, problem = read_state(os.path.join(path, TRIAL_STATE))
        if state is None and problem is None:
            problem = "is missing"
        result = read_record(os.path.join(path, RESULT_FILE))
        aside = read_record(os.path.join(path, SET_ASIDE))
        params = next((r.params for r in (result, aside)
                       if r is not None and isinstance(r.params, dict)), None)
        folders[name[len("trial_"):]] = TrialFolder(
            name[len("trial_"):], path, state, problem,
            result if result is not None and result.is_final() else None, params)
    return folders


def encode_values(space: Space, params: dict[str, Any]) -> dict[str, Any] | None:
    """The Keras Tuner values of a configuration a result file recorded (the inverse of
    :meth:`Space.decode`), or ``None`` when the parameters are not a configuration of
    ``space``."""
    values: dict[str, Any] = {}
    for name, axis in space.axes.items():
        if name not in params:
            return None
        value = params[name]
        if axis.kind == "choice":
            labels = [label for v, label in zip(axis.values, axis.labels)
                      if jsonable(v) == value]
            if not labels:
                return None
            values[name] = labels[0]
        elif (isinstance(value, (int, float)) and not isinstance(value, bool)
              and axis.low <= value <= axis.high):
            values[name] = int(value) if axis.integer else float(value)
        else:
            return None
    return values


def set_aside_failed(project_dir: str) -> list[str]:
    """``retry_failed=True``: rename the result of every failed trial to
    ``result.failed.json``, so those trials are not done and run again. Returns their ids."""
    ids = []
    for trial_id, folder in scan_trials(project_dir).items():
        if folder.result is not None and folder.result.status == "failed":
            os.replace(os.path.join(folder.path, RESULT_FILE),
                       os.path.join(folder.path, SET_ASIDE))
            ids.append(trial_id)
    if ids:
        log.info("Running %d failed trial(s) again: %s", len(ids), ", ".join(ids))
    return ids


# === What a run did ===

def result_times(project_dir: str) -> dict[str, int]:
    """Trial id -> the modification time (ns) of its ``result.json``, for the trials that have
    one: taken before a run, it tells the results that run wrote (:func:`failures_in_a_row`)."""
    times = {}
    for trial_id, folder in scan_trials(project_dir).items():
        path = os.path.join(folder.path, RESULT_FILE)
        if os.path.exists(path):
            times[trial_id] = os.stat(path).st_mtime_ns
    return times


def failures_in_a_row(project_dir: str, before: dict[str, int]) -> list[TrialRecord]:
    """The failed trials that ended the run, oldest first: the results written since ``before``
    (:func:`result_times`), in the order they were written, after the last completed one.

    Failures recorded by earlier runs are not counted, so a rerun of a search that stopped after
    too many failures in a row goes on with the configurations not yet tried.
    """
    written = []
    for trial_id, folder in scan_trials(project_dir).items():
        path = os.path.join(folder.path, RESULT_FILE)
        if folder.result is None:
            continue
        mtime = os.stat(path).st_mtime_ns
        if before.get(trial_id) != mtime:
            written.append((mtime, trial_id, folder.result))
    written.sort(key=lambda item: item[:2])
    tail: list[TrialRecord] = []
    for _, trial_id, record in written:
        tail = [*tail, record.replaced(trial_id=trial_id)] if record.status == "failed" else []
    return tail


def completed_count(project_dir: str) -> int:
    """The number of trials with a completed (or pruned) result."""
    return sum(folder.result is not None and folder.result.scored
               for folder in scan_trials(project_dir).values())


# === search.json ===

def _mismatch(record: TrialRecord, spec: dict[str, Any]) -> str | None:
    """How a result record is not of the search ``spec`` describes (``None``: it is)."""
    written_by = record.search_id
    if written_by and spec.get("search_id") and written_by != spec["search_id"]:
        return ("written by a search with other settings (model, dataset, epochs, batch size, "
                "seed, fixed arguments ...)")
    for key in ("objective", "direction"):
        if record.has(key) and getattr(record, key) != spec.get(key):
            return f"{key} {getattr(record, key)!r}, not {spec.get(key)!r}"
    axes = spec.get("axes") or {}
    params = record.params or {}
    if set(params) != set(axes):
        return f"parameters {sorted(params)}, not {sorted(axes)}"
    for name, axis in axes.items():
        value = params[name]
        if isinstance(axis, list) and value not in axis:
            return f"{name}={value!r}, not one of {axis}"
        if isinstance(axis, dict) and not (
                isinstance(value, (int, float)) and axis["min"] <= value <= axis["max"]):
            return f"{name}={value!r}, outside {axis['min']}..{axis['max']}"
    return None


def check_spec_rebuild(spec_path: str, problem: str | None, spec: dict[str, Any],
                       project_dir: str) -> None:
    """Allow rebuilding a missing or damaged ``search.json`` from ``spec`` (the search being
    run) when no trial file contradicts it: every readable result is of this search (objective,
    direction, the searched parameters and their values) and every readable ``trial.json``
    searched the same parameters.

    Raises:
        InputValueError: A trial file belongs to another search (the message names the
            damaged file and the trial; it never advises deleting completed trials).
    """
    what = f"{spec_path!r} {problem}" if problem else f"{spec_path!r} is missing"
    axes = set(spec.get("axes") or {})
    agree = 0
    for trial_id, folder in scan_trials(project_dir).items():
        record = read_record(os.path.join(folder.path, RESULT_FILE))
        mismatch = (_mismatch(record, spec) if record is not None and record.has("params")
                    else None)
        if mismatch is None and folder.state is not None:
            values = ((folder.state.get("hyperparameters") or {}).get("values") or {})
            names = {k for k in values if not k.startswith("tuner/")}
            if names and names != axes:
                mismatch = f"parameters {sorted(names)}, not {sorted(axes)}"
        if mismatch is not None:
            raise InputValueError(
                f"{what}, and the trials in {project_dir!r} are not of this search (trial "
                f"{trial_id}: {mismatch}), so it cannot be rebuilt from this search's settings. "
                "Run the search those trials belong to again (it rebuilds the file), or choose "
                f"another directory for this one. Received: {what}")
        agree += folder.result is not None
    log.warning("%s; rebuilt from this search's settings (%d trial result(s) agree with them).",
                what, agree)


def damaged_state_error(path: str, problem: str | None, why: str, directory: str
                        ) -> InputValueError:
    """The error for a Keras Tuner state file that cannot be rebuilt (``why``), naming it."""
    what = f"{path!r} {problem}" if problem else f"{path!r} is missing"
    return InputValueError(
        f"{what}, and it cannot be rebuilt from the trial results: {why}. Restore the file "
        "(from a backup or an earlier copy of the directory) and run the same search again, or "
        f"run the search in a new directory; the results of the trials in {directory!r} stay "
        "readable with keras_zoo.tuning.SearchResult.load. "
        f"Received: {what}")


# === Keras Tuner's oracle, reconciled with the result files ===

def reload_oracle(oracle: Any, space: Space | None, *,
                  kept_only_in_state: str | None = None) -> None:
    """Keras Tuner's ``Oracle.reload``, reconciled with the result files (module docstring).

    Every folder's ``trial.json`` is read (a trial missing one, or with an unreadable one, is
    rebuilt from its result's parameters and ``space``), then ``oracle.json`` (rebuilt when
    missing or unreadable, unless ``kept_only_in_state`` names what only it holds, as
    Hyperband's brackets). Done trials are recorded as ended, every other
    started trial is queued to run again, half-started ones (killed between writing
    ``trial.json`` and ``oracle.json``) and folders nothing can be read from are dropped, and
    the reconciled state is written back, so damaged files are replaced.

    Raises:
        InputValueError: An ``oracle.json`` that holds ``kept_only_in_state`` (Hyperband's),
            or the ``trial.json`` of a trial Hyperband's brackets refer to, is missing or
            damaged; or a valid result holds parameters that
            are not a configuration of this search. The message names the file.
    """
    exact = kept_only_in_state is not None  # trials only from their own trial.json
    project_dir = kt_adapter.project_dir(oracle)
    folders = scan_trials(project_dir)
    oracle.trials = {}
    for trial_id, folder in folders.items():
        trial = _trial(oracle, folder, space)
        if trial is not None and (folder.state is not None or not exact):
            oracle.trials[trial_id] = trial
        elif folder.done and not exact:
            path = os.path.join(folder.path, RESULT_FILE)
            raise InputValueError(
                f"{path!r} holds the result of a configuration that is not of this search "
                f"({folder.params}), and its trial.json {folder.state_problem}. Run the search "
                "it belongs to, or choose another directory for this one. "
                f"Received: {folder.params}")
    state = _load_state(oracle, os.path.dirname(project_dir), kept_only_in_state)
    _check_brackets(oracle, folders, project_dir)
    _reconcile(oracle, folders, state)


def _trial(oracle: Any, folder: TrialFolder, space: Space | None) -> Any:
    """Keras Tuner's trial for a folder: from ``trial.json``, else rebuilt from the parameters
    its result recorded; ``None`` when neither can be read."""
    from keras_tuner.engine.trial import Trial, TrialStatus

    if folder.state is not None:
        try:
            trial = Trial.from_state(folder.state)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            # valid JSON that is not a Keras Tuner trial: as unreadable
            folder.state, folder.state_problem = None, (
                f"does not hold a Keras Tuner trial ({type(err).__name__}: {err})")
        else:
            trial.trial_id = folder.trial_id
            return trial
    values = encode_values(space, folder.params) if space is not None and folder.params else None
    if values is None:
        return None
    hyperparameters = oracle.hyperparameters.copy()
    hyperparameters.values = values
    return Trial(hyperparameters=hyperparameters, trial_id=folder.trial_id,
                 status=TrialStatus.RUNNING)


def _load_state(oracle: Any, directory: str,
                kept_only_in_state: str | None) -> dict[str, Any] | None:
    """Apply ``oracle.json``; ``None`` when it is missing or unreadable (then rebuilt)."""
    path = kt_adapter.oracle_file(oracle)
    state, problem = read_state(path)
    if state is not None:
        try:
            kt_adapter.apply_state(oracle, state)  # none running: every unfinished trial reruns
            return state
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            problem = f"does not hold a Keras Tuner oracle state ({type(err).__name__}: {err})"
    if kept_only_in_state is not None:
        raise damaged_state_error(path, problem, f"{kept_only_in_state} are kept in that file "
                                  "only", directory)
    if problem is not None or oracle.trials:
        log.warning("%r %s; rebuilt from the trial results.", path, problem or "is missing")
    # Random and Bayesian search draw on past the values the recorded trials used.
    kt_adapter.advance_seed(oracle, len(oracle.hyperparameters.space) * len(oracle.trials))
    return None


def _check_brackets(oracle: Any, folders: dict[str, TrialFolder], project_dir: str) -> None:
    """Hyperband: every trial its brackets refer to must have a readable ``trial.json``."""
    from keras_tuner.oracles import HyperbandOracle

    if not isinstance(oracle, HyperbandOracle):
        return
    referenced = kt_adapter.hyperband_references(oracle)
    for trial_id in sorted(referenced - set(oracle.trials), key=_id_key):
        folder = folders.get(trial_id)
        path = os.path.join(project_dir, f"trial_{trial_id}", TRIAL_STATE)
        problem = folder.state_problem if folder else "is missing (its folder is gone)"
        raise damaged_state_error(path, problem, "Hyperband's brackets refer to this trial and "
                                  "need its Keras Tuner values", os.path.dirname(project_dir))


def _id_key(trial_id: str) -> tuple[float, str]:
    return (int(trial_id), trial_id) if trial_id.isdigit() else (math.inf, trial_id)


def _reconcile(oracle: Any, folders: dict[str, TrialFolder], state: dict[str, Any] | None
               ) -> None:
    trials = oracle.trials
    done = {t for t in trials if folders[t].done}
    order, ended = (kt_adapter.state_orders(state) if state is not None
                    else (sorted(trials, key=_id_key), []))
    started = [t for t in dict.fromkeys(order) if t in trials]  # a deleted folder is forgotten
    for trial_id in sorted(set(trials) - set(started), key=_id_key):
        if trial_id in done:  # its result was written: done, whatever Keras Tuner recorded
            started.append(trial_id)
        else:  # half-started: written as a new trial, killed before the oracle recorded it
            del trials[trial_id]
    for trial_id, folder in folders.items():
        if trial_id not in trials and not folder.done:  # nothing in it can be used
            shutil.rmtree(folder.path, ignore_errors=True)
    rerun = [t for t in started if t not in done]
    for trial_id in done:
        mark_done(oracle, trials[trial_id], folders[trial_id].result)
    for trial_id in rerun:
        _mark_pending(trials[trial_id])
    kt_adapter.reset_bookkeeping(oracle, started=started, rerun=rerun, ended=list(dict.fromkeys(
        [t for t in ended if t in done] + sorted(done, key=_id_key))))
    # not counted by the consecutive-failure stop (tuner.py's check_consecutive_failures)
    oracle.zoo_ended_before = set(kt_adapter.end_order(oracle))
    for trial in trials.values():
        kt_adapter.save_trial(oracle, trial)
    oracle.save()
    if rerun:
        log.info("Trials run again (no valid result): %s", ", ".join(rerun))


def mark_done(oracle: Any, trial: Any, record: TrialRecord) -> None:
    """Record a done trial (its final ``record``) in Keras Tuner's ``trial``: completed with its
    score and objective curve, or failed with its error."""
    from keras_tuner.engine.trial import TrialStatus

    trial.metrics = type(trial.metrics)()
    if record.scored:
        name = oracle.objective.name
        trial.metrics.register(name, direction=oracle.objective.direction)
        curve = (record.history or {}).get(name)
        if isinstance(curve, list) and curve:  # the objective by epoch, which pruners compare
            for step, value in enumerate(curve):
                trial.metrics.update(name, float(value), step=step)
        else:
            trial.metrics.update(name, float(record.score), step=0)
        trial.status, trial.score, trial.best_step = TrialStatus.COMPLETED, float(
            record.score), 0
    else:
        trial.status, trial.score = TrialStatus.FAILED, None
        trial.message = record.error or trial.message


def _mark_pending(trial: Any) -> None:
    from keras_tuner.engine.trial import TrialStatus

    trial.status, trial.score, trial.best_step, trial.message = TrialStatus.RUNNING, None, 0, None
    trial.metrics = type(trial.metrics)()
