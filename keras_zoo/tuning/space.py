"""Search spaces: what users write -> Keras Tuner hyperparameters, and back.

A space maps a factory keyword (``activation``, ``hidden_units`` ...) or a fit keyword
(``batch_size``, ``epochs``, ``patience``) to

* a list of values (a choice): ``{"activation": ["relu", "elu"]}``. Values Keras Tuner cannot hold
  (tuples such as ``hidden_units=(64, 32)``, dicts, ``None``, mixed types) are accepted: they are
  stored under readable labels (``"(64, 32)"``) and decoded before the factory sees them;
* a range: ``{"min": 1e-4, "max": 1e-1, "sampling": "log"}`` or ``{"min": 0.0, "max": 0.5,
  "step": 0.1}``. With a ``step`` the range is expanded here into its exact values, maximum
  included and rounded to the step's precision (Keras Tuner's own float steps drop the maximum and
  give values such as 0.6000000000000001); with ``sampling: log`` the step multiplies
  (``{"min": 1e-4, "max": 1e-1, "step": 10, "sampling": "log"}`` -> 1e-4, 1e-3, 1e-2, 1e-1),
  at most :data:`MAX_RANGE_VALUES` values.
  Grid search needs a step (or a list); random, Bayesian and Hyperband search sample ranges without
  one continuously (``sampling``: ``linear`` or ``log``);
* a single value (anything but a list or a range dict, so a tuple too): held fixed.

A list is always a choice and a tuple always one value: ``{"hidden_units": [(64, 32), (32,)]}``
searches two architectures, ``{"hidden_units": (64, 32)}`` fixes one. Lists nested in a choice
(as YAML and JSON write tuples) become tuples.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import keras
import keras_tuner as kt

from keras_zoo.base.errors import InputValueError

FIT_SETTINGS = ("batch_size", "epochs", "patience")
"""Fit keys that are also ``search()`` settings of the same name (a fixed one overrides it)."""
FIT_KEYS = (*FIT_SETTINGS, "class_weight")
"""Keys that go to training rather than to the factory (``class_weight``: ``"balanced"``, a
dict ``{class: weight}`` keyed by class ids or the dataset's class names, or ``None``)."""

_PRIMITIVES = (bool, int, float, str)


def _label(value: Any) -> str:
    return repr(value)


@dataclass
class Axis:
    """One searched keyword.

    Attributes:
        name: The keyword.
        kind: ``"choice"`` (values listed or a range with a step) or ``"range"`` (a continuous
            range sampled by the strategy).
        values: The values of a choice (decoded, as the factory receives them).
        low, high, sampling, integer: A continuous range.
        encoded: Whether the choice is stored in Keras Tuner under string labels.
    """

    name: str
    kind: str
    values: list[Any] = field(default_factory=list)
    low: float | None = None
    high: float | None = None
    sampling: str = "linear"
    integer: bool = False
    encoded: bool = False

    @property
    def labels(self) -> list[Any]:
        return [_label(v) for v in self.values] if self.encoded else list(self.values)

    def declare(self, hp: kt.HyperParameters) -> Any:
        """Register this axis on ``hp`` and return the value Keras Tuner gives for it."""
        if self.kind == "range":
            if self.integer:
                return hp.Int(self.name, int(self.low), int(self.high), sampling=self.sampling)
            return hp.Float(self.name, float(self.low), float(self.high), sampling=self.sampling)
        ordered = not self.encoded and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                           for v in self.values)
        return hp.Choice(self.name, self.labels, ordered=ordered)

    def decode(self, value: Any) -> Any:
        if self.kind == "choice" and self.encoded:
            return self.values[self.labels.index(value)]
        if self.kind == "range" and self.integer:
            return int(value)
        return value

    def describe(self) -> Any:
        """JSON-friendly description (for the search's fingerprint and the CLI)."""
        if self.kind == "range":
            return {"min": self.low, "max": self.high, "sampling": self.sampling,
                    "integer": self.integer}
        return [jsonable(v) for v in self.values]


def jsonable(value: Any) -> Any:
    """What JSON keeps of a value, in the form JSON reads back: primitives and ``None`` as they
    are, tuples as lists, mapping keys as strings, anything else (a function, an array, a Keras
    object) as its ``repr``. Specs compare in this form, so a reread ``search.json`` matches.

    (``keras.tree.map_structure`` keeps tuples and keys as they are, so it cannot do this.)
    """
    if isinstance(value, _PRIMITIVES) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return repr(value)


def _decimals(x: float) -> int:
    exponent = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


MAX_RANGE_VALUES = 10_000
"""The most values a stepped range may expand to. Keras Tuner writes every value of a choice into
the search's state and each trial's ``trial.json``, so an axis of 900,000 values (``0:0.9:1e-6``)
would write megabytes per trial; a range that fine is a continuous range (no ``step``)."""


def _steps(name: str, low: Any, high: Any, step: Any, steps: float) -> int:
    """The number of steps of a stepped range; refuses more than :data:`MAX_RANGE_VALUES`
    values, before they are expanded."""
    n = math.floor(steps + 1e-9) if math.isfinite(steps) else None
    if n is not None and n + 1 <= MAX_RANGE_VALUES:
        return n
    count = f"{n + 1:,}" if n is not None else "too many"
    raise InputValueError(
        f"space[{name!r}]: min={low!r}, max={high!r}, step={step!r} gives {count} values; a "
        f"stepped range may have at most {MAX_RANGE_VALUES:,}. Use a larger step, or drop the "
        f"step so that random, Bayesian or Hyperband search samples the range continuously. "
        f"Received: step={step!r}")


def expand_range(name: str, low: Any, high: Any, step: Any, sampling: str) -> list[Any]:
    """The exact values of a stepped range, maximum included when the steps land on it (at most
    :data:`MAX_RANGE_VALUES`)."""
    integer = all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high, step))
    if sampling == "log":
        if step <= 1:
            raise InputValueError(f"space[{name!r}]: a log range's step multiplies and must be "
                                  f"> 1. Received: step={step!r}")
        n = _steps(name, low, high, step, math.log(high / low) / math.log(step))
        values = [low * step**i for i in range(n + 1)]
        digits = max(_decimals(low), 0) + n * max(_decimals(step), 0)
        values = [int(round(v)) if integer else float(f"{v:.{min(digits + 6, 15)}g}") for v in values]
        return values
    if step <= 0:
        raise InputValueError(f"space[{name!r}]: `step` must be positive. Received: step={step!r}")
    n = _steps(name, low, high, step, (high - low) / step)
    if integer:
        return [low + i * step for i in range(n + 1)]
    digits = max(_decimals(low), _decimals(step))
    return [round(low + i * step, digits) for i in range(n + 1)]


def _parse_axis(name: str, spec: Any, enumerated_by: str | None) -> Axis | None:
    """A user's spec for one key -> an Axis (None for a fixed value); ``enumerated_by``: the
    name of the strategy that walks a grid (``None``: ranges are sampled)."""
    if isinstance(spec, Mapping):
        return _parse_range(name, spec, enumerated_by)
    if isinstance(spec, list):
        return _parse_choice(name, spec)
    return None  # a single fixed value


def _check_range(name: str, spec: Mapping[str, Any]) -> None:
    unknown = set(spec) - {"min", "max", "step", "sampling"}
    if unknown or "min" not in spec or "max" not in spec:
        raise InputValueError(
            f"space[{name!r}]: a range is {{'min': ..., 'max': ..., 'step': ... (optional), "
            f"'sampling': 'linear' | 'log' (optional)}}. Received: {dict(spec)!r}"
        )
    for key in ("min", "max", "step"):
        v = spec.get(key)
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
            raise InputValueError(f"space[{name!r}]: `{key}` must be a number. "
                                  f"Received: {key}={v!r}")
    low, high, sampling = spec["min"], spec["max"], spec.get("sampling", "linear")
    if sampling not in ("linear", "log"):
        raise InputValueError(f"space[{name!r}]: `sampling` must be 'linear' or 'log'. "
                              f"Received: sampling={sampling!r}")
    if low > high:
        raise InputValueError(f"space[{name!r}]: min > max ({low} > {high}); a range needs "
                              f"min <= max. Received: min={low!r}, max={high!r}")
    if sampling == "log" and low <= 0:
        raise InputValueError(f"space[{name!r}]: a log range needs min > 0. Received: min={low!r}")


def _parse_range(name: str, spec: Mapping[str, Any], enumerated_by: str | None) -> Axis:
    _check_range(name, spec)
    low, high = spec["min"], spec["max"]
    step, sampling = spec.get("step"), spec.get("sampling", "linear")
    if step is not None:
        return Axis(name, "choice", expand_range(name, low, high, step, sampling))
    if enumerated_by is not None:
        raise InputValueError(
            f"space[{name!r}]: {enumerated_by} search enumerates values, so a range needs a `step` "
            f"(e.g. {{'min': {low}, 'max': {high}, 'step': ...}}) or give a list of values. "
            f"Received: {dict(spec)!r}"
        )
    integer = isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool)
    return Axis(name, "range", low=low, high=high, sampling=sampling, integer=integer)


def _parse_choice(name: str, spec: list[Any]) -> Axis:
    values = as_tuple_values(spec)
    if not values:
        raise InputValueError(f"space[{name!r}] is an empty list: give at least one value. "
                              "Received: []")
    seen = []
    for v in values:
        if v in seen:
            raise InputValueError(f"space[{name!r}] lists {v!r} twice; each value once. "
                                  f"Received: {values!r}")
        seen.append(v)
    types = {type(v) for v in values}
    encoded = not (len(types) == 1 and types.pop() in _PRIMITIVES)
    if encoded and len({_label(v) for v in values}) != len(values):
        raise InputValueError(f"space[{name!r}]: values must have distinct representations. "
                              f"Received: {values!r}")
    return Axis(name, "choice", values, encoded=encoded)


@dataclass
class Space:
    """A parsed search space: the axes and the fixed keywords.

    Example:
        >>> space = Space.parse({"activation": ["relu", "elu"], "hidden_units": [(64, 32), (32,)],
        ...                      "dropout": {"min": 0.0, "max": 0.3, "step": 0.1}}, "grid")
        >>> space.grid_size
        16
        >>> space.axes["dropout"].values
        [0.0, 0.1, 0.2, 0.3]
    """

    axes: dict[str, Axis]
    fixed: dict[str, Any]

    @classmethod
    def parse(cls, space: Mapping[str, Any], strategy: str, *,
              enumerates: bool | None = None) -> Space:
        """Parse a user's space for ``strategy`` (its name, in messages); ``enumerates``
        (default: ``strategy == "grid"``) says whether the strategy walks a finite grid, so
        that every range needs a ``step``.

        Raises:
            InputValueError: A spec that is not a space (the message names the key).
        """
        if enumerates is None:
            enumerates = strategy == "grid"
        if not isinstance(space, Mapping):
            raise InputValueError("`space` must be a dict of keyword -> list of values, range or "
                                  f"fixed value. Received: {type(space).__name__}")
        axes: dict[str, Axis] = {}
        fixed: dict[str, Any] = {}
        for name, spec in space.items():
            if not isinstance(name, str) or not name:
                raise InputValueError("space keys must be keyword names (non-empty strings). "
                                      f"Received: {name!r}")
            axis = _parse_axis(name, spec, strategy if enumerates else None)
            if axis is None:
                fixed[name] = spec
            else:
                axes[name] = axis
        return cls(axes, fixed)

    @property
    def grid_size(self) -> int | None:
        """Number of configurations, or None when a continuous range makes it infinite."""
        if any(a.kind == "range" for a in self.axes.values()):
            return None
        return math.prod(len(a.values) for a in self.axes.values()) if self.axes else 1

    def grid(self) -> Grid:
        """Every configuration as Keras Tuner values (labels), in a fixed order: a
        :class:`Grid`, which computes each one when asked, so a grid of millions costs nothing
        until it is walked."""
        if self.grid_size is None:
            ranges = [n for n, a in self.axes.items() if a.kind == "range"]
            raise InputValueError("A continuous range has no grid; give it a `step`. "
                                  f"Received: continuous ranges {ranges}")
        return Grid({name: axis.labels for name, axis in self.axes.items()})

    def hyperparameters(self) -> kt.HyperParameters:
        hp = kt.HyperParameters()
        for axis in self.axes.values():
            axis.declare(hp)
        return hp

    def decode(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Keras Tuner values -> the keywords the factory and fit receive (fixed ones included)."""
        out = dict(self.fixed)
        for name, axis in self.axes.items():
            if name in values:
                out[name] = axis.decode(values[name])
        return out

    def describe(self) -> dict[str, Any]:
        return {"axes": {n: a.describe() for n, a in self.axes.items()},
                "fixed": {k: jsonable(v) for k, v in self.fixed.items()}}

    def first(self) -> dict[str, Any]:
        """The first configuration (decoded): every axis at its first value or lower bound."""
        return self.decode({n: (a.labels[0] if a.kind == "choice" else a.low)
                            for n, a in self.axes.items()})


class Grid(Sequence):
    """The configurations of a grid, in ``itertools.product`` order (the last axis varies
    fastest), computed on demand: ``len(grid)``, ``grid[i]`` and iteration, without a list of
    every configuration.

    Args:
        labels: Axis name -> its Keras Tuner values, in order.
    """

    def __init__(self, labels: Mapping[str, Sequence[Any]]):
        self._names = list(labels)
        self._labels = [list(values) for values in labels.values()]

    def __len__(self) -> int:
        return math.prod(len(values) for values in self._labels)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"grid index out of range ({n} configurations)")
        combo = []
        for values in reversed(self._labels):
            index, position = divmod(index, len(values))
            combo.append(values[position])
        return dict(zip(self._names, reversed(combo)))

    def __iter__(self):
        for combo in itertools.product(*self._labels):
            yield dict(zip(self._names, combo))


def as_tuple_values(values: Sequence[Any]) -> list[Any]:
    """Lists inside a choice (from YAML/JSON, which have no tuples) become tuples, as Python
    factories expect: ``[[64, 32], [32]]`` -> ``[(64, 32), (32,)]``."""
    return [keras.tree.lists_to_tuples(v) for v in values]
