"""The search strategies: Keras Tuner's oracles, hardened, and :func:`make_oracle`.

What Keras Tuner 1.4.8's oracles do that a search here must not:

* ``GridSearch`` cannot resume after a crash (its oracle keeps its enumeration state in memory
  only: KeyError on reload). :class:`GridOracle` enumerates the product in a fixed order and hands
  out the first configuration not yet started, so its state is just the set of tried
  configurations Keras Tuner already saves: it resumes, and parallel workers never repeat one.
* Trial and oracle files are written non-atomically (a kill mid-write leaves broken JSON): every
  state file here is written to a temporary file and renamed.
* Its state files and a trial's ``result.json`` are written at different moments (a kill, a full
  disk or its own consecutive-failure stop can come in between), and an unreadable state file
  stops a reload with a traceback. Here the result files decide which trials are done; a reload
  reconciles the oracle's state with them, or rebuilds it
  (:mod:`~keras_zoo.tuning.oracles.recovery`): a finished trial is not run again, a failed one
  is final, any other started trial reruns, and a half-started one (killed between writing it
  and writing the oracle) is dropped.
* Its consecutive-failure stop counts the failures of earlier runs, so a rerun of a search it
  stopped stops again at once: here only the trials ended in this run count.
* Trial ids are numbered ``len(trials)`` and padded to ``len(str(max_trials))`` ("2" and "03"
  in one search after ``max_trials`` grew): here a new trial takes the smallest free number,
  padded like the search's first trial.

Each oracle is ``ServedOracleMixin`` (:mod:`~keras_zoo.tuning.oracles.chief`: it can answer
worker processes), then ``PruningOracleMixin`` (:mod:`~keras_zoo.tuning.oracles.pruning`), then
:class:`_SafeStateMixin`, then Keras Tuner's oracle: the order matters. This module uses Keras
Tuner's public API (``Oracle.populate_space``); the internals it needs (where the state files
are, the restated ``create_trial``, the private methods overridden) are in
:mod:`~keras_zoo.tuning.oracles.kt_adapter`, the one module to check when upgrading Keras Tuner.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from typing import Any, ClassVar

import keras_tuner as kt
from keras_tuner.engine.trial import TrialStatus

from keras_zoo.base import atomic_write_json, closest
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.tuning.oracles import kt_adapter, recovery
from keras_zoo.tuning.oracles.chief import ServedOracleMixin
from keras_zoo.tuning.oracles.pruning import Pruner, PruningOracleMixin, make_pruner
from keras_zoo.tuning.space import Space


class _SafeStateMixin(kt_adapter.OracleHooks):
    """Atomic state files, reloads reconciled with the result files, ids of one width.

    Attributes:
        zoo_space: The search's space (set by :func:`make_oracle`): a reload rebuilds trials
            from it, and Hyperband knows from it when a finite space is used up.
        zoo_ended_before: The trials that had ended when this run resumed (set by a reload):
            the consecutive-failure stop does not count them.
        zoo_kept_only_in_state: What only ``oracle.json`` holds (``None``: a damaged one is
            rebuilt from the result files; see :attr:`Strategy.kept_only_in_state`).
    """

    zoo_space: Space | None = None
    zoo_ended_before: frozenset[str] | set[str] = frozenset()
    zoo_kept_only_in_state: str | None = None

    def save(self):
        atomic_write_json(kt_adapter.oracle_file(self), self.get_state())

    def write_trial(self, trial):
        atomic_write_json(os.path.join(kt_adapter.trial_dir(self, trial.trial_id), "trial.json"),
                          trial.get_state())

    def reload(self):
        """Keras Tuner's reload, reconciled with the trials' result files, which decide what is
        done; damaged state files are rebuilt (see :mod:`~keras_zoo.tuning.oracles.recovery`).

        Raises:
            InputValueError: A state file that cannot be rebuilt (Hyperband's), named.
        """
        recovery.reload_oracle(self, self.zoo_space, kept_only_in_state=self.zoo_kept_only_in_state)

    @kt.synchronized
    def create_trial(self, tuner_id):
        """Keras Tuner's ``create_trial``, with ids that keep one width within a search.

        Keras Tuner pads ids to ``len(str(max_trials))`` and numbers them ``len(self.trials)``:
        a search resumed with a larger ``max_trials`` mixed ``"2"`` and ``"03"``, and a trial
        forgotten on resume (its folder deleted) made the next id collide with an existing one.
        Here a new trial takes the smallest free number, padded like the search's first trials.
        """
        return kt_adapter.create_trial(self, tuner_id, self._next_trial_id)

    def _next_trial_id(self) -> str:
        numbers = {int(t) for t in self.trials if str(t).isdigit()}
        widths = [len(str(t)) for t in self.trials if str(t).isdigit()]
        width = min(widths) if widths else len(str(self.max_trials))
        number = next(n for n in itertools.count() if n not in numbers)
        return f"{number:0{width}d}"

    def check_consecutive_failures(self):
        """Keras Tuner's stop after ``max_consecutive_failed_trials`` failed trials in a row,
        counting only trials that ended in this run: the failed trials of an earlier run are
        final and kept, but do not stop a rerun before it tried the rest."""
        kt_adapter.check_consecutive_failures(self, skip=self.zoo_ended_before)


HYPERBAND_STATE = "Hyperband's brackets (which trial continues which)"


class GridOracle(ServedOracleMixin, PruningOracleMixin, _SafeStateMixin, kt.Oracle):
    """Every configuration of the grid exactly once, in a fixed order; resumable and parallel-safe.

    A configuration counts as taken when a trial starts with it (Keras Tuner records it in the
    oracle's saved state); a started trial that was interrupted is retried with its own id.
    """

    def __init__(self, space: Space, objective: kt.Objective, max_trials: int | None = None,
                 **kwargs: Any):
        kwargs.setdefault("hyperparameters", space.hyperparameters())
        kwargs.setdefault("allow_new_entries", False)
        kwargs.setdefault("tune_new_entries", False)
        super().__init__(objective=objective, max_trials=max_trials or space.grid_size, **kwargs)
        self._grid = space.grid()

    def populate_space(self, trial_id):
        for values in self._grid:
            if not kt_adapter.is_duplicate(self, values):
                return {"status": TrialStatus.RUNNING, "values": dict(values)}
        if kt_adapter.ongoing(self):
            return {"status": TrialStatus.IDLE, "values": None}
        return {"status": TrialStatus.STOPPED, "values": None}


class RandomOracle(ServedOracleMixin, PruningOracleMixin, _SafeStateMixin,
                   kt.oracles.RandomSearchOracle):
    """Keras Tuner's random search (seeded, resumable) with safe state files."""


class BayesianOracle(ServedOracleMixin, PruningOracleMixin, _SafeStateMixin,
                     kt.oracles.BayesianOptimizationOracle):
    """Keras Tuner's Gaussian-process Bayesian optimisation with safe state files."""


class _CappedHyperband:
    """Hyperband with a ``max_trials`` cap (Keras Tuner's takes none: its brackets set the
    count), through the base oracle's own check; and what only its state file holds. It goes
    before :class:`_SafeStateMixin` in the bases, whose ``zoo_kept_only_in_state`` it sets."""

    zoo_kept_only_in_state = HYPERBAND_STATE

    def __init__(self, *args: Any, max_trials: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_trials = max_trials


class HyperbandOracle(ServedOracleMixin, _CappedHyperband, _SafeStateMixin,
                      kt_adapter.ShortSpaceHyperband, kt.oracles.HyperbandOracle):
    """Keras Tuner's Hyperband with safe state files (trials pass weights between brackets).

    Keras Tuner's Hyperband takes no ``max_trials`` (its brackets set the count from
    ``max_epochs`` and ``factor``); here ``max_trials`` caps it, through the base oracle's own
    check.

    A space with fewer configurations than a bracket's first round (4 configurations, where
    ``epochs=27`` asks for 27 at 1 epoch) ran out in that round, and Keras Tuner then stopped:
    every trial had 1 epoch, the "best" model too. Here the round ends at the size it reached
    and successive halving goes on from there (round sizes scaled down alike, see
    :class:`~keras_zoo.tuning.oracles.kt_adapter.ShortSpaceHyperband`), so the best configuration is
    trained to ``max_epochs``; a warning says so and names the grid search, which trains every
    configuration fully.
    """


class Strategy:
    """How a search picks its trials: subclass it to add a search strategy.

    A strategy owns everything that differs between strategies: the Keras Tuner oracle it makes
    (:meth:`oracle_class` and :meth:`oracle_arguments`), how many trials it expects
    (:meth:`expected_trials`), whether it takes a pruner (:attr:`prunes`), whether ranges need a
    step (:attr:`enumerates`) and what it keeps for resume (:attr:`kept_only_in_state`). The
    search makes the oracle safe (atomic state files, reloads reconciled with the result files,
    served to worker processes, pruning) by adding this package's mixins to
    :meth:`oracle_class` in the order they need; a new strategy writes only its oracle, on Keras
    Tuner's public API (``Oracle.populate_space``).

    The oracle lives in the search's own process (worker processes and machines ask it for
    trials), so a strategy defined in a script or a test file works with ``workers=`` and
    ``serve=``; a resumed search needs the same strategy (its :meth:`describe` is part of the
    search's identity in ``search.json``).

    Example:
        >>> import keras_tuner as kt
        >>> class FirstValues(Strategy):
        ...     name = "first_values"          # recorded in search.json, default directory
        ...     def oracle_class(self):
        ...         return kt.oracles.RandomSearchOracle
        >>> FirstValues().describe()
        'first_values'
    """

    name: ClassVar[str] = ""
    """The strategy's name: in ``search.json``, the default directory and the progress lines."""
    enumerates: ClassVar[bool] = False
    """Whether the oracle walks a finite grid: then every range needs a ``step``."""
    prunes: ClassVar[bool] = True
    """Whether a ``pruner`` may stop its trials early (Hyperband has its own schedule)."""
    no_pruner_reason: ClassVar[str] = "it takes no pruner"
    """Why it takes no pruner (when :attr:`prunes` is ``False``), in the refusal's message."""
    kept_only_in_state: ClassVar[str | None] = None
    """What only the oracle's ``oracle.json`` holds, which the result files cannot rebuild
    (``None``: a damaged state file is rebuilt from the results). Then a damaged
    ``oracle.json`` stops a resume with a message naming the file and this."""
    default_trials: ClassVar[int | None] = 10
    """Trials run when ``max_trials`` is not given (``None``: the oracle decides)."""

    def oracle_class(self) -> type[kt.Oracle]:
        """The Keras Tuner oracle class (a subclass of ``keras_tuner.Oracle``)."""
        raise NotImplementedError(f"{type(self).__name__} must define oracle_class()")

    def oracle_arguments(self, space: Space, *, max_trials: int | None,
                         max_epochs: int) -> dict[str, Any]:
        """The oracle's constructor arguments besides those every oracle takes (``objective``,
        ``hyperparameters``, ``seed``, ``max_consecutive_failed_trials``, and
        ``allow_new_entries=False, tune_new_entries=False``). Default: ``max_trials``."""
        return {"max_trials": self.expected_trials(max_trials, space)}

    def expected_trials(self, max_trials: int | None, space: Space) -> int | None:
        """How many trials the search runs (``None``: not known in advance); the progress
        lines count to it."""
        return max_trials or self.default_trials

    def settings(self) -> dict[str, Any]:
        """The strategy's own settings (a dataclass's fields by default): recorded in
        ``search.json`` when they differ from the defaults."""
        if not dataclasses.is_dataclass(self):
            return {}
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) != f.default}

    def describe(self) -> str:
        """``name``, with the settings that differ from the defaults: ``"hyperband(factor=2)"``."""
        changed = self.settings()
        if not changed:
            return self.name
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def check_pruner(self, pruner: Pruner | None, given: Any = None) -> None:
        """Refuse a pruner when the strategy takes none (``given``: what the user passed, for
        the message; default the pruner's name).

        Raises:
            InputValueError: A pruner, with a strategy that takes none.
        """
        if pruner is None or self.prunes:
            return
        others = [n if n != "bayesian" else "Bayesian" for n, s in STRATEGIES.items() if s.prunes]
        listed = f"{', '.join(others[:-1])} or {others[-1]}" if len(others) > 1 else others[0]
        raise InputValueError(
            f"`pruner` cannot be combined with strategy={self.name!r}: {self.no_pruner_reason}. "
            f"Use pruner=None with it, or a pruner with {listed} search. "
            f"Received: pruner={pruner.name if given is None else given!r}, "
            f"strategy={self.name!r}")

    def make_oracle(self, space: Space, objective: kt.Objective, *, max_trials: int | None,
                    seed: int | None, max_epochs: int, max_consecutive_failures: int,
                    pruner: Pruner | None = None) -> kt.Oracle:
        """The strategy's oracle, made safe (see the class docstring), knowing ``space`` (a
        reload rebuilds trials from it) and stopping trials when ``pruner`` says so.

        Raises:
            InputValueError: A pruner with a strategy that takes none.
        """
        self.check_pruner(pruner)
        base = self.oracle_class()
        arguments = self.oracle_arguments(space, max_trials=max_trials, max_epochs=max_epochs)
        try:
            oracle = safe_oracle_class(base)(
                objective=objective, seed=seed, hyperparameters=space.hyperparameters(),
                allow_new_entries=False, tune_new_entries=False,
                max_consecutive_failed_trials=max_consecutive_failures, **arguments)
        except TypeError as err:  # a strategy of one's own whose oracle takes other arguments
            raise InputTypeError(
                f"strategy={self.name!r}: its oracle {base.__name__} cannot be made with "
                f"oracle_arguments() {sorted(arguments)} and the arguments every oracle takes "
                f"(objective, hyperparameters, seed, max_consecutive_failed_trials, "
                f"allow_new_entries, tune_new_entries): {err}") from err
        if pruner is not None and not isinstance(oracle, PruningOracleMixin):
            raise InputValueError(f"strategy={self.name!r}: its oracle {base.__name__} is a "
                                  "Hyperband oracle, which cannot prune; set prunes = False. "
                                  f"Received: pruner={pruner.name!r}")
        oracle.zoo_space = space
        if self.kept_only_in_state is not None:
            oracle.zoo_kept_only_in_state = self.kept_only_in_state
        if self.prunes:
            oracle.pruner = pruner
        return oracle


@dataclasses.dataclass(frozen=True)
class GridStrategy(Strategy):
    """Every configuration exactly once, in a fixed order (``strategy="grid"``): ranges need a
    ``step``; ``max_trials`` (default: the whole grid) stops it early."""

    name: ClassVar[str] = "grid"
    enumerates: ClassVar[bool] = True
    default_trials: ClassVar[int | None] = None

    def oracle_class(self) -> type[kt.Oracle]:
        return GridOracle

    def oracle_arguments(self, space: Space, *, max_trials: int | None,
                         max_epochs: int) -> dict[str, Any]:
        return {"space": space, "max_trials": max_trials}

    def expected_trials(self, max_trials: int | None, space: Space) -> int | None:
        return min(max_trials or space.grid_size, space.grid_size)


@dataclasses.dataclass(frozen=True)
class RandomStrategy(Strategy):
    """Seeded random sampling (``strategy="random"``); ``max_trials`` defaults to 10."""

    name: ClassVar[str] = "random"

    def oracle_class(self) -> type[kt.Oracle]:
        return RandomOracle


@dataclasses.dataclass(frozen=True)
class BayesianStrategy(Strategy):
    """Keras Tuner's Gaussian-process Bayesian optimisation (``strategy="bayesian"``);
    ``max_trials`` defaults to 10.

    Args:
        num_initial_points: Random trials before the Gaussian process leads (``None``: Keras
            Tuner's default, 3 per searched keyword).
        alpha: The noise the Gaussian process assumes in the scores.
        beta: How much it explores (larger: more).
    """

    name: ClassVar[str] = "bayesian"
    num_initial_points: int | None = None
    alpha: float = 1e-4
    beta: float = 2.6

    def __post_init__(self) -> None:
        points = self.num_initial_points
        if points is not None and (not isinstance(points, int) or isinstance(points, bool)
                                   or points < 1):
            raise InputValueError("BayesianStrategy: `num_initial_points` must be an integer "
                                  f">= 1 or None. Received: num_initial_points={points!r}")
        for name, least in (("alpha", 0.0), ("beta", 0.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not value > least and not (name == "beta" and value == 0):
                raise InputValueError(f"BayesianStrategy: `{name}` must be a number > 0"
                                      + (" (or 0)" if name == "beta" else "")
                                      + f". Received: {name}={value!r}")

    def oracle_class(self) -> type[kt.Oracle]:
        return BayesianOracle

    def oracle_arguments(self, space: Space, *, max_trials: int | None,
                         max_epochs: int) -> dict[str, Any]:
        return {"max_trials": self.expected_trials(max_trials, space),
                "num_initial_points": self.num_initial_points, "alpha": self.alpha,
                "beta": self.beta}


@dataclasses.dataclass(frozen=True)
class HyperbandStrategy(Strategy):
    """Keras Tuner's Hyperband (``strategy="hyperband"``): brackets of trials trained for
    ``epochs / factor**k`` epochs, the best ``1 / factor`` of each round trained on; the
    brackets set the number of trials and ``max_trials`` caps it. Takes no pruner.

    Args:
        factor: The reduction factor between rounds (an integer >= 2; default 3).
    """

    name: ClassVar[str] = "hyperband"
    prunes: ClassVar[bool] = False
    no_pruner_reason: ClassVar[str] = ("Hyperband already stops trials early by its own schedule "
                                       "of epochs")
    kept_only_in_state: ClassVar[str | None] = HYPERBAND_STATE
    default_trials: ClassVar[int | None] = None
    factor: int = 3

    def __post_init__(self) -> None:
        if not isinstance(self.factor, int) or isinstance(self.factor, bool) or self.factor < 2:
            raise InputValueError("HyperbandStrategy: `factor` must be an integer >= 2. "
                                  f"Received: factor={self.factor!r}")

    def oracle_class(self) -> type[kt.Oracle]:
        return HyperbandOracle

    def oracle_arguments(self, space: Space, *, max_trials: int | None,
                         max_epochs: int) -> dict[str, Any]:
        return {"max_epochs": max_epochs, "factor": self.factor, "max_trials": max_trials}


STRATEGIES: dict[str, type[Strategy]] = {
    s.name: s for s in (GridStrategy, RandomStrategy, BayesianStrategy, HyperbandStrategy)}
"""The built-in strategies by name: ``strategy="grid"`` is ``GridStrategy()``."""


def resolve_strategy(strategy: Any) -> Strategy:
    """A :class:`Strategy` for ``strategy``: a built-in name (``"grid"``, ``"random"``,
    ``"bayesian"``, ``"hyperband"``) or a :class:`Strategy` instance, used as it is.

    Raises:
        InputValueError: An unknown name (with the closest known one), a value that is neither
            a name nor a :class:`Strategy`, or a strategy without a name.
        InputTypeError: A :class:`Strategy` class instead of an instance.
    """
    if isinstance(strategy, Strategy):
        if not isinstance(strategy.name, str) or not strategy.name:
            raise InputValueError(f"{type(strategy).__name__} needs a `name` (a class attribute, "
                                  "e.g. name = 'my_strategy'): search.json records it. "
                                  f"Received: name={strategy.name!r}")
        return strategy
    if isinstance(strategy, str):
        if strategy in STRATEGIES:
            return STRATEGIES[strategy]()
        hint = closest(strategy, STRATEGIES)
        raise InputValueError(f"`strategy` must be one of {', '.join(map(repr, STRATEGIES))}, "
                              "or a keras_zoo.tuning.Strategy."
                              + (f" Did you mean {hint!r}?" if hint else "")
                              + f" Received: strategy={strategy!r}")
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        raise InputTypeError(f"`strategy` must be a Strategy instance, not the class: "
                             f"strategy={strategy.__name__}(). Received: {strategy!r}")
    raise InputValueError(f"`strategy` must be one of {', '.join(map(repr, STRATEGIES))}, or a "
                          f"keras_zoo.tuning.Strategy. Received: strategy={strategy!r}")


_SAFE: dict[type, type] = {}


def safe_oracle_class(base: type[kt.Oracle]) -> type[kt.Oracle]:
    """``base`` with this package's mixins, in the order they need: served to worker processes
    (:class:`~keras_zoo.tuning.oracles.chief.ServedOracleMixin`), pruning
    (:class:`~keras_zoo.tuning.oracles.pruning.PruningOracleMixin`; not for Hyperband), safe
    state files (:class:`_SafeStateMixin`), then ``base``. The built-in oracles are returned as
    they are; a class is made once per base.

    Raises:
        InputTypeError: ``base`` is not a Keras Tuner oracle class.
    """
    if not (isinstance(base, type) and issubclass(base, kt.Oracle)):
        raise InputTypeError("Strategy.oracle_class() must return a keras_tuner.Oracle subclass. "
                             f"Received: {base!r}")
    if issubclass(base, _SafeStateMixin):
        return base
    if base not in _SAFE:
        mixins: tuple[type, ...] = (ServedOracleMixin, PruningOracleMixin, _SafeStateMixin)
        if issubclass(base, kt.oracles.HyperbandOracle):  # its own schedule: no pruning
            mixins = (ServedOracleMixin, _CappedHyperband, _SafeStateMixin,
                      kt_adapter.ShortSpaceHyperband)
        _SAFE[base] = type(f"Safe{base.__name__}", (*mixins, base),
                           {"__module__": base.__module__, "__doc__": base.__doc__})
    return _SAFE[base]


def make_oracle(strategy: str | Strategy, space: Space, objective: kt.Objective, *,
                max_trials: int | None, seed: int | None, max_epochs: int,
                max_consecutive_failures: int, pruner: Pruner | None = None) -> kt.Oracle:
    """The oracle of ``strategy`` (a name or a :class:`Strategy`), knowing ``space`` (a reload
    rebuilds trials from it), stopping trials early when ``pruner``
    (:mod:`~keras_zoo.tuning.oracles.pruning`) says so.

    Raises:
        InputValueError: An unknown strategy, or a pruner with Hyperband.
    """
    return resolve_strategy(strategy).make_oracle(
        space, objective, max_trials=max_trials, seed=seed, max_epochs=max_epochs,
        max_consecutive_failures=max_consecutive_failures, pruner=make_pruner(pruner))
