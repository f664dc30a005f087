"""The recurrent family (issue: recurrent text models)."""

from __future__ import annotations

__all__: list[str] = []
