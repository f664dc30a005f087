"""``Diagnosis``: a Monitor's records as tables, findings, a text summary and a plot."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from keras_zoo.diagnostics import findings as rules
from keras_zoo.diagnostics.findings import Finding
from keras_zoo.diagnostics.probe import STATS

COLUMNS = ("epoch", "layer", "depth", "kind", "activation", "units", "is_output", "has_kernel",
           "grad_norm",
           "bias_grad_norm", "weight_norm", "update_ratio", "step_update_ratio",
           "dead_fraction", "saturated_fraction", "symmetric_fraction", "activation_mean",
           "activation_std")
SYMMETRY_TOLERANCE = 1e-6  # relative: two units whose weight projections agree this closely


def symmetric_fraction(projection: np.ndarray) -> float:
    """Fraction of units whose weights equal another unit's, from a random projection of each
    unit's weight vector (equal vectors give equal projections; distinct ones almost never do)."""
    p = np.sort(np.asarray(projection, dtype=float))
    if p.size < 2 or not np.all(np.isfinite(p)):
        return float("nan") if p.size >= 2 else 0.0
    close = np.isclose(p[1:], p[:-1], rtol=SYMMETRY_TOLERANCE, atol=1e-12)
    shared = np.zeros(p.size, bool)
    shared[1:] |= close
    shared[:-1] |= close
    return float(shared.mean())


def _clipping(model: Any) -> str | None:
    optimizer = getattr(model, "optimizer", None)
    for name in ("global_clipnorm", "clipnorm", "clipvalue"):
        value = getattr(optimizer, name, None)
        if value:
            return f"{name}={value:g}"
    return None


@dataclass
class Diagnosis:
    """What a :class:`Monitor` measured, and what it means.

    Attributes:
        layers: One row per (recorded epoch, layer): the columns of ``COLUMNS``.
        findings: The problems found, worst first (see ``keras_zoo.diagnostics.findings``).
        time_gradients: For a recurrent model with an embedding: the gradient norm of the loss
            with respect to each time step's input, by distance from the last real token
            (columns ``epoch``, ``distance``, ``grad_norm``, ``samples``); ``None`` otherwise.
        losses: The training loss of every epoch.
        notes: What could not be measured, and why.
    """

    layers: pd.DataFrame
    findings: list[Finding]
    time_gradients: pd.DataFrame | None = None
    losses: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_monitor(cls, monitor: Any) -> Diagnosis:
        frame = _layer_table(monitor)
        time = _time_table(monitor.records)
        notes = []
        if not monitor._probe.has_activations:
            notes.append(f"{type(monitor.model).__name__} has no layer graph (a subclassed "
                         "model): activations, dead and saturated units are not measured.")
        if monitor.restored:
            notes.append("early stopping restored an earlier epoch's weights: the last record "
                         "describes the restored model")
        if monitor.every == "end":
            notes.append("recorded once, at the end of training: the update ratio is not measured")
        recurrent = next((r for r in monitor.rows if r.recurrent), None)
        found = (rules.non_finite_findings(frame, monitor.losses)
                 + rules.gradient_findings(frame, _clipping(monitor.model))
                 + rules.unit_findings(frame) + rules.update_findings(frame)
                 + rules.time_findings(time, recurrent and recurrent.name,
                                       recurrent and _cell(recurrent.layer)))
        found.sort(key=lambda f: rules.SEVERITIES.index(f.severity))
        return cls(frame, found, time, list(monitor.losses), notes)

    # === Reading it ===

    @property
    def codes(self) -> list[str]:
        """The finding codes, each once, in order of the findings."""
        return list(dict.fromkeys(f.code for f in self.findings))

    def last_epoch(self) -> pd.DataFrame:
        """The per-layer table of the last recorded epoch."""
        return self.layers[self.layers["epoch"] == self.layers["epoch"].max()].reset_index(
            drop=True)

    def scores(self) -> dict[str, Any]:
        """The figures a search's leaderboard shows for a trial: ``grad_ratio`` (first over last
        layer's gradient norm), ``dead_fraction`` and ``saturated_fraction`` (over the hidden
        units that can die or saturate) and ``findings`` (the codes, comma-separated)."""
        last = self.last_epoch()
        kernels = last[last["has_kernel"]]
        ratio = float("nan")
        if len(kernels) >= 2 and kernels["grad_norm"].iloc[-1] > 0:
            ratio = float(kernels["grad_norm"].iloc[0] / kernels["grad_norm"].iloc[-1])
        hidden = last[~last["is_output"]]
        return {"grad_ratio": ratio,
                "dead_fraction": _unit_mean(hidden, "dead_fraction"),
                "saturated_fraction": _unit_mean(hidden, "saturated_fraction"),
                "findings": ",".join(self.codes)}

    def summary(self) -> str:
        """A short text table: one line per finding (or a line saying there is none)."""
        lines = [f"{'severity':8}  {'code':24}  {'layer':16}  message"]
        for f in self.findings:
            lines.append(f"{f.severity:8}  {f.code:24}  {f.layer or '-':16}  {f.message}")
            lines.append(f"{'':8}  {'':24}  {'':16}  cure: {f.advice}")
        if not self.findings:
            lines.append("no finding: gradients, units and updates look healthy")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        epochs = self.layers["epoch"].nunique()
        return (f"Diagnosis({epochs} recorded epoch(s), {self.layers['layer'].nunique()} layers, "
                f"findings={self.codes})")

    def to_csv(self, path: str | Path) -> list[Path]:
        """Write the per-layer table to ``path`` and, for a recurrent model, the time gradients
        to ``<path stem>_time.csv`` beside it; return the paths written."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.layers.to_csv(path, index=False)
        written = [path]
        if self.time_gradients is not None:
            written.append(path.with_name(path.stem + "_time.csv"))
            self.time_gradients.to_csv(written[-1], index=False)
        return written

    def plot(self, path: str | Path | None = None):
        """Gradient norm by layer depth (one line per recorded epoch, log scale), dead and
        saturated fractions by layer, and for a recurrent model the gradient by time step.
        Returns the matplotlib ``Figure``; writes a PNG when ``path`` is given."""
        from keras_zoo.diagnostics.plot import plot_diagnosis

        return plot_diagnosis(self, path)


def _cell(layer: Any) -> str:
    """The recurrent cell's kind: ``SimpleRNN``, ``LSTM``, ``GRU`` (through ``Bidirectional``)."""
    return type(getattr(layer, "forward_layer", layer)).__name__


def _unit_mean(rows: pd.DataFrame, column: str) -> float:
    measured = rows.dropna(subset=[column])
    if measured.empty:
        return float("nan")
    return float(np.average(measured[column], weights=measured["units"].clip(lower=1)))


def _layer_table(monitor: Any) -> pd.DataFrame:
    records = []
    col = {name: i for i, name in enumerate(STATS)}
    for rec in monitor.records:
        steps = rec["steps"]
        for i, row in enumerate(monitor.rows):
            t = rec["table"][i]
            weight = float(t[col["weight_norm"]])
            update = float(t[col["update_ratio"]])
            dead = float(t[col["dead_fraction"]])
            records.append({
                "epoch": rec["epoch"], "layer": row.name, "depth": row.depth,
                "kind": row.kind, "activation": row.activation or "linear",
                "units": int(getattr(row.layer, "units", None) or row.kernel.shape[-1]),
                "is_output": row.is_output, "has_kernel": row.has_kernel,
                "grad_norm": float(t[col["grad_norm"]]),
                "bias_grad_norm": float(t[col["bias_grad_norm"]]), "weight_norm": weight,
                "update_ratio": update,
                "step_update_ratio": update / steps if steps else float("nan"),
                "dead_fraction": dead,
                "saturated_fraction": float(t[col["saturated_fraction"]]),
                "symmetric_fraction": symmetric_fraction(rec["projections"][i]),
                "activation_mean": float(t[col["activation_mean"]]),
                "activation_std": float(t[col["activation_std"]])})
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))


def _time_table(records: list[dict]) -> pd.DataFrame | None:
    frames = []
    for rec in records:
        if rec.get("time") is None:
            continue
        grads, ids = np.asarray(rec["time"], float), np.asarray(rec["ids"])
        real = ids != 0 if rec.get("mask_zero") and ids.ndim == 2 \
            else np.ones_like(grads, bool)
        positions = np.arange(grads.shape[1])
        last = np.where(real.any(axis=1), (real * positions).max(axis=1), grads.shape[1] - 1)
        distance = last[:, None] - positions[None, :]
        keep = real & (distance >= 0)
        frame = pd.DataFrame({"distance": distance[keep], "grad_norm": grads[keep]})
        frame = frame.groupby("distance")["grad_norm"].agg(["mean", "size"]).reset_index()
        frame.columns = ["distance", "grad_norm", "samples"]
        frame.insert(0, "epoch", rec["epoch"])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else None
