"""The rules that turn a Monitor's records into findings, and the course's cure for each.

Every threshold is a module constant with the reason beside it; the findings are read on the last
recorded epoch (the model as it stands) unless a rule says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# --- Thresholds ---
VANISHING_RATIO = 1e-2
"""First layer's kernel gradient norm over the last layer's below this: vanishing gradients.
Each sigmoid layer scales the backward signal by at most 0.25, so 8 sigmoid layers give ~1e-4;
ReLU + He keeps the ratio near 1 (0.1-10 measured on digits)."""
EXPLODING_RATIO = 1e2
"""First layer's gradient norm over the last layer's above this: gradients grow with depth."""
EXPLODING_NORM = 1e3
"""Any layer's kernel gradient norm above this: exploding (a healthy mean-loss gradient is
O(0.01-10) per layer; 1e3 means a single step of learning rate 1e-3 moves a weight by ~1)."""
EXPLODING_GROWTH = 1e2
"""The largest gradient norm growing this many times from the first recorded epoch to the last."""
DEAD_FRACTION = 0.5
"""A hidden ReLU-family layer with more than half its units dead (zero on every probe sample)."""
SATURATED_FRACTION = 0.5
"""A hidden sigmoid/tanh layer with more than half its units saturated."""
SYMMETRIC_FRACTION = 0.5
"""A hidden layer in which more than half the units share their weights with another unit."""
UPDATE_RATIO_HIGH = 3e-2
"""Per-step update ratio above this, on any recorded epoch: thirty times the ~1e-3 rule of thumb.
The per-step figure is the epoch's change over the weights it started from, divided by the
epoch's steps: an average, and a lower bound when steps partly cancel, hence a bound below 1e-1.
A learning rate too high shows in the first epochs (later the weights have grown to match it)."""
UPDATE_RATIO_LOW = 1e-6
"""Per-step update ratio below this: a thousand times under the rule of thumb. The per-step figure
is the epoch's change divided by its steps, a lower bound when steps partly cancel, hence the
margin below 1e-3."""
VANISHING_TIME_RATIO = 1e-2
"""Gradient at the farthest time steps over the gradient at the last step below this: the
recurrent layer cannot learn from the start of the sequence."""
TIME_TAIL = 0.1
"""The "farthest time steps": the last 10% of distances (at least one), averaged."""

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One problem the Monitor measured.

    Attributes:
        code: A stable identifier (``vanishing_gradients``, ``dead_units``, ...).
        layer: The layer it is about (``None`` for the whole model).
        severity: ``"error"`` (training is broken), ``"warning"`` or ``"info"`` (a measurement
            worth knowing that may be fine, e.g. an LSTM not using distant steps).
        message: What was measured, with the figure and the threshold.
        advice: The cure, naming the zoo keyword that applies it.
    """

    code: str
    layer: str | None
    severity: str
    message: str
    advice: str


ADVICE = {
    "vanishing_gradients": "use ReLU + He initialization in hidden layers: activation='relu', "
                           "initializer='he_normal' (or batch_norm=True)",
    "exploding_gradients": "clip gradients: global_clipnorm=1.0; and scale the initialization "
                           "to the layer: initializer='he_normal' (or batch_norm=True)",
    "dead_units": "use leaky ReLU: activation='leaky_relu' (or a smaller learning_rate, "
                  "initializer='he_normal')",
    "saturated_units": "use ReLU in hidden layers (activation='relu', initializer='he_normal') "
                       "or normalize them: batch_norm=True",
    "symmetric_units": "break the symmetry with a random initializer: initializer='he_normal' "
                       "(ReLU) or 'glorot_uniform' (sigmoid, tanh)",
    "update_ratio_high": "lower the learning rate: learning_rate=<a tenth of it>",
    "update_ratio_low": "raise the learning rate: learning_rate=<ten times it>",
    "non_finite": "lower learning_rate and clip gradients: global_clipnorm=1.0",
    "vanishing_through_time": "use a gated recurrent layer: kz.zoo.lstm or kz.zoo.gru instead of "
                              "simple_rnn",
    "vanishing_through_time_gated": "if the task needs distant steps: train longer, or read the "
                                    "sequence both ways (bidirectional=True)",
}


def _finite(v: float) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and math.isfinite(v)


def _kernel_rows(last: pd.DataFrame) -> pd.DataFrame:
    """The rows with a weight matrix (not batch or layer normalization's scales)."""
    return last[last["has_kernel"].astype(bool)]


def gradient_findings(layers: pd.DataFrame, clipping: str | None) -> list[Finding]:
    """``vanishing_gradients`` and ``exploding_gradients`` on the last recorded epoch."""
    last = _kernel_rows(layers[layers["epoch"] == layers["epoch"].max()])
    if len(last) < 2:
        return []
    first, final = last.iloc[0], last.iloc[-1]
    norms = last["grad_norm"].to_numpy(dtype=float)
    if not np.all(np.isfinite(norms)):
        return []  # non_finite says it
    found = []
    if not final["grad_norm"] > 0:
        return []  # no gradient reaches even the last layer: dead or symmetric units say why
    ratio = first["grad_norm"] / final["grad_norm"]
    if ratio < VANISHING_RATIO:
        found.append(Finding(
            "vanishing_gradients", first["layer"], "warning",
            f"the first layer's gradient norm is {ratio:.1e} of the last layer's "
            f"(threshold {VANISHING_RATIO:g}): the early layers barely learn",
            ADVICE["vanishing_gradients"]))
    growth = _growth(layers)
    reasons = []
    if ratio > EXPLODING_RATIO:
        reasons.append(f"the first layer's gradient norm is {ratio:.1e} times the last layer's "
                       f"(threshold {EXPLODING_RATIO:g})")
    if norms.max() > EXPLODING_NORM:
        reasons.append(f"the largest gradient norm is {norms.max():.2e} "
                       f"(threshold {EXPLODING_NORM:g})")
    if growth > EXPLODING_GROWTH:
        reasons.append(f"the largest gradient norm grew {growth:.1e} times over training")
    if reasons:
        worst = last.iloc[int(np.argmax(norms))]["layer"]
        if clipping:
            found.append(Finding(
                "exploding_gradients", worst, "warning",
                "; ".join(reasons) + f"; clipping ({clipping}) bounds each step, so training "
                "stays finite, but the gradients themselves are still too large",
                "scale the initialization to the layer: initializer='he_normal' "
                "(or batch_norm=True)"))
        else:
            found.append(Finding("exploding_gradients", worst, "error", "; ".join(reasons),
                                 ADVICE["exploding_gradients"]))
    return found


def _growth(layers: pd.DataFrame) -> float:
    by_epoch = _kernel_rows(layers).groupby("epoch")["grad_norm"].max()
    if len(by_epoch) < 2 or not by_epoch.iloc[0] > 0:
        return 1.0
    return float(by_epoch.iloc[-1] / by_epoch.iloc[0])


def unit_findings(layers: pd.DataFrame) -> list[Finding]:
    """``dead_units``, ``saturated_units`` and ``symmetric_units`` in hidden layers whose
    weights and gradients are finite: units computed from NaN weights say nothing about the
    units (a ReLU of NaN is 0 on some CPUs and NaN on others), and ``non_finite`` reports the
    layer."""
    last = layers[(layers["epoch"] == layers["epoch"].max()) & ~layers["is_output"]]
    last = last[np.isfinite(last[["grad_norm", "weight_norm"]].to_numpy(dtype=float)).all(axis=1)]
    found = []
    for _, row in last.iterrows():
        if row["dead_fraction"] > DEAD_FRACTION:
            found.append(Finding(
                "dead_units", row["layer"], "warning",
                f"{row['dead_fraction']:.0%} of the units ({row['activation']}) output zero on "
                f"every probe sample (threshold {DEAD_FRACTION:.0%}); they no longer learn",
                ADVICE["dead_units"]))
        if row["saturated_fraction"] > SATURATED_FRACTION:
            found.append(Finding(
                "saturated_units", row["layer"], "warning",
                f"{row['saturated_fraction']:.0%} of the units ({row['activation']}) sit at an "
                f"asymptote on most probe samples (threshold {SATURATED_FRACTION:.0%}), where "
                "their gradient is near zero", ADVICE["saturated_units"]))
        if row["symmetric_fraction"] > SYMMETRIC_FRACTION and row["units"] > 1 \
                and row["has_kernel"]:  # normalization scales all start at 1: not symmetry
            found.append(Finding(
                "symmetric_units", row["layer"], "warning",
                f"{row['symmetric_fraction']:.0%} of the units have the same weights as another "
                f"unit (threshold {SYMMETRIC_FRACTION:.0%}): they compute the same thing and "
                "get the same updates, so they never differ", ADVICE["symmetric_units"]))
    return found


def update_findings(layers: pd.DataFrame) -> list[Finding]:
    """``update_ratio``: the median per-step update ratio over the layers, far from ~1e-3 (too
    high on any recorded epoch, or too low on the last)."""
    measured = layers.dropna(subset=["step_update_ratio"])
    measured = measured[measured["step_update_ratio"] > 0]  # no update at all: no gradient,
    #                                                         which other findings explain
    if measured.empty:
        return []
    by_epoch = measured.groupby("epoch")["step_update_ratio"].median()
    high, low = float(by_epoch.max()), float(by_epoch.iloc[-1])
    message = ("each step changes the weights by {:.1e} of their norm (median over layers, "
               "epoch {}; rule of thumb ~1e-3, threshold {:g})")
    if high > UPDATE_RATIO_HIGH:
        return [Finding("update_ratio", None, "warning",
                        message.format(high, int(by_epoch.idxmax()), UPDATE_RATIO_HIGH),
                        ADVICE["update_ratio_high"])]
    if low < UPDATE_RATIO_LOW:
        return [Finding("update_ratio", None, "warning",
                        message.format(low, int(by_epoch.index[-1]), UPDATE_RATIO_LOW),
                        ADVICE["update_ratio_low"])]
    return []


def non_finite_findings(layers: pd.DataFrame, losses: list[float]) -> list[Finding]:
    """``non_finite``: a NaN or infinite loss, weight or gradient."""
    bad_loss = [i + 1 for i, v in enumerate(losses) if not _finite(float(v))]
    cols = ["grad_norm", "weight_norm"]
    values = layers[cols].to_numpy(dtype=float)
    bad = layers[~np.isfinite(values).all(axis=1)]
    if not bad_loss and bad.empty:
        return []
    where = []
    if bad_loss:
        where.append(f"the loss from epoch {bad_loss[0]}")
    if not bad.empty:
        where.append(f"the weights or gradients of {bad['layer'].iloc[0]!r} from epoch "
                     f"{int(bad['epoch'].iloc[0])}")
    return [Finding("non_finite", None if bad.empty else bad["layer"].iloc[0], "error",
                    " and ".join(where) + " are NaN or infinite: training diverged",
                    ADVICE["non_finite"])]


def time_findings(time_gradients: pd.DataFrame | None, layer: str | None,
                  cell: str | None = None) -> list[Finding]:
    """``vanishing_through_time``: the gradient reaching the first steps, against the last.

    For a plain recurrent layer the cure is a gated one. A gated layer (LSTM, GRU) decides
    itself how far back its gradient reaches and opens its gates when the task needs distant
    steps, so for one the finding is informational: it may simply not need them (yet)."""
    ratio = time_ratio(time_gradients)
    if ratio is None or not ratio < VANISHING_TIME_RATIO:
        return []
    measured = (f"the gradient reaching the farthest time steps is {ratio:.1e} of the gradient "
                f"at the last step (threshold {VANISHING_TIME_RATIO:g})")
    if cell in ("LSTM", "GRU"):
        return [Finding("vanishing_through_time", layer, "info",
                        measured + f": this {cell} barely uses the start of its sequences; its "
                        "gates learn to reach further when the task needs it",
                        ADVICE["vanishing_through_time_gated"])]
    return [Finding("vanishing_through_time", layer, "warning",
                    measured + ": the model cannot learn from the start of its sequences",
                    ADVICE["vanishing_through_time"])]


def time_ratio(time_gradients: pd.DataFrame | None) -> float | None:
    """Mean gradient over the farthest ``TIME_TAIL`` of distances over the gradient at distance
    0, on the last recorded epoch; ``None`` without time gradients."""
    if time_gradients is None or time_gradients.empty:
        return None
    last = time_gradients[time_gradients["epoch"] == time_gradients["epoch"].max()]
    last = last.sort_values("distance")
    near = float(last["grad_norm"].iloc[0])
    tail = max(1, int(round(len(last) * TIME_TAIL)))
    far = float(last["grad_norm"].iloc[-tail:].mean())
    if not near > 0:
        return None
    return far / near
