"""The one rule for numbers shown to a person: the CLI's tables and a search's progress lines.

:func:`format_number` keeps 4 significant digits (``0.9649``, ``2.237e-05``, ``123.5``) rather
than 4 decimals, which print a learning rate of ``2.2e-05`` as ``0.0000``; integers, and floats
that hold one (``20.0``), print as integers (``20``); magnitudes from ``1e4`` to ``1e15`` print
in full, rounded to an integer (``12346``, not ``1.235e+04``). :func:`format_value` applies it
inside tuples and lists (``(0.5, 2.2e-05)``) and leaves anything else as ``str()`` has it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["SIGNIFICANT_DIGITS", "format_number", "format_value"]

SIGNIFICANT_DIGITS = 4
"""Significant digits of a non-integer number."""

_FULL = 1e15
"""Below this magnitude, a float that holds an integer, or one of 5 or more integer digits,
prints without an exponent."""


def format_number(value: numbers.Real, digits: int = SIGNIFICANT_DIGITS) -> str:
    """``value`` with ``digits`` significant digits; integers as integers; ``nan``, ``inf``.

    Example:
        >>> [format_number(v) for v in (2.2366903722394796e-05, 0.96491, 20.0, 7, 12345.6)]
        ['2.237e-05', '0.9649', '20', '7', '12346']
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if abs(number) < _FULL and number.is_integer():
        return str(int(number))
    text = f"{number:.{digits}g}"
    if "e+" in text and abs(number) < _FULL:  # 12345.6 (or 9999.9): every integer digit
        return str(round(number))
    return text


def format_value(value: Any) -> str:
    """A value as text: numbers by :func:`format_number`, tuples and lists element by element
    (as tuples: ``(64, 32)``), anything else as ``str()`` has it."""
    if isinstance(value, numbers.Real):
        return format_number(value)
    if isinstance(value, (tuple, list)):
        items = [format_value(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    return str(value)
