"""Checking what ``search()`` is given, before anything runs.

Resolves the model, data and objective, checks the options and the space against the factory's
signature, builds the :class:`~keras_zoo.tuning.trial.job.TrialJob`, and builds the model with each
axis's extreme and representative values (:func:`preflight`: a bounded number of models, however
large the grid), so a bad spec fails with a clear message before the first trial, and before the
search directory is touched.
"""

from __future__ import annotations

import inspect
import logging
import math
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import keras_tuner as kt
import numpy as np

from keras_zoo.base import check_seed, closest, positive_int
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.datasets.core import Dataset
from keras_zoo.tuning.oracles.strategies import Strategy, resolve_strategy
from keras_zoo.tuning.ranking import infer_direction, resolve_tie_breaker
from keras_zoo.tuning.space import FIT_KEYS, FIT_SETTINGS, Axis, Space, jsonable
from keras_zoo.tuning.trial.job import TrialJob, class_weight_by_name, class_weight_for
from keras_zoo.zoo import registry, training

log = logging.getLogger(__name__)

KEEP_MODELS = ("best", "all", "none")


def check_options(*, keep_models: Any, batch_size: Any = None, **counts: Any) -> None:
    """The trial options that need no data: ``keep_models``, ``batch_size`` (``None`` or an
    integer >= 1) and the counts given as keywords (``epochs=20, patience=10 ...``), each an
    integer >= 1. (The search's own settings are checked by
    :meth:`SearchSettings.checked <keras_zoo.tuning.settings.SearchSettings>`.)"""
    if batch_size is not None:  # caught here, not by every trial failing
        positive_int("batch_size", batch_size, allow_none=True)
    if keep_models not in KEEP_MODELS:
        raise InputValueError("`keep_models` must be 'best', 'all' or 'none'. "
                              f"Received: keep_models={keep_models!r}")
    for key, value in counts.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise InputValueError(f"`{key}` must be an integer >= 1. Received: {key}={value!r}")


def resolve_factory(model: str | Callable[..., Any]) -> tuple[str, Callable[..., Any]]:
    """A registered name or a factory -> (display name, factory)."""
    if isinstance(model, str):
        info = registry.model_info(model)
        return info.name, info.factory
    if callable(model):
        for name in registry.list_models():
            if registry.model_info(name).factory is model:
                return name, model
        return f"{model.__module__}:{model.__qualname__}", model
    raise InputTypeError("`model` must be a registered model name or a factory function. "
                         f"Received: {model!r}")


def resolve_data(data: Dataset | str, seed: int | None) -> Dataset:
    """A Dataset or a dataset name -> a Dataset with a validation split."""
    if isinstance(data, str):
        from keras_zoo.datasets import load

        data = load(data, seed=seed if seed is not None else 0)
    if not isinstance(data, Dataset):
        raise InputTypeError("`data` must be a keras_zoo Dataset or a dataset name (see "
                             "keras_zoo.datasets.list_datasets()). "
                             f"Received: {type(data).__name__}")
    if len(data.y_val) == 0:
        raise InputValueError(f"The dataset {data.name!r} has no validation split; trials are "
                              "scored on it, so load it with val_size > 0. "
                              f"Received: {len(data.y_val)} validation samples")
    return data


def resolve_objective(objective: Any, data: Dataset) -> tuple[str, str]:
    """The objective -> (metric name, ``"max"`` | ``"min"``); the default follows the task."""
    if objective is None:
        if data.task == "seq2seq":  # whole sequences right, not tokens
            return "val_sequence_accuracy", "max"
        return ("val_accuracy", "max") if data.task != "regression" else ("val_loss", "min")
    if isinstance(objective, kt.Objective):
        return objective.name, objective.direction
    if isinstance(objective, (tuple, list)) and len(objective) == 2:
        name, direction = objective
        if direction not in ("max", "min"):
            raise InputValueError("The objective's direction must be 'max' or 'min'. "
                                  f"Received: {direction!r}")
        return str(name), direction
    if isinstance(objective, str):
        return objective, infer_direction(objective)
    raise InputTypeError("`objective` must be a metric name, (name, 'max'|'min') or a "
                         f"keras_tuner.Objective. Received: {objective!r}")


# === The space against the factory ===

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
                + f" Accepted: {', '.join(accepted)}. Received: {key!r}"
            )


def _check_fit_values(space: Space, fixed: Mapping[str, Any], data: Dataset) -> None:
    weights = space.axes.get("class_weight")
    for value in (weights.values if weights is not None and weights.kind == "choice" else
                  [fixed.get("class_weight")]):
        where = "space['class_weight']" if weights is not None else "class_weight"
        class_weight_for(value, data, where)
    if weights is not None and weights.kind != "choice":
        raise InputValueError("space['class_weight'] is a choice of values ('balanced', a dict, "
                              "None), not a range.")
    for key in FIT_SETTINGS:
        axis = space.axes.get(key)
        if axis is not None:  # a choice's every value, a continuous range's bounds
            values = list(axis.values) if axis.kind == "choice" else [axis.low, axis.high]
        else:
            values = [fixed[key]] if key in fixed else []
        for value in values:
            ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1
            if not ok and not (key == "batch_size" and value is None):
                raise InputValueError(f"space[{key!r}]: values must be positive integers. "
                                      f"Received: {value!r}")


def build_job(model: str | Callable[..., Any], data: Dataset | str, space: Mapping[str, Any], *,
              strategy: str | Strategy, objective: Any, epochs: int, batch_size: int | None, patience: int,
              early_stopping: bool, executions_per_trial: int, seed: int | None,
              keep_models: str, fixed: Mapping[str, Any], tie_breaker: Any = "auto"
              ) -> tuple[TrialJob, dict[str, Any]]:
    """Resolve and check everything a trial needs.

    Returns the job and the factory keywords the user fixed (the space's fixed values and
    ``**fixed``; the data-implied ones are in ``job.fixed`` only). Fit keywords held fixed
    (``epochs``, ``batch_size``, ``patience``) override the arguments of the same name.
    """
    check_seed(seed)
    name, factory = resolve_factory(model)
    data = resolve_data(data, seed)
    strategy = resolve_strategy(strategy)
    parsed = Space.parse(space, strategy.name, enumerates=strategy.enumerates)
    both = set(parsed.axes) & set(fixed)
    if both:
        raise InputValueError("A keyword is either searched (in the space) or fixed (a keyword "
                              f"argument), not both. Received both: {sorted(both)}")
    fixed_all = {**parsed.fixed, **fixed}
    _check_keys(name, factory, list(parsed.axes), "space")
    _check_keys(name, factory, list(fixed_all), "fixed")
    _check_fit_values(parsed, fixed_all, data)
    if "class_weight" in fixed_all:  # by class name: unambiguous in JSON and on the wire
        fixed_all["class_weight"] = class_weight_by_name(fixed_all["class_weight"], data)
    fit_fixed = {k: fixed_all.pop(k) for k in list(fixed_all) if k in FIT_SETTINGS}
    axes = Space(parsed.axes, {})
    data_kwargs = {k: v for k, v in data.model_kwargs(factory).items()
                   if k not in axes.axes and k not in fixed_all}
    objective_name, direction = resolve_objective(objective, data)
    job = TrialJob(model_name=name, factory=factory, space=axes,
                   fixed={**data_kwargs, **fixed_all}, data=data, objective=objective_name,
                   direction=direction, epochs=int(fit_fixed.get("epochs", epochs)),
                   batch_size=fit_fixed.get("batch_size", batch_size),
                   patience=int(fit_fixed.get("patience", patience)),
                   early_stopping=early_stopping, executions_per_trial=executions_per_trial,
                   seed=seed, keep_models=keep_models,
                   tie_breaker=resolve_tie_breaker(tie_breaker, objective_name))
    return job, fixed_all


# === Building before running ===

PREFLIGHT_ALL = 10
"""A choice of up to this many values is built with each of them before the first trial."""

PREFLIGHT_ANNOUNCE_AFTER = 1.0
"""Seconds after which the pre-flight check says what it is doing."""


def preflight_values(axis: Axis) -> list[Any]:
    """The values of ``axis`` :func:`preflight` builds besides its first (which the first
    configuration holds): every value of a choice of up to :data:`PREFLIGHT_ALL`; of a longer
    one (a stepped range, a long list) the last and three evenly spaced between; of a continuous
    range its maximum and middle. At most ``PREFLIGHT_ALL - 1`` values, however large the axis.
    """
    if axis.kind == "range":
        if axis.sampling == "log":
            middle = math.sqrt(axis.low * axis.high)
        else:
            middle = (axis.low + axis.high) / 2
        middle = int(round(middle)) if axis.integer else middle
        return [axis.high] + ([middle] if axis.low < middle < axis.high else [])
    values = axis.values
    if len(values) <= PREFLIGHT_ALL:
        return list(values[1:])
    last = len(values) - 1
    return [values[i] for i in sorted({round(last * k / 4) for k in range(1, 5)})]


def preflight(job: TrialJob, *, verbose: int = 1, stream: Any = None) -> None:
    """Fail before the first trial: build the first configuration, then each axis's extreme
    and representative values (:func:`preflight_values`, one axis at a time), and check that
    the objective is a metric the model logs.

    The work is bounded whatever the size of the grid (``0:0.9:0.0001`` builds 5 models, not
    9,001). When it takes longer than :data:`PREFLIGHT_ANNOUNCE_AFTER` seconds it says so, once,
    on ``stream`` (stderr; with ``verbose=0`` in the log only). The factory's own error (which
    names what it received) ends each message.
    """
    plan = [(axis.name, value) for axis in job.space.axes.values() if axis.name not in FIT_KEYS
            for value in preflight_values(axis)]
    notice = (f"checking the space before the first trial: building {job.model_name}() with "
              f"the first configuration and each axis's extreme values ({1 + len(plan)} models)")
    timer = threading.Timer(PREFLIGHT_ANNOUNCE_AFTER, _announce,
                            (notice, verbose, stream or sys.stderr))
    timer.daemon = True
    timer.start()
    try:
        _preflight(job, plan)
    finally:
        timer.cancel()
        keras.backend.clear_session(free_memory=False)


def _announce(notice: str, verbose: int, stream: Any) -> None:
    log.info(notice)
    if verbose:
        stream.write(notice + " ...\n")
        stream.flush()


def _preflight(job: TrialJob, plan: list[tuple[str, Any]]) -> None:
    name = job.model_name
    first = job.space.first()
    keras.backend.clear_session(free_memory=False)
    try:
        model = job.build(first, job.seed)
    except Exception as err:
        fixed = ", ".join(sorted(k for k in job.fixed)) or "none"
        raise InputValueError(
            f"{name}() cannot be built with the first configuration {jsonable(first)} and the "
            f"fixed arguments ({fixed}): {type(err).__name__}: {err}"
        ) from err
    n = min(2, len(job.data.y_val))
    try:
        training.build_training_state(model, (job.data.x_val[:n], job.data.y_val[:n], None))
    except Exception as err:
        raise InputValueError(f"{name}() builds, but its loss or metrics fail on the validation "
                              f"data: {type(err).__name__}: {err}") from err
    _check_objective(job, model)
    for key, value in plan:
        keras.backend.clear_session(free_memory=False)
        try:
            job.build({**first, key: value}, job.seed)
        except Exception as err:
            raise InputValueError(
                f"space[{key!r}] = {value!r} is rejected by {name}(): "
                f"{type(err).__name__}: {err}"
            ) from err


def _check_objective(job: TrialJob, model: keras.Model) -> None:
    """The objective and the tie-breaker are metrics the model logs."""
    logged = list(model.get_metrics_result())
    names = {*(f"val_{k}" for k in logged), *logged}
    wanted = [("objective", job.objective)]
    if job.tie_breaker is not None:
        wanted.append(("tie_breaker", job.tie_breaker[0]))
    for what, metric in wanted:
        if metric not in names:
            hint = closest(metric, names)
            raise InputValueError(
                f"{what} {metric!r} is not a metric this model logs."
                + (f" Did you mean {hint!r}?" if hint else "")
                + f" Available: {', '.join(sorted(names))}. Received: {what}={metric!r}"
            )
