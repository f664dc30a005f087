"""The ``keras-zoo`` command once the package is imported; ``python -m keras_zoo.cli`` runs it.

The command's entry is :mod:`keras_zoo_cli` (the console script ``keras_zoo_cli:main``): it
parses the command line once (:mod:`keras_zoo_cli.parser`) and answers ``--help``,
``--version`` and the listings without Keras. Here: :mod:`~keras_zoo.cli.app` runs ``tune`` and
``devices`` and turns errors into exit statuses; one module per other command or job:
:mod:`~keras_zoo.cli.train`, :mod:`~keras_zoo.cli.diagnose`, :mod:`~keras_zoo.cli.predict`
(``predict`` and ``evaluate``: a saved model on a CSV file), :mod:`~keras_zoo.cli.worker`
(``worker`` and ``tune --serve``), :mod:`~keras_zoo.cli.values` (``--set KEY=VALUE``),
:mod:`~keras_zoo.cli.table` and :mod:`~keras_zoo.cli.listing` (which rewrites the listings'
snapshot from the registries).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["main", "parse_value"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``keras-zoo`` with ``argv`` (default: the process's arguments); return its exit
    status (see :mod:`keras_zoo.cli.app`)."""
    from keras_zoo_cli import main as run

    return run(argv)


def __getattr__(name: str) -> Any:
    if name == "parse_value":  # `keras_zoo.cli.parse_value`, the --set value grammar, as before
        from keras_zoo.cli.values import parse_value

        return parse_value
    raise AttributeError(f"module 'keras_zoo.cli' has no attribute {name!r}")
