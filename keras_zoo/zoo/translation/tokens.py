"""Seq2Seq's special tokens and ids, and the text check the model's methods share."""

from __future__ import annotations

from typing import Any

import numpy as np

START = "[START]"
END = "[END]"
PAD_ID, OOV_ID, START_ID, END_ID = 0, 1, 2, 3


def is_text(x: Any) -> bool:
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, (list, tuple)):
        return bool(x) and isinstance(x[0], (str, bytes))
    dtype = getattr(x, "dtype", None)
    if isinstance(dtype, np.dtype):
        return dtype.kind in "OUS"
    return dtype is not None and "string" in str(dtype)
