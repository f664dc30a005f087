"""How trials compare: the objective, then a tie-breaker (issue 23 item 3).

A small validation split saturates accuracy-like objectives: on breast_cancer's 57 validation
rows most configurations reach ``val_accuracy`` 1.0, and the first of the tied trials used to
win, whatever its validation loss. The leaderboard's order, the best trial, the model
``keep_models="best"`` keeps and a trial's restored epoch all follow one :class:`Ranking`: the
objective first, then the tie-breaker (by default the validation loss, unless the objective is
a loss), then the trial's number. Keras Tuner's own choices still use the objective alone:
which trials Hyperband promotes to its next round, and what the Bayesian oracle models. The same rule picks a trial's best
epoch (its early stopping restores that epoch's weights, see
:class:`keras_zoo.zoo.callbacks.TieBreakingEarlyStopping`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from keras_zoo.base.errors import InputTypeError, InputValueError

if TYPE_CHECKING:
    from keras_zoo.tuning.schema import TrialRecord

_MAXIMIZE = ("accuracy", "acc", "auc", "precision", "recall", "f1", "fbeta", "r2", "iou",
             "score", "exact_match", "bleu")
_MINIMIZE = ("loss", "error", "mae", "mse", "rmse", "mape", "msle", "hinge", "crossentropy",
             "divergence", "poisson", "cosh", "huber")


def infer_direction(objective: str) -> str:
    """``"max"`` for accuracy-like metrics (accuracy, auc, precision, recall, f1, r2 ...),
    ``"min"`` for losses and errors; :class:`~keras_zoo.base.errors.InputValueError` when the
    name says neither.

    Keras Tuner infers ``val_f1_score`` and ``val_r2_score`` as "min"; this does not.
    """
    name = objective.lower()
    name = name.removeprefix("val_")
    if any(token in name for token in _MINIMIZE):
        return "min"
    if any(token in name for token in _MAXIMIZE):
        return "max"
    raise InputValueError(
        f"Cannot tell whether to maximise or minimise {objective!r}; pass "
        f"objective=({objective!r}, 'max') or ({objective!r}, 'min'). "
        f"Received: objective={objective!r}"
    )


DEFAULT_TIE_BREAKER = ("val_loss", "min")
"""The tie-breaker of ``tie_breaker="auto"`` when the objective is not itself a loss."""


def resolve_tie_breaker(tie_breaker: Any, objective: str) -> tuple[str, str] | None:
    """``search(tie_breaker=...)`` -> ``(metric, "max"|"min")`` or ``None`` (ties keep trial
    order).

    ``"auto"``: the validation loss, unless the objective is ``val_loss`` or ``loss`` (then no
    tie-breaker); a metric name (its direction inferred as the objective's is); ``(name,
    "max"|"min")``; ``None``.
    """
    if tie_breaker is None:
        return None
    if isinstance(tie_breaker, str) and tie_breaker == "auto":
        return None if objective in ("val_loss", "loss") else DEFAULT_TIE_BREAKER
    if isinstance(tie_breaker, str):
        name = tie_breaker
        try:
            way = infer_direction(name)
        except InputValueError:
            raise InputValueError(
                f"Cannot tell whether a larger or a smaller {name!r} is better; pass "
                f"tie_breaker=({name!r}, 'max') or ({name!r}, 'min') (--tie-breaker "
                f"{name}:max). Received: tie_breaker={name!r}") from None
    elif isinstance(tie_breaker, (tuple, list)) and len(tie_breaker) == 2:
        name, way = tie_breaker
        if not isinstance(name, str) or way not in ("max", "min"):
            raise InputValueError("`tie_breaker` as a pair is (metric name, 'max'|'min'). "
                                  f"Received: tie_breaker={tie_breaker!r}")
    else:
        raise InputTypeError("`tie_breaker` must be 'auto', a metric name, (name, 'max'|'min') "
                             f"or None. Received: tie_breaker={tie_breaker!r}")
    if name == objective:
        raise InputValueError(f"`tie_breaker` must be another metric than the objective "
                              f"{objective!r} (ties are equal on it). Received: "
                              f"tie_breaker={tie_breaker!r}")
    return name, way


def _part(value: Any, direction: str) -> float:
    """One component of a sort key: smaller is better; missing or NaN sorts last."""
    if value is None or isinstance(value, bool):
        return math.inf
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.inf
    if math.isnan(number):
        return math.inf
    return -number if direction == "max" else number


@dataclasses.dataclass(frozen=True)
class Ranking:
    """The order of trials (and of a trial's epochs): best first.

    Attributes:
        direction: The objective's, ``"max"`` or ``"min"``.
        tie_breaker: ``(metric, "max"|"min")`` deciding between equal objectives, or ``None``.
    """

    direction: str
    tie_breaker: tuple[str, str] | None = None

    def key(self, score: Any, tie: Any = None) -> tuple[float, float]:
        """A sort key, smaller first: the objective, then the tie-breaker's value."""
        second = _part(tie, self.tie_breaker[1]) if self.tie_breaker else 0.0
        return _part(score, self.direction), second

    def tie_value(self, metrics: Mapping[str, Any] | None) -> Any:
        """The tie-breaker's value among ``metrics`` (``None`` without one)."""
        if not self.tie_breaker or not metrics:
            return None
        return metrics.get(self.tie_breaker[0])

    def record_key(self, record: TrialRecord) -> tuple[float, float]:
        """The key of a trial's result record (its score and its metrics at the scored epoch)."""
        metrics = record.metrics if isinstance(record.metrics, Mapping) else None
        return self.key(record.score, self.tie_value(metrics))

    def better(self, a: tuple[Any, Any], b: tuple[Any, Any] | None) -> bool:
        """Whether ``a`` = ``(score, tie value)`` ranks strictly before ``b`` (``None``, or a
        missing score, loses to any score)."""
        first = self.key(*a)
        if math.isinf(first[0]):
            return False
        return b is None or first < self.key(*b)

    def best_epoch(self, history: Mapping[str, Any], objective: str) -> int:
        """The first epoch of ``history`` that ranks best (objective, then tie-breaker)."""
        values = list(history[objective])
        ties = list(history.get(self.tie_breaker[0], [])) if self.tie_breaker else []
        keys = [self.key(v, ties[i] if i < len(ties) else None) for i, v in enumerate(values)]
        return min(range(len(keys)), key=keys.__getitem__)
