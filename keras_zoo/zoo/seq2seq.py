"""Encoder-decoder Seq2Seq with attention (issue: recurrent text models)."""

from __future__ import annotations

__all__: list[str] = []
