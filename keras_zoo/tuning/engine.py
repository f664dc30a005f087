"""``search()``: grid, random, Bayesian or Hyperband search over any zoo factory."""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import logging
import os
import pickle
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import keras_tuner as kt
import numpy as np

from keras_zoo.base import atomic_write_bytes, atomic_write_json, closest, normalize_name
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.datasets.core import Dataset
from keras_zoo.tuning.devices import Placement, make_placement
from keras_zoo.tuning.results import SPEC_FILE, SearchResult, _read_json
from keras_zoo.tuning.space import FIT_KEYS, Space, _jsonable
from keras_zoo.tuning.trial import RESULT_FILE, TrialJob, infer_direction
from keras_zoo.tuning.tuner import STRATEGIES, ZooTuner, make_oracle
from keras_zoo.zoo import registry, training

log = logging.getLogger(__name__)

PROJECT = "trials"
JOB_FILE = "job.pkl"
_IDENTITY = ("model", "dataset", "data_fingerprint", "strategy", "objective", "direction", "axes",
             "fixed", "epochs", "batch_size", "patience", "early_stopping",
             "executions_per_trial", "seed")


class SearchError(RuntimeError):
    """A search that cannot go on (too many failed trials in a row, a worker crash ...).

    Completed trials stay in the search directory; rerunning the same search resumes it.
    """


# === Resolving the inputs ===

def _resolve_factory(model: str | Callable[..., Any]) -> tuple[str, Callable[..., Any]]:
    if isinstance(model, str):
        info = registry.model_info(model)
        return info.name, info.factory
    if callable(model):
        for name in registry.list_models():
            if registry.model_info(name).factory is model:
                return name, model
        return f"{model.__module__}:{model.__qualname__}", model
    raise InputTypeError(f"`model` must be a registered model name or a factory function. "
                    f"Received: {model!r}")


def _resolve_data(data: Dataset | str, seed: int | None) -> Dataset:
    if isinstance(data, str):
        from keras_zoo.datasets import load

        data = load(data, seed=seed if seed is not None else 0)
    if not isinstance(data, Dataset):
        raise InputTypeError("`data` must be a keras_zoo Dataset or a dataset name (see "
                        f"keras_zoo.datasets.list_datasets()). Received: {type(data).__name__}")
    if len(data.y_val) == 0:
        raise InputValueError(f"The dataset {data.name!r} has no validation split; trials are scored "
                         "on it. Load it with val_size > 0.")
    return data


def _resolve_objective(objective: Any, data: Dataset) -> tuple[str, str]:
    if objective is None:
        if data.task == "seq2seq":  # whole sequences right, not tokens
            return "val_sequence_accuracy", "max"
        return ("val_accuracy", "max") if data.task != "regression" else ("val_loss", "min")
    if isinstance(objective, kt.Objective):
        return objective.name, objective.direction
    if isinstance(objective, (tuple, list)) and len(objective) == 2:
        name, direction = objective
        if direction not in ("max", "min"):
            raise InputValueError(f"The objective's direction must be 'max' or 'min'. "
                             f"Received: {direction!r}")
        return str(name), direction
    if isinstance(objective, str):
        return objective, infer_direction(objective)
    raise InputTypeError("`objective` must be a metric name, (name, 'max'|'min') or a "
                    f"keras_tuner.Objective. Received: {objective!r}")


def _factory_params(factory: Callable[..., Any]) -> tuple[list[str], bool]:
    params = inspect.signature(factory).parameters
    var_kw = any(p.kind == p.VAR_KEYWORD for p in params.values())
    names = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return names, var_kw


def _check_keys(name: str, factory: Callable[..., Any], keys: Sequence[str], where: str) -> None:
    params, var_kw = _factory_params(factory)
    if var_kw:
        return
    accepted = [*params, *FIT_KEYS]
    for key in keys:
        if key not in accepted:
            hint = closest(key, accepted)
            raise InputValueError(
                f"{where}[{key!r}] is neither an argument of {name}() nor a fit keyword "
                f"({', '.join(FIT_KEYS)})." + (f" Did you mean {hint!r}?" if hint else "")
                + f" Accepted: {', '.join(accepted)}."
            )


def _check_fit_values(space: Space, fixed: Mapping[str, Any]) -> None:
    for key in FIT_KEYS:
        values = list(space.axes[key].values) if key in space.axes and \
            space.axes[key].kind == "choice" else ([fixed[key]] if key in fixed else [])
        for value in values:
            ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1
            if not ok and not (key == "batch_size" and value is None):
                raise InputValueError(f"space[{key!r}]: values must be positive integers. "
                                 f"Received: {value!r}")


def _fingerprint(data: Dataset) -> str:
    digest = hashlib.sha256()
    for array in (data.x_train, data.y_train, data.x_val, data.y_val):
        arr = np.asarray(array)
        digest.update(str(arr.shape).encode())
        digest.update(np.ascontiguousarray(arr[:256]).tobytes() if arr.dtype.kind != "O"
                      else repr(arr[:256].tolist()).encode())
    return digest.hexdigest()[:16]


def _preflight(job: TrialJob, name: str) -> None:
    """Fail before the first trial: build the first configuration, then every value of every
    axis once, and check that the objective is a metric the model logs."""
    first = job.space.first()
    keras.backend.clear_session(free_memory=False)
    try:
        model = job.build(first, job.seed)
    except Exception as err:
        fixed = ", ".join(sorted(k for k in job.fixed)) or "none"
        raise InputValueError(
            f"{name}() cannot be built with the first configuration {_jsonable(first)} and the "
            f"fixed arguments ({fixed}): {type(err).__name__}: {err}"
        ) from err
    n = min(2, len(job.data.y_val))
    try:
        training.build_training_state(model, (job.data.x_val[:n], job.data.y_val[:n], None))
    except Exception as err:
        raise InputValueError(f"{name}() builds, but its loss or metrics fail on the validation data: "
                         f"{type(err).__name__}: {err}") from err
    logged = list(model.get_metrics_result())
    names = {*(f"val_{k}" for k in logged), *logged}
    if job.objective not in names:
        hint = closest(job.objective, names)
        raise InputValueError(
            f"objective {job.objective!r} is not a metric this model logs."
            + (f" Did you mean {hint!r}?" if hint else "")
            + f" Available: {', '.join(sorted(names))}."
        )
    for axis in job.space.axes.values():
        if axis.name in FIT_KEYS:
            continue
        values = axis.values[1:] if axis.kind == "choice" else [axis.high]
        for value in values:
            keras.backend.clear_session(free_memory=False)
            try:
                job.build({**first, axis.name: value}, job.seed)
            except Exception as err:
                raise InputValueError(
                    f"space[{axis.name!r}] = {value!r} is rejected by {name}(): "
                    f"{type(err).__name__}: {err}"
                ) from err
    keras.backend.clear_session(free_memory=False)


def _prepare_directory(directory: str, spec: dict[str, Any], *, resume: bool, overwrite: bool
                       ) -> bool:
    """Create, check or clear the directory. Returns whether a previous run is being resumed."""
    existing = _read_json(os.path.join(directory, SPEC_FILE))
    has_content = os.path.isdir(directory) and bool(os.listdir(directory))
    if overwrite and os.path.isdir(directory):
        shutil.rmtree(directory)
        return False
    if not existing:
        if has_content and os.path.isdir(os.path.join(directory, PROJECT)):
            raise InputValueError(f"{directory!r} holds files of an unknown search; pass "
                             "overwrite=True (--overwrite) or choose another directory.")
        return False
    differences = [k for k in _IDENTITY if _jsonable(existing.get(k)) != _jsonable(spec.get(k))]
    if differences:
        detail = "; ".join(f"{k}: {existing.get(k)!r} -> {spec.get(k)!r}" for k in differences)
        raise InputValueError(
            f"{directory!r} holds a different search ({detail}). Pass overwrite=True "
            "(--overwrite) to replace it, or choose another directory."
        )
    if not resume:
        raise InputValueError(f"{directory!r} already holds this search; pass resume=True (--resume) "
                         "to continue it or overwrite=True (--overwrite) to start over.")
    return True


# === Progress ===

class _Progress:
    """Prints one line per finished trial: ``[3/12] trial 2  val_accuracy 0.9649  best 0.9737``."""

    def __init__(self, project_dir: str, total: int | None, objective: str, direction: str,
                 verbose: int, stream=None):
        self.project_dir = project_dir
        self.total = total
        self.objective = objective
        self.direction = direction
        self.verbose = verbose
        self.stream = stream or sys.stderr
        self.seen: set[str] = set()
        self.best: float | None = None
        self.done = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def scan(self, announce: bool = True) -> None:
        with self._lock:
            if not os.path.isdir(self.project_dir):
                return
            for name in sorted(os.listdir(self.project_dir)):
                if name in self.seen:
                    continue
                record = _read_json(os.path.join(self.project_dir, name, RESULT_FILE))
                if not record or record.get("status") == "running":
                    continue
                self.seen.add(name)
                self.done += 1
                score = record.get("score")
                if record.get("status") == "completed" and score is not None and (
                        self.best is None or (score > self.best if self.direction == "max"
                                              else score < self.best)):
                    self.best = score
                if announce and self.verbose:
                    self._line(record)

    def _line(self, record: dict[str, Any]) -> None:
        total = self.total if self.total is not None else "?"
        # [done/total] counts finished trials; the id is the leaderboard's `trial` column and
        # the trials/trial_<id> folder.
        head = f"[{self.done}/{total}] trial {record.get('trial_id', '?')}"
        if record.get("status") == "completed":
            body = f"{self.objective} {record['score']:.4f}  best {self.best:.4f}"
        else:
            body = f"failed: {record.get('error', '')}"[:160]
        params = ", ".join(f"{k}={tuple(v) if isinstance(v, list) else v}"
                           for k, v in (record.get("params") or {}).items())
        self.stream.write(f"{head}  {body}  ({record.get('seconds', 0):.1f}s, "
                          f"{record.get('device', '?')})  {params}\n")
        self.stream.flush()

    def start(self) -> None:
        self.scan(announce=False)  # a resumed search: count what is already there
        if self.verbose and self.done:
            self.stream.write(f"resuming: {self.done} trial(s) already finished\n")

        def loop():
            while not self._stop.wait(0.5):
                self.scan()

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.scan()


# === Running ===

def _run_single(job: TrialJob, oracle: kt.Oracle, directory: str, placement: Placement) -> None:
    tuner = ZooTuner(oracle, job, directory=directory, project_name=PROJECT,
                     device=placement.device_for(0), scope=lambda: placement.scope(0))
    tuner.search(verbose=0)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SearchError(f"The Keras Tuner chief did not start listening on port {port}.")


@contextlib.contextmanager
def _environ(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run_parallel(job: TrialJob, make: Callable[[], kt.Oracle], directory: str,
                  placement: Placement, n_workers: int) -> None:
    """Keras Tuner's chief/worker mode: this process serves the oracle (a thread) and is worker 0;
    workers 1..n-1 are subprocesses, each pinned to its device."""
    try:
        pickled = pickle.dumps(job)
    except Exception as err:
        raise InputValueError(
            "Parallel workers rebuild the search in new processes, so the factory and data must "
            f"be picklable (a module-level function, not a lambda): {err}"
        ) from err
    atomic_write_bytes(os.path.join(directory, JOB_FILE), pickled)
    port = _free_port()
    logs_dir = os.path.join(directory, "workers")
    os.makedirs(logs_dir, exist_ok=True)
    for name in os.listdir(logs_dir):  # readiness marks of an earlier run
        if name.endswith(".ready"):
            os.remove(os.path.join(logs_dir, name))
    threads = str(max(1, (os.cpu_count() or 1) // n_workers))
    procs: list[tuple[str, subprocess.Popen]] = []
    released: set[str] = set()
    chief_env = {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": str(port)}
    with _environ(**chief_env, KERASTUNER_TUNER_ID="chief"):
        chief = ZooTuner(make(), job, directory=directory, project_name=PROJECT, device="chief",
                         scope=contextlib.nullcontext)
        oracle = chief.oracle
        chief_thread = threading.Thread(target=chief.search, kwargs={"verbose": 0}, daemon=True,
                                        name="keras-zoo-chief")
        chief_thread.start()
        _wait_for_port(port)
    try:
        for index in range(1, n_workers):
            tuner_id = f"worker{index}"
            device = placement.device_for(index)
            env = {**os.environ, **chief_env, "KERASTUNER_TUNER_ID": tuner_id,
                   "KERAS_ZOO_WORKER_DEVICE": device, "KERAS_ZOO_WORKER_THREADS": threads,
                   "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
            if device.startswith("/GPU:"):
                env["CUDA_VISIBLE_DEVICES"] = device.split(":")[1]
            log_file = open(os.path.join(logs_dir, f"{tuner_id}.log"), "wb")  # noqa: SIM115
            procs.append((tuner_id, subprocess.Popen(
                [sys.executable, "-m", "keras_zoo.tuning.worker", directory],
                env=env, stdout=log_file, stderr=subprocess.STDOUT)))
            log_file.close()

        _wait_until_ready(procs, logs_dir)

        def release_dead() -> None:
            for tuner_id, proc in procs:
                if proc.poll() is not None and tuner_id not in released:
                    released.add(tuner_id)
                    trial_id = oracle.release_worker(tuner_id)
                    if proc.returncode != 0:
                        log.warning("Worker %s exited with status %s (log: %s)%s", tuner_id,
                                    proc.returncode, os.path.join(logs_dir, f"{tuner_id}.log"),
                                    f"; its trial {trial_id} goes back to the queue"
                                    if trial_id else "")

        with _environ(**chief_env, KERASTUNER_TUNER_ID="worker0"):
            local = ZooTuner(make(), job, directory=directory, project_name=PROJECT,
                             device=placement.device_for(0), scope=lambda: placement.scope(0),
                             on_idle=release_dead)
            local.search(verbose=0)
            # The oracle has nothing left to hand out. Workers still running a trial finish it;
            # workers with none (idle, or still starting up) are stopped: the chief may already
            # have shut down, and a late worker would wait for it for an hour.
            while True:
                release_dead()
                busy = [p for tid, p in procs if p.poll() is None and tid in oracle.ongoing_trials]
                if not busy:
                    break
                time.sleep(0.2)
    finally:
        for _, proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        _stop_chief(oracle, chief_thread, job, directory, chief_env)
        with contextlib.suppress(OSError):
            os.remove(os.path.join(directory, JOB_FILE))  # a copy of the data: not kept


def _wait_until_ready(procs: list[tuple[str, subprocess.Popen]], logs_dir: str,
                      timeout: float = 120.0) -> None:
    """Wait for the worker processes to be ready (TensorFlow imported, job loaded), so trials are
    shared from the start instead of this process running ahead alone. A worker that dies or
    takes longer than ``timeout`` is not waited for."""
    deadline = time.monotonic() + timeout
    pending = dict(procs)
    while pending and time.monotonic() < deadline:
        for tuner_id, proc in list(pending.items()):
            if proc.poll() is not None or os.path.exists(os.path.join(logs_dir,
                                                                      f"{tuner_id}.ready")):
                pending.pop(tuner_id)
        time.sleep(0.05)
    if pending:
        log.warning("Workers %s are not ready after %.0f s; starting without them.",
                    ", ".join(pending), timeout)


def _stop_chief(oracle, chief_thread: threading.Thread, job: TrialJob, directory: str,
                chief_env: dict[str, str]) -> None:
    chief_thread.join(timeout=3)
    if not chief_thread.is_alive():
        return
    oracle.force_stop()
    with _environ(**chief_env, KERASTUNER_TUNER_ID="shutdown"):
        client = ZooTuner(make_oracle("grid", job.space, kt.Objective(job.objective,
                                                                        job.direction),
                                      max_trials=None, seed=None, max_epochs=1,
                                      max_consecutive_failures=3),
                          job, directory=directory, project_name=PROJECT, device="shutdown",
                          scope=contextlib.nullcontext)
        with contextlib.suppress(Exception):
            client.oracle.create_trial("shutdown")
    chief_thread.join(timeout=5)


def _trailing_failures(project_dir: str) -> list[dict[str, Any]]:
    records = []
    for name in sorted(os.listdir(project_dir)) if os.path.isdir(project_dir) else []:
        record = _read_json(os.path.join(project_dir, name, RESULT_FILE))
        if record:
            records.append(record)
    records.sort(key=lambda r: int(r["trial_id"]) if str(r["trial_id"]).isdigit() else 0)
    tail = []
    for record in reversed(records):
        if record.get("status") != "failed":
            break
        tail.append(record)
    return tail


# === The public function ===

def search(
    model: str | Callable[..., Any],
    data: Dataset | str,
    space: Mapping[str, Any],
    *,
    strategy: str = "grid",
    objective: str | tuple[str, str] | kt.Objective | None = None,
    max_trials: int | None = None,
    epochs: int = 20,
    batch_size: int | None = None,
    patience: int = 10,
    early_stopping: bool = True,
    executions_per_trial: int = 1,
    directory: str | None = None,
    seed: int | None = 0,
    devices: str | Sequence[str] | None = "auto",
    multi_device: str = "workers",
    workers: int | None = None,
    resume: bool = True,
    overwrite: bool = False,
    keep_models: str = "best",
    max_consecutive_failures: int = 3,
    verbose: int = 1,
    **fixed: Any,
) -> SearchResult:
    """Search hyperparameters of a zoo factory with Keras Tuner.

    Args:
        model: A registered model name (``"ann"``, ``"cnn"`` ...) or a factory function.
        data: A :class:`~keras_zoo.datasets.Dataset` or a dataset name. Trials train on its
            ``train`` split and are scored on ``val``.
        space: Keyword -> list of values, range ``{"min", "max", "step" | "sampling": "log"}``
            or fixed value (see :mod:`keras_zoo.tuning.space`). Keys are factory arguments or the
            fit keywords ``batch_size``, ``epochs``, ``patience``.
        strategy: ``"grid"`` (every configuration exactly once), ``"random"`` (seeded),
            ``"bayesian"`` or ``"hyperband"``.
        objective: A logged metric (``"val_accuracy"``, ``"val_loss"``, ``"val_r2"`` ...), or
            ``(name, "max"|"min")``. Default: ``val_accuracy`` for classifiers, ``val_loss`` for
            regression, ``val_sequence_accuracy`` (exact match) for Seq2Seq pairs. The
            direction is inferred from the name (accuracy/auc/f1/r2 up, loss/error down) when
            not given.
        max_trials: Trials to run (grid: the whole grid by default; random/Bayesian: 10;
            Hyperband: its brackets decide, from ``epochs`` and a factor of 3, and
            ``max_trials`` caps them). A resumed search with a larger ``max_trials`` runs the
            extra trials.
        epochs, batch_size, patience: Training of each trial (each may also be searched).
        early_stopping: Stop each trial when the objective stops improving (``patience``
            epochs) and score it at its best epoch, whose weights are kept.
        executions_per_trial: Trainings per configuration; the score is their mean.
        directory: Where the search lives (default ``runs/<model>-<dataset>-<strategy>``).
        seed: Seeds the data loading (for a dataset name), the strategy, and every trial alike.
        devices: ``"auto"`` (every GPU, else CPU), ``"cpu"``, ``"gpu"`` or device names.
        multi_device: With several devices: ``"workers"`` (parallel trials, one Keras Tuner
            worker per device) or ``"mirrored"`` (each trial on all devices).
        workers: Parallel worker processes (default: one per device in ``"workers"`` mode);
            ``workers=2`` on a CPU runs two trials at a time.
        resume: Continue a search interrupted in the same directory (completed trials are kept
            and none runs twice).
        overwrite: Delete what the directory holds and start over.
        keep_models: ``"best"`` (only the best trial's model stays on disk), ``"all"``, ``"none"``.
        max_consecutive_failures: Stop (with :class:`SearchError`) after this many failed trials in
            a row; failed trials are recorded with their error and the search goes on until then.
        verbose: 1 prints a line per trial to stderr (trial i of N, its score, the best so far).
        **fixed: Factory arguments held fixed for every trial (e.g. ``hidden_units=(64, 32)``).

    Returns:
        A :class:`SearchResult` (leaderboard, best_params, best_model, to_csv, plot).

    Raises:
        ValueError: A spec that does not fit the factory (unknown keyword, empty list,
            min > max, a value the factory rejects, an objective the model does not log), or a
            directory holding another search. Nothing has run then.
        SearchError: Too many consecutive failed trials, or workers that could not run.

    Example:
        >>> import keras_zoo as kz
        >>> result = kz.tuning.search(                                   # doctest: +SKIP
        ...     "ann", "breast_cancer",
        ...     {"activation": ["relu", "elu"], "learning_rate": [1e-3, 1e-2], "batch_size": [32, 64]},
        ...     strategy="grid", directory="runs/ann")
        >>> result.leaderboard                                           # doctest: +SKIP
    """
    if strategy not in STRATEGIES:
        hint = closest(str(strategy), STRATEGIES)
        raise InputValueError(f"`strategy` must be one of {', '.join(map(repr, STRATEGIES))}."
                         + (f" Did you mean {hint!r}?" if hint else "")
                         + f" Received: strategy={strategy!r}")
    if keep_models not in ("best", "all", "none"):
        raise InputValueError(f"`keep_models` must be 'best', 'all' or 'none'. "
                         f"Received: keep_models={keep_models!r}")
    for key, value, low in (("epochs", epochs, 1), ("executions_per_trial", executions_per_trial, 1),
                            ("patience", patience, 1),
                            ("max_consecutive_failures", max_consecutive_failures, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise InputValueError(f"`{key}` must be an integer >= {low}. Received: {key}={value!r}")
    if max_trials is not None and (not isinstance(max_trials, int) or max_trials < 1):
        raise InputValueError(f"`max_trials` must be a positive integer. Received: {max_trials!r}")

    name, factory = _resolve_factory(model)
    data = _resolve_data(data, seed)
    parsed = Space.parse(space, strategy)
    both = set(parsed.axes) & set(fixed)
    if both:
        raise InputValueError(f"{sorted(both)} are both searched (space) and fixed (keywords).")
    fixed_all = {**parsed.fixed, **fixed}
    _check_keys(name, factory, list(parsed.axes), "space")
    _check_keys(name, factory, list(fixed_all), "fixed")
    _check_fit_values(parsed, fixed_all)
    fit_fixed = {k: fixed_all.pop(k) for k in list(fixed_all) if k in FIT_KEYS}
    epochs = int(fit_fixed.get("epochs", epochs))
    batch_size = fit_fixed.get("batch_size", batch_size)
    patience = int(fit_fixed.get("patience", patience))
    parsed = Space(parsed.axes, {})
    data_kwargs = {k: v for k, v in data.model_kwargs(factory).items()
                   if k not in parsed.axes and k not in fixed_all}
    objective_name, direction = _resolve_objective(objective, data)
    job = TrialJob(model_name=name, factory=factory, space=parsed, fixed={**data_kwargs,
                                                                        **fixed_all},
                   data=data, objective=objective_name, direction=direction, epochs=epochs,
                   batch_size=batch_size, patience=patience, early_stopping=early_stopping,
                   executions_per_trial=executions_per_trial, seed=seed, keep_models=keep_models)
    _preflight(job, name)

    directory = directory or os.path.join(
        "runs", normalize_name(f"{name}-{data.name}-{strategy}".replace(":", "-")))
    described = parsed.describe()
    spec = {
        "model": name, "dataset": data.name, "data_fingerprint": _fingerprint(data),
        "strategy": strategy, "objective": objective_name, "direction": direction,
        "axes": described["axes"], "fixed": _jsonable(fixed_all), "epochs": epochs,
        "batch_size": batch_size, "patience": patience, "early_stopping": early_stopping,
        "executions_per_trial": executions_per_trial, "seed": seed, "max_trials": max_trials,
        "grid_size": parsed.grid_size, "project_name": PROJECT, "state": "running",
    }
    resumed = _prepare_directory(directory, spec, resume=resume, overwrite=overwrite)
    os.makedirs(directory, exist_ok=True)
    atomic_write_json(os.path.join(directory, SPEC_FILE), spec)
    if resumed:
        log.info("Resuming the search in %s", directory)

    placement = make_placement(devices, multi_device)
    n_workers = workers if workers is not None else placement.n_workers
    if not isinstance(n_workers, int) or n_workers < 1:
        raise InputValueError(f"`workers` must be a positive integer. Received: workers={workers!r}")
    if n_workers > 1 and placement.mode == "mirrored":
        raise InputValueError("multi_device='mirrored' runs one trial at a time on every device; "
                         "it cannot be combined with workers > 1.")
    if n_workers > 1 and placement.mode == "single":
        placement = Placement(tuple([placement.devices[0]] * n_workers), "workers")
    kt_objective = kt.Objective(objective_name, direction)

    def make() -> kt.Oracle:
        return make_oracle(strategy, parsed, kt_objective, max_trials=max_trials, seed=seed,
                           max_epochs=epochs, max_consecutive_failures=max_consecutive_failures)

    if strategy == "grid":
        total = min(max_trials or parsed.grid_size, parsed.grid_size)
    elif strategy in ("random", "bayesian"):
        total = max_trials or 10
    else:  # Hyperband's brackets decide the number of trials; max_trials caps it
        total = max_trials
    project_dir = os.path.join(directory, PROJECT)
    progress = _Progress(project_dir, total, objective_name, direction, verbose)
    progress.start()
    failure: BaseException | None = None
    try:
        if n_workers == 1:
            _run_single(job, make(), directory, placement)
        else:
            _run_parallel(job, make, directory, placement, n_workers)
    except (RuntimeError, OSError) as err:  # Keras Tuner's consecutive-failure stop, gRPC errors
        failure = err
    finally:
        progress.stop()
        spec["state"] = "finished" if failure is None else "stopped"
        atomic_write_json(os.path.join(directory, SPEC_FILE), spec)
    result = SearchResult.load(directory)
    tail = _trailing_failures(project_dir)
    if failure is not None or len(tail) >= max_consecutive_failures:
        last = tail[0].get("error") if tail else f"{type(failure).__name__}: {failure}"
        raise SearchError(
            f"The search stopped: {len(tail)} trial(s) failed in a row (limit "
            f"{max_consecutive_failures}). Last error: {last}. Completed trials are kept in "
            f"{directory!r}; fix the cause and rerun the same search to resume."
        ) from failure
    result.to_csv()
    return result
