"""Text data: text classification, parallel corpora, generated sequence tasks, Keras' downloadable text sets (issue: the recurrent family)."""

from __future__ import annotations

__all__: list[str] = []
