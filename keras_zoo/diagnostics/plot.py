"""The Diagnosis figure: gradients by depth, dead and saturated units, gradients through time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def plot_diagnosis(diagnosis: Any, path: str | Path | None = None):
    """Draw ``diagnosis`` on a new matplotlib ``Figure`` (no pyplot state: safe in scripts,
    workers and notebooks, where a returned Figure displays itself); save a PNG to ``path``."""
    from matplotlib.figure import Figure

    time = diagnosis.time_gradients
    panels = 3 if time is not None else 2
    fig = Figure(figsize=(5.0 * panels, 3.8), layout="constrained")
    axes = fig.subplots(1, panels)
    layers = diagnosis.layers
    kernels = layers[layers["has_kernel"]]
    ax = axes[0]
    epochs = sorted(kernels["epoch"].unique())
    for i, epoch in enumerate(epochs):
        rows = kernels[kernels["epoch"] == epoch]
        shade = 0.25 + 0.75 * (i + 1) / len(epochs)
        ax.plot(rows["depth"], rows["grad_norm"].clip(lower=1e-30), marker="o",
                color=(0.12, 0.35, 0.7, shade), label=f"epoch {epoch}" if
                i in (0, len(epochs) - 1) else None)
    ax.set_yscale("log")
    ax.set_xlabel("layer depth (1 = next to the input)")
    ax.set_ylabel("gradient norm (kernel)")
    ax.set_title("Gradient by depth")
    ax.legend(fontsize=8)
    last = diagnosis.last_epoch()
    ax = axes[1]
    positions = np.arange(len(last))
    ax.bar(positions - 0.2, last["dead_fraction"].fillna(0), width=0.4, label="dead",
           color="tab:red")
    ax.bar(positions + 0.2, last["saturated_fraction"].fillna(0), width=0.4, label="saturated",
           color="tab:orange")
    ax.set_xticks(positions, [f"{n}\n{a}" for n, a in zip(last["layer"], last["activation"])],
                  fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("fraction of units")
    ax.set_title(f"Dead and saturated units (epoch {int(last['epoch'].iloc[0])})")
    ax.legend(fontsize=8)
    if time is not None:
        ax = axes[2]
        final = time[time["epoch"] == time["epoch"].max()]
        ax.plot(final["distance"], final["grad_norm"].clip(lower=1e-30), marker=".")
        ax.set_yscale("log")
        ax.set_xlabel("time steps before the last token")
        ax.set_ylabel("gradient norm (step input)")
        ax.set_title("Gradient through time")
    if diagnosis.codes:
        fig.suptitle("findings: " + ", ".join(diagnosis.codes), fontsize=9)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    return fig
