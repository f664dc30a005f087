"""``keras-zoo diagnose MODEL --dataset NAME``: train a model a few epochs with a
:class:`~keras_zoo.diagnostics.Monitor` and print what it found (vanishing or exploding
gradients, dead or saturated units, update ratios ...), with the cure for each; and the
formatting of the diagnostic columns ``tune --diagnostics`` prints."""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

LAYER_COLUMNS = ("layer", "kind", "activation", "grad_norm", "weight_norm", "update_ratio",
                 "dead_fraction", "saturated_fraction")
"""The per-layer columns ``diagnose`` prints (the CSV holds every column)."""
_FRACTIONS = ("dead_fraction", "saturated_fraction")
_SCIENTIFIC = ("grad_norm", "weight_norm", "update_ratio", "grad_ratio")



def cmd_diagnose(args: argparse.Namespace) -> int:
    from keras_zoo import diagnostics
    from keras_zoo.cli.table import table
    from keras_zoo.cli.train import model_for_dataset

    info, data, model = model_for_dataset(args)
    start = time.perf_counter()
    diagnosis = diagnostics.diagnose(model, data.x_train, data.y_train, epochs=args.epochs,
                                     batch_size=args.batch_size, seed=args.seed, verbose=0)
    elapsed = time.perf_counter() - start
    last = diagnosis.last_epoch()
    print(f"\n{info.name} on {data.name}: {len(diagnosis.losses)} epochs diagnosed in "
          f"{elapsed:.1f}s")
    print(diagnosis.summary())
    print(f"\nlayers at epoch {int(last['epoch'].iloc[0])}:")
    columns = list(LAYER_COLUMNS)
    print(table(formatted(last[columns].to_dict("records")), columns))
    if args.output or args.csv:
        print()
    if args.output:
        diagnosis.plot(args.output)
        print(f"plot:  {args.output}")
    if args.csv:
        for path in diagnosis.to_csv(args.csv):
            print(f"table: {path}")
    return 0


def _text(column: str, value: Any) -> Any:
    """A diagnostic figure as text: norms and ratios in scientific notation (they span many
    orders of magnitude), fractions with two decimals, a missing one ``-``; any other cell as
    it is."""
    if column not in (*_FRACTIONS, *_SCIENTIFIC) or isinstance(value, (bool, str)):
        return value
    try:
        value = float(value)
    except (TypeError, ValueError):  # None, pandas' NA: the table shows "-"
        return None
    if math.isnan(value):
        return None
    return f"{value:.2f}" if column in _FRACTIONS else f"{value:.2e}"


def formatted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the diagnostic figures as text (:func:`_text`)."""
    return [{k: _text(k, v) for k, v in row.items()} for row in rows]


def tune_rows(frame: Any, columns: list[str]) -> list[dict[str, Any]]:
    """The rows ``tune`` prints: ``frame[columns]``, the diagnostic columns formatted."""
    return formatted(frame[columns].to_dict("records"))
