"""``search()``: grid, random, Bayesian or Hyperband search over any zoo factory.

This module only puts the steps in order; each lives in its own module:

* the inputs are checked and the trial job built: :mod:`~keras_zoo.tuning.checks` (and
  :mod:`~keras_zoo.tuning.oracles.pruning` for the pruner);
* the search directory is claimed, and a resumed one reconciled with its results:
  :mod:`~keras_zoo.tuning.directory`, :mod:`~keras_zoo.tuning.oracles.recovery`;
* the trials run in this process, in worker processes, or on other machines:
  :mod:`~keras_zoo.tuning.runtime.launcher`, :mod:`~keras_zoo.tuning.runtime.pool`,
  :mod:`~keras_zoo.tuning.runtime.remote` (the oracle on Keras Tuner's engine:
  :mod:`~keras_zoo.tuning.runtime.tuner`, :mod:`~keras_zoo.tuning.oracles.chief`);
* :mod:`~keras_zoo.tuning.progress` reports them; :mod:`~keras_zoo.tuning.outcome` records how
  the run ended; :mod:`~keras_zoo.tuning.results` reads the results back.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras_tuner as kt

from keras_zoo.datasets.core import Dataset
from keras_zoo.tuning import checks, outcome
from keras_zoo.tuning import directory as search_dir
from keras_zoo.tuning.errors import SearchError
from keras_zoo.tuning.oracles import pruning, recovery
from keras_zoo.tuning.oracles.strategies import Strategy
from keras_zoo.tuning.progress import Progress
from keras_zoo.tuning.results import SearchResult
from keras_zoo.tuning.runtime import launcher, wire
from keras_zoo.tuning.runtime.tuner import DiskFull
from keras_zoo.tuning.schema import PROJECT
from keras_zoo.tuning.settings import Execution, SearchSettings
from keras_zoo.tuning.trial.job import TrialJob

__all__ = ["SearchError", "run", "search"]

log = logging.getLogger(__name__)


def search(
    model: str | Callable[..., Any],
    data: Dataset | str,
    space: Mapping[str, Any],
    *,
    strategy: str | Strategy = "grid",
    objective: str | tuple[str, str] | kt.Objective | None = None,
    tie_breaker: str | tuple[str, str] | None = "auto",
    pruner: str | pruning.Pruner | None = None,
    diagnostics: bool = False,
    tensorboard: bool = False,
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
    serve: str | None = None,
    token: str | None = None,
    train: bool = True,
    worker_timeout: float = 30.0,
    orphan_timeout: float = 600.0,
    resume: bool = True,
    retry_failed: bool = False,
    overwrite: bool = False,
    keep_models: str = "best",
    max_consecutive_failures: int = 3,
    trials_per_process: int | None = 25,
    process_memory_mb: float | None = 200.0,
    verbose: int = 1,
    **fixed: Any,
) -> SearchResult:
    """Search hyperparameters of a zoo factory with Keras Tuner.

    **Factory keywords and search settings.** The named arguments below are the search's
    settings; every other keyword (``**fixed``) goes to the model factory, fixed for every
    trial, and is checked against the factory's signature before anything runs (an unknown one
    is refused with the factory's accepted keywords). A keyword whose name is also a setting
    here is set through the ``space``: ``{"epochs": 30}`` fixes the fit's ``epochs`` (as do
    ``batch_size`` and ``patience``), ``{"epochs": [10, 30]}`` searches it, and a factory
    that takes a ``seed`` gets the search's ``seed`` unless the space sets one
    (``{"seed": 7}``). Inside, the
    settings travel as typed objects checked once (:mod:`keras_zoo.tuning.settings`: the search,
    the execution, the serving), and what each trial trains is one
    :class:`~keras_zoo.tuning.trial.job.TrialJob`.

    Args:
        model: A registered model name (``"ann"``, ``"cnn"`` ...) or a factory function.
        data: A :class:`~keras_zoo.datasets.Dataset` or a dataset name. Trials train on its
            ``train`` split and are scored on ``val``.
        space: Keyword -> list of values, range ``{"min", "max", "step" | "sampling": "log"}``
            or fixed value (see :mod:`keras_zoo.tuning.space`). Keys are factory arguments or the
            fit keywords ``batch_size``, ``epochs``, ``patience`` and ``class_weight``
            (``"balanced"``, a dict keyed by class ids or the data's class names, or ``None``;
            searched as a choice, or fixed as a keyword argument).
        strategy: ``"grid"`` (every configuration exactly once), ``"random"`` (seeded),
            ``"bayesian"`` or ``"hyperband"``; or a strategy object with its own settings
            (``HyperbandStrategy(factor=2)``, ``BayesianStrategy(num_initial_points=5)``) or
            of your own (a :class:`~keras_zoo.tuning.oracles.strategies.Strategy` subclass:
            its oracle, its expected trials, whether it prunes, what it keeps for resume).
        objective: A logged metric (``"val_accuracy"``, ``"val_loss"``, ``"val_r2"`` ...), or
            ``(name, "max"|"min")``. Default: ``val_accuracy`` for classifiers, ``val_loss`` for
            regression, ``val_sequence_accuracy`` (exact match) for Seq2Seq pairs. The
            direction is inferred from the name (accuracy/auc/f1/r2 up, loss/error down) when
            not given.
        tie_breaker: Decides between trials (and a trial's epochs) equal on the objective,
            as a small validation split often makes them (``val_accuracy`` 1.0 for most
            configurations): ``"auto"`` (default) is the validation loss, unless the
            objective is the loss (then ties keep trial order); a metric name; ``(name,
            "max"|"min")``; ``None``. It orders the leaderboard and picks ``best_params``,
            ``best_model``, the model ``keep_models="best"`` keeps, and the epoch whose
            weights a trial's early stopping restores (see :mod:`~keras_zoo.tuning.ranking`).
        pruner: Stop unpromising trials early, from their objective after each epoch
            (``--pruner``; see :mod:`keras_zoo.tuning.oracles.pruning`): ``"median"`` stops a trial
            whose score at epoch k is worse than the median of the other trials' scores at
            epoch k, after a warm-up of 5 epochs and once 5 other trials reached epoch k;
            ``"asha"`` (asynchronous successive halving) keeps, at 4, 16, 64 ... epochs, only
            the best quarter of the trials that reached that epoch. Other settings: a
            ``MedianPruner(warmup_epochs=..., warmup_trials=...)`` or
            ``AshaPruner(min_epochs=..., reduction_factor=...)``. ``None`` (default): no
            pruning. A pruned trial is recorded with status ``"pruned"``, the epoch it stopped
            at and its score there, and competes on that score. Not with Hyperband. A resumed
            search may change it (the trials already done stay as they are).
        diagnostics: ``True`` (``--diagnostics``): every trial trains with a
            ``kz.diagnostics.Monitor(every="end")``, which records once, on the trained model,
            and its ``result.json`` keeps the Monitor's ``Diagnosis.scores()``; the leaderboard
            gains the columns ``grad_ratio`` (first over last layer's gradient norm: far below
            1 is vanishing gradients), ``dead_fraction``, ``saturated_fraction`` and
            ``findings`` (the finding codes, comma-separated), NaN / ``None`` for a trial that
            failed or was pruned. Recorded in ``search.json``; a resumed search may change it
            (the trials already done keep what they recorded).
        tensorboard: ``True`` (``--tensorboard``): every trial writes its TensorBoard run
            with its hyperparameters in the HParams plugin's format, under
            ``<directory>/tensorboard/trial_<id>/execution<k>``, and the search its HParams
            experiment (the searched keywords and their domains), so
            ``tensorboard --logdir <directory>`` shows the curves and the table of trials (see
            :mod:`~keras_zoo.tuning.trial.tensorboard`). Costs 3-6 ms an epoch (+20 % on the
            breast_cancer ANN's 26 ms epoch), so it is off by default. A resumed search
            may change it.
        max_trials: Trials to run (grid: the whole grid by default; random/Bayesian: 10;
            Hyperband: its brackets decide, from ``epochs`` and a factor of 3, and
            ``max_trials`` caps them). A resumed search with a larger ``max_trials`` runs the
            extra trials.
        epochs, batch_size, patience: Training of each trial (each may also be searched).
        early_stopping: Stop each trial when the objective stops improving (``patience``
            epochs) and score it at its best epoch, whose weights are kept.
        executions_per_trial: Trainings per configuration; the score is their mean.
        directory: Where the search lives (default ``runs/<model>_<dataset>_<strategy>``,
            e.g. ``runs/ann_breast_cancer_grid``).
        seed: Seeds the data loading (for a dataset name), the strategy, and every trial alike.
        devices: ``"auto"`` (every GPU, else CPU), ``"cpu"``, ``"gpu"`` or device names.
        multi_device: With several devices: ``"workers"`` (parallel trials, one Keras Tuner
            worker per device) or ``"mirrored"`` (each trial on all devices).
        workers: Parallel worker processes (default: one per device in ``"workers"`` mode);
            ``workers=2`` on a CPU runs two trials at a time.
        serve: ``"HOST:PORT"``: serve the search to workers on other machines
            (``--serve``), which join it with :func:`~keras_zoo.tuning.work`
            (``keras-zoo worker HOST:PORT``). This process is then the chief: it keeps the
            oracle, the directory, the progress and the leaderboard; every worker gets the job
            as data from it and sends back each trial's result and model, so no filesystem is
            shared. ``0.0.0.0:PORT`` listens on every interface. See "Searching on several
            machines" in the README.
        token: The token workers must present (default: the ``KERAS_ZOO_TOKEN`` environment
            variable). Required to serve on an address other than 127.0.0.1; on 127.0.0.1
            without one, a random token is written to ``<directory>/.keras-zoo-token``.
        train: With ``serve``: whether this machine also runs ``workers`` worker processes
            (default: one per device); ``False`` (``--no-train``): it only serves.
        worker_timeout: With ``serve``: seconds without a heartbeat (sent every 5 s) after
            which a remote worker counts as gone and its trial runs on another worker. A worker
            with no trial left while trials still run elsewhere waits (up to ``worker_timeout``
            + 30 s) until the search is finished, so it can run such a trial.
        orphan_timeout: With ``serve`` and ``train=False`` (``--orphan-timeout``): seconds the
            search waits while trials are left (a dead worker's trial to run again included)
            and no worker is connected. It says so every 30 s, with the command that starts a
            worker; then it stops with :class:`SearchError`, whose message gives the command
            that resumes (completed trials are kept). Default 600. A chief that trains
            (``train=True``) runs such a trial in its own worker processes at once.
        resume: Continue a search interrupted or stopped in the same directory: a trial is
            done when its folder holds a valid ``result.json``. Done trials are kept and never
            run again (a trial killed after its result was written included); every other
            configuration runs, including one whose trial folder or result file was deleted or
            damaged. Damaged state files are rebuilt from the result files where they can be
            (see :mod:`~keras_zoo.tuning.oracles.recovery`).
        retry_failed: On resume, run the failed trials again (``--retry-failed``). By default a
            failed trial is final: recorded with its error and not run again.
        overwrite: Delete the keras-zoo search the directory holds and start over (a folder
            that is not a search is refused; so is a directory another search owns).
        keep_models: ``"best"`` (only the best trial's model stays on disk), ``"all"``, ``"none"``.
        max_consecutive_failures: Stop (with :class:`SearchError`) after this many failed trials in
            a row; failed trials are recorded with their error and the search goes on until then.
            Only the trials of the current run count: rerunning a stopped search keeps its
            failed trials as failed and goes on with the configurations not yet tried.
        trials_per_process: Trials a worker process runs before a fresh process replaces it,
            so memory stays flat however long the search (``None``: no replacement). With one
            worker, a search of at most this many trials runs in this process (no start-up
            cost); a longer one runs in a worker process this process supervises. Parallel
            ``workers`` always run in worker processes. A worker process that dies has its trial
            rerun by a new one (see :mod:`keras_zoo.tuning.runtime.launcher`).
        process_memory_mb: A worker process whose memory grew by more than this (MB) since its
            first trial is replaced after its current trial (``None``: no limit).
        verbose: 1 prints a line per trial to stderr (trial i of N, its score, the best so far).
        **fixed: Factory arguments held fixed for every trial (e.g. ``hidden_units=(64, 32)``).

    Returns:
        A :class:`SearchResult` (leaderboard, best_params, best_model, to_csv, plot).

    Raises:
        InputValueError: A spec that does not fit the factory (unknown keyword, empty list,
            min > max, a value the factory rejects, an objective the model does not log), a
            directory holding another search, or one another running search owns
            (:class:`~keras_zoo.tuning.directory.DirectoryInUseError`), a directory that
            cannot be written to, a damaged state file that cannot be rebuilt (named in the
            message). Nothing has run then. (A ``ValueError``.)
        InputTypeError: A ``model``, ``data`` or ``objective`` of the wrong type.
        SearchError: Too many consecutive failed trials (the message lists them and says how
            to go on), a full disk, workers that could not run, or no worker connected for
            ``orphan_timeout`` seconds. Completed trials are kept and the same call resumes.

    Example:
        >>> import keras_zoo as kz
        >>> result = kz.tuning.search(                                   # doctest: +SKIP
        ...     "ann", "breast_cancer",
        ...     {"activation": ["relu", "elu"], "learning_rate": [1e-3, 1e-2], "batch_size": [32, 64]},
        ...     strategy="grid", directory="runs/ann")
        >>> result.leaderboard                                           # doctest: +SKIP
    """
    settings = SearchSettings.checked(
        strategy=strategy, pruner=pruner, max_trials=max_trials,
        max_consecutive_failures=max_consecutive_failures, directory=directory, resume=resume,
        retry_failed=retry_failed, overwrite=overwrite, diagnostics=diagnostics,
        tensorboard=tensorboard)
    checks.check_options(keep_models=keep_models, batch_size=batch_size, epochs=epochs,
                         executions_per_trial=executions_per_trial, patience=patience)
    job, user_fixed = checks.build_job(
        model, data, space, strategy=settings.strategy, objective=objective, epochs=epochs,
        batch_size=batch_size, patience=patience, early_stopping=early_stopping,
        executions_per_trial=executions_per_trial, seed=seed, keep_models=keep_models,
        fixed=fixed, tie_breaker=tie_breaker)
    serving = launcher.serving(serve, token, train, worker_timeout, orphan_timeout)
    execution = Execution.checked(
        devices=devices, multi_device=multi_device, workers=workers,
        trials_per_process=trials_per_process, process_memory_mb=process_memory_mb,
        verbose=verbose, diagnostics=diagnostics, serving=serving, train=train)
    return run(job, user_fixed, settings, execution, serving)


def run(job: TrialJob, user_fixed: dict[str, Any], settings: SearchSettings,
        execution: Execution, serving: launcher.Serve | None = None) -> SearchResult:
    """Run a search whose settings are checked (:func:`search` is its face): claim the
    directory, resume or start it, run the trials here, in worker processes or for remote
    workers, and read the results back.

    Args:
        job: What each trial trains and how it is scored (from
            :func:`~keras_zoo.tuning.checks.build_job`).
        user_fixed: The factory keywords the user fixed (recorded in ``search.json``).
        settings, execution, serving: See :mod:`~keras_zoo.tuning.settings`.
    """
    if settings.pruner is not None:  # trials report every epoch; scored like the trial itself
        job.pruner = settings.pruner.name
        settings.pruner.running_best = job.early_stopping
    job.tensorboard = settings.tensorboard  # each trial's TensorBoard run
    job.diagnostics = settings.diagnostics  # every trial's Monitor; travels with the job
    expected = settings.expected_trials(job)
    oracle = settings.make_oracle(job)  # one that cannot be made: refused before any file
    processes = serving is not None or launcher.in_processes(
        job, execution.placement, execution.workers, expected, execution.recycle)
    # Worker processes import TensorFlow while the checks below run (~7 s on 2 cores saved
    # from the first trial's wait); those not taken by the search are stopped.
    early = launcher.prestart(execution.placement, execution.workers if processes else 0)
    try:
        checks.preflight(job, verbose=execution.verbose)
        directory = settings.directory or search_dir.default_directory(
            job.model_name, job.data.name, settings.strategy.name)
        spec = search_dir.search_spec(job, user_fixed, strategy=settings.strategy.describe(),
                                      max_trials=settings.max_trials)
        job.search_id = spec["search_id"]  # in every result.json
        if serving is not None:  # refused now (a factory workers cannot import), not later
            serving = dataclasses.replace(serving, encoded=wire.encode_job(job))
        # not of the identity: each may change on resume
        spec["pruner"] = pruning.describe(settings.pruner)
        spec["diagnostics"] = settings.diagnostics  # the leaderboard's diagnostic columns
        spec["tensorboard"] = settings.tensorboard
        spec["tie_breaker"] = list(job.tie_breaker) if job.tie_breaker else None
        with search_dir.claim(directory):  # one owner at a time; released however we end
            return _run_in(directory, spec, job, oracle, settings, execution, serving,
                           processes, expected, early)
    finally:
        launcher.discard(early)


def _run_in(directory: str, spec: dict[str, Any], job: TrialJob, oracle: kt.Oracle,
            settings: SearchSettings, execution: Execution, serving: launcher.Serve | None,
            processes: bool, expected: int | None, early: list[Any]) -> SearchResult:
    """The search in its claimed directory: prepared, its trials run, its end recorded."""
    resumed = search_dir.prepare_directory(directory, spec, resume=settings.resume,
                                           overwrite=settings.overwrite)
    outcome.write_spec(directory, spec, stopping=False)
    if settings.tensorboard:
        from keras_zoo.tuning.trial.tensorboard import write_experiment

        write_experiment(directory, job.space, job.objective)
    project_dir = os.path.join(directory, PROJECT)
    if resumed:
        log.info("Resuming the search in %s", directory)
        if settings.retry_failed:
            recovery.set_aside_failed(project_dir)
    before = recovery.result_times(project_dir)  # what this run writes is told apart
    progress = Progress(project_dir, expected, job.objective, job.direction, execution.verbose)
    progress.start()
    failure: BaseException | None = None
    spec["state"] = "interrupted"  # unless the trials end: Ctrl-C, a kill, a crash
    try:
        if processes:
            launcher.run_workers(job, oracle, directory, execution.placement, execution.workers,
                                 execution.recycle, serving, early=early)
        else:
            launcher.run_single(job, oracle, directory, execution.placement)
        spec["state"] = "finished"
    except SearchError:
        spec["state"] = "stopped"
        raise
    except (RuntimeError, OSError, DiskFull) as err:  # Keras Tuner's consecutive-failure
        failure = err                                   # stop, a full disk, gRPC errors
        spec["state"] = "stopped"
    finally:
        progress.stop()
        outcome.write_spec(directory, spec, stopping=True)
    result = SearchResult.load(directory)
    outcome.raise_if_stopped(failure, project_dir, directory, settings.max_consecutive_failures,
                             before)
    result.to_csv()
    return result
