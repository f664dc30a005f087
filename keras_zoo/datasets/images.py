"""Image data: digits as images, image folders, Keras' downloadable image sets (issue: the CNN family)."""

from __future__ import annotations

__all__: list[str] = []
