"""``search()``: grid, random, Bayesian or Hyperband search over any zoo factory.

The steps, each in its own module: check the inputs and build the trial job
(:mod:`~keras_zoo.tuning.checks`), claim the search directory
(:mod:`~keras_zoo.tuning.directory`), run the trials here or on parallel workers
(:mod:`~keras_zoo.tuning.launcher`) while :mod:`~keras_zoo.tuning.progress` reports them, and
read the results back (:mod:`~keras_zoo.tuning.results`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras_tuner as kt

from keras_zoo.base import atomic_write_json
from keras_zoo.datasets.core import Dataset
from keras_zoo.tuning import checks, launcher
from keras_zoo.tuning import directory as search_dir
from keras_zoo.tuning.devices import make_placement
from keras_zoo.tuning.errors import SearchError
from keras_zoo.tuning.progress import Progress
from keras_zoo.tuning.results import SPEC_FILE, SearchResult
from keras_zoo.tuning.space import Space
from keras_zoo.tuning.tuner import make_oracle

__all__ = ["SearchError", "search"]

log = logging.getLogger(__name__)


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
        overwrite: Delete the keras-zoo search the directory holds and start over (a folder
            that is not a search is refused; so is a directory another search owns).
        keep_models: ``"best"`` (only the best trial's model stays on disk), ``"all"``, ``"none"``.
        max_consecutive_failures: Stop (with :class:`SearchError`) after this many failed trials in
            a row; failed trials are recorded with their error and the search goes on until then.
        verbose: 1 prints a line per trial to stderr (trial i of N, its score, the best so far).
        **fixed: Factory arguments held fixed for every trial (e.g. ``hidden_units=(64, 32)``).

    Returns:
        A :class:`SearchResult` (leaderboard, best_params, best_model, to_csv, plot).

    Raises:
        InputValueError: A spec that does not fit the factory (unknown keyword, empty list,
            min > max, a value the factory rejects, an objective the model does not log), a
            directory holding another search, or one another running search owns
            (:class:`~keras_zoo.tuning.directory.DirectoryInUseError`). Nothing has run then.
            (A ``ValueError``.)
        InputTypeError: A ``model``, ``data`` or ``objective`` of the wrong type.
        SearchError: Too many consecutive failed trials, or workers that could not run.

    Example:
        >>> import keras_zoo as kz
        >>> result = kz.tuning.search(                                   # doctest: +SKIP
        ...     "ann", "breast_cancer",
        ...     {"activation": ["relu", "elu"], "learning_rate": [1e-3, 1e-2], "batch_size": [32, 64]},
        ...     strategy="grid", directory="runs/ann")
        >>> result.leaderboard                                           # doctest: +SKIP
    """
    checks.check_options(strategy=strategy, keep_models=keep_models, max_trials=max_trials,
                         batch_size=batch_size,
                         epochs=epochs, executions_per_trial=executions_per_trial,
                         patience=patience, max_consecutive_failures=max_consecutive_failures)
    job, user_fixed = checks.build_job(
        model, data, space, strategy=strategy, objective=objective, epochs=epochs,
        batch_size=batch_size, patience=patience, early_stopping=early_stopping,
        executions_per_trial=executions_per_trial, seed=seed, keep_models=keep_models,
        fixed=fixed)
    checks.preflight(job)

    directory = directory or search_dir.default_directory(job.model_name, job.data.name,
                                                          strategy)
    spec = search_dir.search_spec(job, user_fixed, strategy=strategy, max_trials=max_trials)
    with search_dir.claim(directory):  # one owner at a time; released however we end
        resumed = search_dir.prepare_directory(directory, spec, resume=resume, overwrite=overwrite)
        atomic_write_json(os.path.join(directory, SPEC_FILE), spec)
        if resumed:
            log.info("Resuming the search in %s", directory)

        placement, n_workers = launcher.plan_workers(make_placement(devices, multi_device), workers)
        kt_objective = kt.Objective(job.objective, job.direction)

        def make() -> kt.Oracle:
            return make_oracle(strategy, job.space, kt_objective, max_trials=max_trials, seed=seed,
                               max_epochs=job.epochs,
                               max_consecutive_failures=max_consecutive_failures)

        project_dir = os.path.join(directory, search_dir.PROJECT)
        progress = Progress(project_dir, _expected_trials(strategy, max_trials, job.space),
                            job.objective, job.direction, verbose)
        progress.start()
        failure: BaseException | None = None
        spec["state"] = "interrupted"  # unless the trials end: Ctrl-C, a kill, a crash
        try:
            if n_workers == 1:
                launcher.run_single(job, make(), directory, placement)
            else:
                launcher.run_parallel(job, make, directory, placement, n_workers)
            spec["state"] = "finished"
        except (RuntimeError, OSError) as err:  # Keras Tuner's consecutive-failure stop, gRPC errors
            failure = err
            spec["state"] = "stopped"
        finally:
            progress.stop()
            atomic_write_json(os.path.join(directory, SPEC_FILE), spec)
        result = SearchResult.load(directory)
        _raise_if_stopped(failure, project_dir, directory, max_consecutive_failures)
        result.to_csv()
    return result


def _expected_trials(strategy: str, max_trials: int | None, space: Space) -> int | None:
    """How many trials the progress lines count to (``None``: not known in advance)."""
    if strategy == "grid":
        return min(max_trials or space.grid_size, space.grid_size)
    if strategy in ("random", "bayesian"):
        return max_trials or 10
    return max_trials  # Hyperband's brackets decide the number of trials; max_trials caps it


def _raise_if_stopped(failure: BaseException | None, project_dir: str, directory: str,
                      max_consecutive_failures: int) -> None:
    tail = search_dir.trailing_failures(project_dir)
    if failure is None and len(tail) < max_consecutive_failures:
        return
    last = tail[0].get("error") if tail else f"{type(failure).__name__}: {failure}"
    raise SearchError(
        f"The search stopped: {len(tail)} trial(s) failed in a row (limit "
        f"{max_consecutive_failures}). Last error: {last}. Completed trials are kept in "
        f"{directory!r}; fix the cause and rerun the same search to resume."
    ) from failure
