"""The settings of one ``search()`` call, as typed objects checked once.

``search()`` takes its settings as named arguments (one call, like ``model.fit``); inside, they
travel as three objects, each checked when it is made, before anything runs:

* :class:`SearchSettings`: what the search is and keeps: the strategy, its budget, the pruner,
  the directory and how a run there starts (resume, retry, overwrite), what each trial records.
* :class:`Execution`: where the trials run: the devices, the worker processes and when they
  are replaced, how much is printed.
* :class:`~keras_zoo.tuning.runtime.launcher.Serve`: whether and how the search is served to
  workers on other machines.

How each trial trains and is scored (the factory, its fixed keywords, the data, the objective,
``epochs`` ...) is the :class:`~keras_zoo.tuning.trial.job.TrialJob`, which travels to worker
processes and machines; these three stay in the search's own process.
"""

from __future__ import annotations

import dataclasses
import numbers
import os
from collections.abc import Sequence
from typing import Any

import keras_tuner as kt

from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.tuning.oracles.pruning import Pruner, make_pruner
from keras_zoo.tuning.oracles.strategies import Strategy, resolve_strategy
from keras_zoo.tuning.runtime import launcher
from keras_zoo.tuning.trial.devices import Placement, make_placement
from keras_zoo.tuning.trial.job import TrialJob


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputTypeError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """What a search is and keeps (the arguments of ``search()`` of the same names).

    Attributes:
        strategy: The :class:`~keras_zoo.tuning.oracles.strategies.Strategy` (a name given to
            ``search()`` is resolved to one).
        max_trials: Trials to run (``None``: the strategy's default).
        pruner: The :class:`~keras_zoo.tuning.oracles.pruning.Pruner`, or ``None``.
        max_consecutive_failures: Failed trials in a row, in this run, that stop the search.
        directory: Where the search lives (``None``: ``runs/<model>_<dataset>_<strategy>``).
        resume, retry_failed, overwrite: How a run starts in a directory that holds the search.
        diagnostics, tensorboard: What every trial records besides its curves.
    """

    strategy: Strategy
    max_trials: int | None = None
    pruner: Pruner | None = None
    max_consecutive_failures: int = 3
    directory: str | None = None
    resume: bool = True
    retry_failed: bool = False
    overwrite: bool = False
    diagnostics: bool = False
    tensorboard: bool = False

    @classmethod
    def checked(cls, *, strategy: Any = "grid", pruner: Any = None, max_trials: Any = None,
                max_consecutive_failures: Any = 3, directory: Any = None, resume: Any = True,
                retry_failed: Any = False, overwrite: Any = False, diagnostics: Any = False,
                tensorboard: Any = False) -> SearchSettings:
        """The settings from ``search()``'s arguments, each checked.

        Raises:
            InputValueError: An unknown strategy or pruner, a pruner the strategy takes none
                of, a ``max_trials`` or ``max_consecutive_failures`` that is not a positive
                integer.
            InputTypeError: ``retry_failed``, ``diagnostics`` or ``tensorboard`` not
                ``True``/``False`` (``resume`` and ``overwrite`` are read as truth values, as
                before), a directory that is not a path, a strategy class instead of an instance.
        """
        resolved = resolve_strategy(strategy)
        rule = make_pruner(pruner)
        resolved.check_pruner(rule, given=pruner)
        if max_trials is not None and (not isinstance(max_trials, int)
                                       or isinstance(max_trials, bool) or max_trials < 1):
            raise InputValueError("`max_trials` must be a positive integer (or None). "
                                  f"Received: max_trials={max_trials!r}")
        if (not isinstance(max_consecutive_failures, numbers.Integral)
                or isinstance(max_consecutive_failures, bool) or max_consecutive_failures < 1):
            raise InputValueError("`max_consecutive_failures` must be an integer >= 1. "
                                  f"Received: max_consecutive_failures={max_consecutive_failures!r}")
        if directory is not None and not isinstance(directory, (str, bytes)) \
                and not hasattr(directory, "__fspath__"):
            raise InputTypeError("`directory` must be a path (or None for the default). "
                                 f"Received: {type(directory).__name__}")
        flags = {"retry_failed": retry_failed, "diagnostics": diagnostics,
                 "tensorboard": tensorboard}
        for name, value in flags.items():
            _flag(name, value)
        if diagnostics:
            from keras_zoo.base.backend import require_tensorflow

            require_tensorflow("diagnostics=True (kz.diagnostics)", "Search without it on JAX and "
                               "PyTorch; the leaderboard and per-epoch curves are kept on every "
                               "backend.")
        return cls(strategy=resolved, max_trials=max_trials, pruner=rule,
                   max_consecutive_failures=int(max_consecutive_failures),
                   directory=None if directory is None else os.fsdecode(directory),
                   resume=bool(resume), overwrite=bool(overwrite), **flags)

    def expected_trials(self, job: TrialJob) -> int | None:
        """How many trials the progress lines count to (``None``: not known in advance)."""
        return self.strategy.expected_trials(self.max_trials, job.space)

    def make_oracle(self, job: TrialJob) -> kt.Oracle:
        """A fresh oracle of the strategy for ``job`` (its state is reloaded from the
        directory by Keras Tuner when the search resumes)."""
        return self.strategy.make_oracle(
            job.space, kt.Objective(job.objective, job.direction), max_trials=self.max_trials,
            seed=job.seed, max_epochs=job.epochs,
            max_consecutive_failures=self.max_consecutive_failures, pruner=self.pruner)


@dataclasses.dataclass(frozen=True)
class Execution:
    """Where and how the trials run (the arguments of ``search()`` of the same names).

    Attributes:
        placement: The devices and how trials use them
            (:class:`~keras_zoo.tuning.trial.devices.Placement`).
        workers: Worker processes on this machine (0: a chief that only serves).
        recycle: When a worker process is replaced
            (:class:`~keras_zoo.tuning.runtime.launcher.Recycle`).
        verbose: 1 prints a line per trial to stderr; 0 prints nothing.
    """

    placement: Placement
    workers: int
    recycle: launcher.Recycle
    verbose: int = 1

    @classmethod
    def checked(cls, *, devices: str | Sequence[str] | None = "auto",
                multi_device: str = "workers", workers: int | None = None,
                trials_per_process: int | None = 25, process_memory_mb: float | None = 200.0,
                verbose: int = 1, diagnostics: bool = False,
                serving: launcher.Serve | None = None, train: bool = True) -> Execution:
        """The execution from ``search()``'s arguments, each checked (``diagnostics``,
        ``serving`` and ``train`` are checked where they belong; here they decide the rest).

        Raises:
            InputValueError: Unknown devices, a bad ``workers`` count, ``trials_per_process``
                or ``process_memory_mb``, several workers or diagnostics with
                ``multi_device="mirrored"``.
        """
        recycle = launcher.Recycle(trials_per_process, process_memory_mb)
        recycle.check()
        placement, n_workers = launcher.plan_workers(make_placement(devices, multi_device),
                                                     workers)
        if diagnostics and placement.mode == "mirrored":
            raise InputValueError("diagnostics=True cannot instrument trials trained under "
                                  "multi_device='mirrored' (one model across devices); use "
                                  "multi_device='workers'. Received: multi_device='mirrored'")
        if serving is not None and not train:
            n_workers = 0
        return cls(placement=placement, workers=n_workers, recycle=recycle, verbose=verbose)
