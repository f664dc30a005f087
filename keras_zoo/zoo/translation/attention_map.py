"""The attention weights of one translation, with a heatmap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AttentionMap"]


@dataclass
class AttentionMap:
    """Attention weights of one translation.

    Attributes:
        source_tokens: The source text's tokens (columns).
        output_tokens: The generated tokens, ``[END]`` included when it was produced (rows).
        weights: ``(len(output_tokens), len(source_tokens))``; each row sums to 1.
        translation: The decoded text.
    """

    source_tokens: list[str]
    output_tokens: list[str]
    weights: np.ndarray
    translation: str

    def plot(self, ax=None, cmap: str = "viridis"):
        """A heatmap of the weights (outputs down, source across); returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(max(3.0, 0.35 * len(self.source_tokens) + 1),
                                          max(2.5, 0.35 * len(self.output_tokens) + 1)))
        ax.imshow(self.weights, cmap=cmap, aspect="auto", vmin=0.0, vmax=1.0)
        show = (lambda t: "␣" if t == " " else t)
        ax.set_xticks(range(len(self.source_tokens)), [show(t) for t in self.source_tokens],
                      rotation=90)
        ax.set_yticks(range(len(self.output_tokens)), [show(t) for t in self.output_tokens])
        ax.set_xlabel("source")
        ax.set_ylabel("output")
        return ax
