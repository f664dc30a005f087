"""One trial: build the factory's model with the trial's values, train it, score it.

The same factory builds for ``create_model`` and for a trial (one code path): a trial calls
``factory(**data_kwargs, **fixed, **trial_values)`` and trains with ``keras_zoo.zoo.fit``.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import logging
import math
import os
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import keras
import numpy as np

from keras_zoo.base.errors import InputValueError
from keras_zoo.datasets.core import Dataset
from keras_zoo.tuning.errors import NotTheTrialsFault, TrialFailed
from keras_zoo.tuning.ranking import Ranking
from keras_zoo.tuning.schema import MODEL_FILE, RESULT_FILE, TrialRecord, write_record
from keras_zoo.tuning.space import FIT_KEYS, Space, jsonable
from keras_zoo.zoo import training

log = logging.getLogger(__name__)

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def disk_full(err: BaseException | None) -> bool:
    """Whether ``err``, or an exception it was raised from, is a full disk (``ENOSPC``) or an
    exceeded quota (``EDQUOT``): a trial that meets one is not recorded as failed."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, OSError) and err.errno in DISK_FULL:
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def fingerprint(data: Dataset) -> str:
    """A short hash of the splits' shapes and first rows: another dataset under the same name
    is another search (``search.json`` records it), and a worker on another machine checks the
    dataset it received against it."""
    digest = hashlib.sha256()
    for array in (data.x_train, data.y_train, data.x_val, data.y_val):
        arr = np.asarray(array)
        digest.update(str(arr.shape).encode())
        digest.update(np.ascontiguousarray(arr[:256]).tobytes() if arr.dtype.kind != "O"
                      else repr(arr[:256].tolist()).encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Continuation:
    """How a trial of Hyperband's brackets trains: for ``epochs`` (``tuner/epochs -
    tuner/initial_epoch``) instead of its own, from the weights of the trial it continues.

    Attributes:
        epochs: The epochs to train, or ``None``: the trial's own.
        initial_weights: The weights file (weights and optimizer state) of the trial it
            continues, or ``None``: it starts from scratch.
        save_weights_to: Where its own weights go, for the trials that continue it (``None``:
            not saved).
    """

    epochs: int | None = None
    initial_weights: str | None = None
    save_weights_to: str | None = None


class _Execution(NamedTuple):
    """One training of a trial's configuration, scored."""

    score: float
    best_epoch: int  # 0-based
    metrics: dict[str, float]  # every logged metric at the best epoch
    epochs: int  # epochs trained
    model: keras.Model
    curve: list[float]  # the objective by epoch
    diagnostics: dict[str, Any] | None  # the Monitor's scores (None without diagnostics)


def class_weight_for(value: Any, data: Dataset, where: str = "class_weight") -> Any:
    """A search's ``class_weight`` as ``kz.zoo.fit`` takes it: ``None``, ``"balanced"``, or a
    dict keyed by class ids. An integer key is a class id, as in ``kz.zoo.fit``; a text key is
    a class name of the data, or, when it is no name, an id written as text (as YAML and
    ``--set`` give them).

    Raises:
        InputValueError: Another value, a key that is no class, two keys for one class, a
            negative weight, or class weights on data that has no classes (regression,
            multilabel).
    """
    if value is None:
        return None
    if data.task not in ("binary", "multiclass"):
        raise InputValueError(f"{where} applies to single-label classification; {data.name!r} is "
                              f"task={data.task!r}. Received: {where}={value!r}")
    if isinstance(value, str) and value == "balanced":
        return value
    if not isinstance(value, Mapping) or not value:
        raise InputValueError(f"{where} must be 'balanced', a dict {{class: weight}} or None. "
                              f"Received: {where}={value!r}")
    names, count = list(data.class_names or []), int(data.num_classes or 0)
    ids: dict[int, float] = {}
    for key, weight in value.items():
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            cid = int(key) if 0 <= int(key) < count else None
        elif isinstance(key, str):
            cid = names.index(key) if key in names else (
                int(key) if key.isdigit() and int(key) < count else None)
        else:
            cid = None
        if cid is None:
            raise InputValueError(f"{where}: {key!r} is not a class of {data.name!r} (ids 0.."
                                  f"{count - 1}, names {names}). Received: {where}={value!r}")
        if cid in ids:
            raise InputValueError(f"{where}: two keys name class {cid} ({names[cid]!r}). "
                                  f"Received: {where}={value!r}")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
            raise InputValueError(f"{where}: weights are numbers >= 0. Received: {where}[{key!r}]"
                                  f"={weight!r}")
        ids[cid] = float(weight)
    return ids


def class_weight_by_name(value: Any, data: Dataset) -> Any:
    """A checked ``class_weight`` written with the data's class names as keys (text keys: JSON,
    the search's record and a served search's wire take them; a name never reads as an id)."""
    ids = class_weight_for(value, data)
    if not isinstance(ids, dict):
        return ids
    names = list(data.class_names or [])
    return {names[i] if i < len(names) else str(i): w for i, w in ids.items()}


@dataclass
class TrialJob:
    """Everything a trial needs; picklable, so worker processes can rebuild it.

    Attributes:
        model_name: The registered name (or import path) of the factory, for display.
        factory: The model factory.
        space: The parsed search space.
        fixed: Factory keywords held fixed (data-implied ones included).
        data: The Dataset (trials train on ``train`` and are scored on ``val``).
        objective: Metric name, e.g. ``val_accuracy``.
        direction: ``"max"`` or ``"min"``.
        epochs, batch_size, patience: Training defaults (the space may override each one).
        early_stopping: Stop on the objective, restoring the best epoch's weights.
        executions_per_trial: Trainings per configuration (scores are averaged).
        seed: Seeds every trial the same way, so configurations are compared on equal terms.
        keep_models: ``"best"`` (keep the model of a trial only while it is the best so far),
            ``"all"`` or ``"none"``.
        search_id: The search's identity digest
            (:func:`~keras_zoo.tuning.directory.identity_digest`), recorded in each result.
        pruner: The search's pruner name (``"median"``, ``"asha"``) or ``None``: with one, a
            trial reports its objective to the oracle after every epoch of its first execution
            and stops when the oracle answers so (see :mod:`~keras_zoo.tuning.oracles.pruning`).
        diagnostics: Train every execution with a ``kz.diagnostics.Monitor(every="end")`` and
            record the best execution's ``Diagnosis.scores()`` under ``"diagnostics"`` in the
            ``result.json`` of a completed trial.
        tensorboard: Write each execution's TensorBoard run with the trial's hyperparameters
            (see :mod:`~keras_zoo.tuning.trial.tensorboard`).
        tie_breaker: ``(metric, "max"|"min")`` deciding between equal objectives (the best
            epoch of a trial, the best trial, the model kept), or ``None``
            (see :mod:`~keras_zoo.tuning.ranking`).
    """

    model_name: str
    factory: Callable[..., Any]
    space: Space
    fixed: dict[str, Any]
    data: Dataset
    objective: str
    direction: str
    epochs: int = 20
    batch_size: int | None = None
    patience: int = 10
    early_stopping: bool = True
    executions_per_trial: int = 1
    seed: int | None = 0
    keep_models: str = "best"
    search_id: str | None = None
    pruner: str | None = None
    diagnostics: bool = False
    tensorboard: bool = False
    tie_breaker: tuple[str, str] | None = None

    # --- building -------------------------------------------------------------------------

    def factory_kwargs(self, params: Mapping[str, Any], seed: int | None) -> dict[str, Any]:
        kwargs = {k: v for k, v in {**self.fixed, **params}.items() if k not in FIT_KEYS}
        if "seed" in _parameters(self.factory) and "seed" not in kwargs:
            kwargs["seed"] = seed
        return kwargs

    def build(self, params: Mapping[str, Any], seed: int | None = None) -> keras.Model:
        return self.factory(**self.factory_kwargs(params, seed))

    def _model(self, params: Mapping[str, Any], seed: int | None) -> keras.Model:
        """The trial's model: the one an earlier trial of the same structure built (restored
        as built, see :mod:`~keras_zoo.tuning.trial.reuse`), or a new one."""
        from keras_zoo.tuning.trial import reuse

        kwargs = self.factory_kwargs(params, seed)

        return reuse.model_for(self.factory, kwargs, lambda: self.factory(**kwargs))

    @property
    def ranking(self) -> Ranking:
        """How this search's trials (and a trial's epochs) compare."""
        return Ranking(self.direction, self.tie_breaker)

    def better(self, a: float | None, b: float | None) -> bool:
        """Whether score ``a`` beats ``b`` on the objective alone (``None`` loses)."""
        return Ranking(self.direction).better((a, None), None if b is None else (b, None))

    # --- running --------------------------------------------------------------------------

    def run(self, trial_id: str, values: Mapping[str, Any], trial_dir: str, *, device: str,
            worker: str = "tuner0",
            scope: Callable[[], Any], best_so_far: Callable[[], float | None],
            on_saved: Callable[[str, TrialRecord], bool] | None = None,
            continuation: Continuation | None = None,
            report: Callable[[int, Mapping[str, Any]], bool] | None = None) -> TrialRecord:
        """Train and score one configuration; writes ``result.json`` (and the model) atomically.

        ``report(epoch, logs)`` (0-based epoch), when given, is called after every epoch of the
        first execution; ``True`` stops the trial there: it is recorded as ``"pruned"`` (its
        ``pruned_at_epoch``, 1-based, and its score at that epoch, scored as a completed trial
        is: with early stopping the best epoch so far, whose weights are restored), and no
        further execution runs. A pruned trial's model is kept by the same ``keep_models`` rule
        as a completed one's. ``continuation``: how a Hyperband trial trains (``None``: as its
        configuration says).

        Returns the result record. Raises :class:`TrialFailed` (after recording the failure)
        when the trial cannot produce a score; an ``OSError`` of a full disk (:func:`disk_full`)
        propagates unrecorded, so the trial is not done and runs again on resume.
        """
        params = self.space.decode(values)
        start = time.perf_counter()
        record = TrialRecord(trial_id=trial_id, params=jsonable(params), objective=self.objective,
                             direction=self.direction, device=device, worker=worker,
                             status="running", search_id=self.search_id)
        runs = best = model = None
        try:
            board = None
            if self.tensorboard:
                from keras_zoo.tuning.trial.tensorboard import TrialBoard

                board = TrialBoard(trial_dir, trial_id, self.space, values)
            runs, pruned_at = self._executions(params, scope, continuation, report, board)
            ranking = self.ranking
            best = min(runs, key=lambda run: ranking.key(run.score, ranking.tie_value(run.metrics)))
            score = float(np.mean([run.score for run in runs]))
            metrics = {k: float(np.mean([run.metrics[k] for run in runs if k in run.metrics]))
                       for k in runs[0].metrics}
            record.status = "completed" if pruned_at is None else "pruned"
            record.score, record.metrics = score, metrics
            record.epochs, record.best_epoch = int(best.epochs), int(best.best_epoch) + 1
            record.executions = len(runs)
            record.history = {self.objective: runs[0].curve}
            if pruned_at is not None:
                record.pruned_at_epoch = pruned_at
            if self.diagnostics:  # pruned trials too: the leaderboard says why they lost
                record.diagnostics = best.diagnostics
            model = best.model
            runs = best = None
            if continuation is not None and continuation.save_weights_to:
                model.save_weights(continuation.save_weights_to)  # Hyperband continues from these
            record.model_file = self._maybe_save(model, trial_dir, record, best_so_far, on_saved)
        except Exception as err:  # recorded, then reported to Keras Tuner as a failed trial
            if disk_full(err) or isinstance(err, NotTheTrialsFault):
                raise  # not the configuration's fault (a full disk, a lost chief): it reruns
            record.status, record.error = "failed", _short_error(err)
            record.traceback = traceback.format_exc(limit=8)
            if isinstance(err, TrialFailed) and err.diagnostics is not None:  # e.g. non_finite
                record.diagnostics = err.diagnostics
            record.seconds = round(time.perf_counter() - start, 3)
            write_record(os.path.join(trial_dir, RESULT_FILE), record)
            raise TrialFailed(record.error) from err
        finally:
            runs = best = model = None
            _release_memory()
        record.seconds = round(time.perf_counter() - start, 3)
        write_record(os.path.join(trial_dir, RESULT_FILE), record)
        return record

    def _executions(self, params: Mapping[str, Any], scope: Callable[[], Any],
                    continuation: Continuation | None,
                    report: Callable[[int, Mapping[str, Any]], bool] | None,
                    board: Any = None) -> tuple[list[_Execution], int | None]:
        """Train ``executions_per_trial`` times (only once when the first is pruned); returns
        an :class:`_Execution` per execution and the 1-based epoch the trial was pruned at
        (``None``: not pruned). ``board``: the trial's
        :class:`~keras_zoo.tuning.trial.tensorboard.TrialBoard`, or ``None``."""
        runs: list[_Execution] = []
        for execution in range(self.executions_per_trial):
            seed = None if self.seed is None else self.seed + execution
            keras.backend.clear_session(free_memory=False)  # outside a strategy's scope
            reporter = _Report(report) if report is not None and execution == 0 else None
            monitor = _monitor() if self.diagnostics else None
            logs = board.callbacks(execution) if board is not None else []
            score = None
            try:
                with scope():
                    model = self._model(params, seed)
                    history = self._fit(model, params, seed, continuation,
                                        [c for c in (reporter, monitor) if c is not None] + logs)
                try:
                    score, best_epoch, metrics = self._score(history)
                except TrialFailed as err:
                    err.diagnostics = None if monitor is None else _scores(monitor)
                    raise
            finally:  # the execution's HParams session ends, as the trial's record says
                if board is not None:
                    board.end(execution, success=score is not None, score=score)
            curve = [float(v) for v in history.get(self.objective, [])]
            runs.append(_Execution(score, best_epoch, metrics, len(history["loss"]), model, curve,
                                   None if monitor is None else _scores(monitor)))
            monitor = None
            if reporter is not None and reporter.stopped_at is not None:
                return runs, reporter.stopped_at
        return runs, None

    def _fit(self, model: keras.Model, params: Mapping[str, Any], seed: int | None,
             continuation: Continuation | None,
             callbacks: list[keras.callbacks.Callback] | None = None) -> dict[str, list[float]]:
        epochs = int(params.get("epochs", self.epochs))
        patience = params.get("patience", self.patience)
        go_on = continuation or Continuation()
        if go_on.initial_weights:  # Hyperband continues a trial: weights and optimizer state
            if model.optimizer is not None and not model.optimizer.built:
                model.optimizer.build(model.trainable_variables)
            model.load_weights(go_on.initial_weights)
        if go_on.epochs is not None:
            epochs = int(go_on.epochs)
        early = ({"monitor": self.objective, "mode": self.direction, "patience": int(patience),
                  "restore_best_weights": True, "tie_breaker": self.tie_breaker}
                 if self.early_stopping else False)
        data = self.data
        history = training.fit(
            model, data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
            epochs=epochs, batch_size=params.get("batch_size", self.batch_size),
            early_stopping=early, monitor=self.objective, seed=seed, verbose=0,
            class_weight=class_weight_for(params.get("class_weight", self.fixed.get(
                "class_weight")), data),
            callbacks=[training.StopOnInvalidLoss(),  # silent: _score reports it
                       *(callbacks or [])],
        )
        return history.history

    def _score(self, history: Mapping[str, list[float]]) -> tuple[float, int, dict[str, float]]:
        losses = np.asarray(history.get("loss", []), dtype=float)
        if losses.size and not np.all(np.isfinite(losses)):
            bad = int(np.argmax(~np.isfinite(losses))) + 1
            raise TrialFailed(f"the loss became NaN/inf at epoch {bad} (learning rate too high, "
                              "or data with extreme values?)")
        if self.objective not in history:
            raise TrialFailed(f"objective {self.objective!r} is not among the logged metrics: "
                              f"{', '.join(sorted(history))}")
        values = np.asarray(history[self.objective], dtype=float)
        if self.early_stopping:  # the restored weights are the best epoch's (tie-breaker too)
            best = self.ranking.best_epoch(history, self.objective)
        else:
            best = len(values) - 1
        metrics = {k: float(v[best]) for k, v in history.items() if len(v) > best}
        return float(values[best]), best, metrics

    def _maybe_save(self, model: keras.Model, trial_dir: str, record: TrialRecord,
                    best_so_far: Callable[[], float | None],
                    on_saved: Callable[[str, TrialRecord], bool] | None) -> str | None:
        """Save the model unless ``keep_models`` says otherwise: with ``"best"``, a trial
        whose score is worse than the best so far is not saved, and one that equals it is, so
        that ``on_saved`` (which keeps the best-ranked model, tie-breaker included) can choose;
        ``on_saved`` returns whether this model stays."""
        score = record.score
        if self.keep_models == "none":
            return None
        if self.keep_models == "best" and self.better(best_so_far(), score):
            return None
        path = os.path.join(trial_dir, MODEL_FILE)
        tmp = os.path.join(trial_dir, ".tmp-" + MODEL_FILE)
        model.save(tmp)
        os.replace(tmp, path)
        if on_saved is not None and on_saved(path, record) is False:
            return None
        return MODEL_FILE


class _Report(keras.callbacks.Callback):
    """Calls ``report(epoch, logs)`` after each epoch; ``True`` stops training there.

    Attributes:
        stopped_at: The 1-based epoch training was stopped at, or ``None``.
    """

    def __init__(self, report: Callable[[int, Mapping[str, Any]], bool]):
        super().__init__()
        self.report = report
        self.stopped_at: int | None = None

    def on_epoch_end(self, epoch, logs=None):
        stop = self.report(epoch, dict(logs or {}))
        last = epoch + 1 >= (self.params or {}).get("epochs", float("inf"))
        if stop and not last and not self.model.stop_training:  # not when it ends anyway
            self.stopped_at = epoch + 1
            self.model.stop_training = True


def _monitor() -> keras.callbacks.Callback:
    """The callback a trial of a search with ``diagnostics=True`` trains with: it records once,
    on the trained model, at the end of training."""
    from keras_zoo.diagnostics import Monitor

    return Monitor(every="end")


def _scores(monitor: Any) -> dict[str, Any] | None:
    """The Monitor's ``Diagnosis.scores()``, NaN and infinities as ``None`` (valid JSON); ``None`` when it
    could not report (a diagnostics problem does not fail the trial: it is logged)."""
    try:
        scores = monitor.report().scores()
    except Exception as err:  # noqa: BLE001 - the trial's own result stands without it
        log.warning("diagnostics of this trial failed: %s: %s", type(err).__name__, err)
        return None
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v
            for k, v in scores.items()}


_TRIALS_SINCE_FULL_GC = [0]
FULL_GC_EVERY = 10


def _release_memory() -> None:
    """Free a trial's graph state without a full garbage collection every time.

    Keras' ``clear_session()`` runs ``gc.collect()`` by default, which costs ~0.3 s with
    TensorFlow loaded; Keras Tuner does it before every trial, and the issue measured it as most
    of its 1.8x overhead over a plain loop. Here the session is cleared cheaply and the young
    generations collected after every trial, with a full collection every ``FULL_GC_EVERY``
    trials, so memory stays flat (``benchmarks/bench_tuning.py`` measures it) at a fraction of
    the cost.
    """
    keras.backend.clear_session(free_memory=False)
    _TRIALS_SINCE_FULL_GC[0] += 1
    if _TRIALS_SINCE_FULL_GC[0] >= FULL_GC_EVERY:
        gc.collect()
        _TRIALS_SINCE_FULL_GC[0] = 0
    else:
        gc.collect(1)


def _parameters(fn: Callable[..., Any]) -> set[str]:
    import inspect

    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return set()


def _short_error(err: BaseException) -> str:
    """One line: the error's type and message (our own TrialFailed: the message alone)."""
    text = (str(err) if isinstance(err, TrialFailed) else f"{type(err).__name__}: {err}").strip()
    return text if len(text) <= 2000 else text[:2000] + " ..."
