"""The tables of numbers the ``keras-zoo`` commands print (a search's leaderboard, a trained
model's metrics, a diagnosis's layers): :func:`table`, over
:func:`~keras_zoo.cli.listing.text_table`.

Its own module so that every command module can print one without importing :mod:`keras_zoo.cli.app`
(which imports them).
"""

from __future__ import annotations

from typing import Any

from keras_zoo.base.formatting import format_value
from keras_zoo.cli.listing import text_table


def cell(value: Any) -> str:
    """A table cell: numbers as :func:`~keras_zoo.base.formatting.format_value` writes them (4
    significant digits, integers as integers: the rule of a search's progress lines), a missing
    value (``None``, NaN, pandas' ``NA``) as ``-``."""
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA:
        return "-"
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return "-"
    return format_value(value)


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """``rows`` as aligned ``columns``, each value a :func:`cell`."""
    return text_table(rows, columns, cell)
