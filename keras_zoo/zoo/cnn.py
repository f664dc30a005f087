"""The convolutional family (issue: the CNN family)."""

from __future__ import annotations

__all__: list[str] = []
