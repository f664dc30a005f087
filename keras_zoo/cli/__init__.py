"""The ``keras-zoo`` command: the console script ``keras_zoo.cli:main``, or
``python -m keras_zoo.cli``.

Its rooms (ARCHITECTURE.md): :mod:`~keras_zoo.cli.app` parses the command line, runs ``tune``
and ``devices`` and turns errors into exit statuses; one module per other command or job:
:mod:`~keras_zoo.cli.listing` (``models``, ``datasets``, ``components``, answered from the
generated snapshot :mod:`~keras_zoo.cli.catalog` when Keras is not imported),
:mod:`~keras_zoo.cli.train`, :mod:`~keras_zoo.cli.diagnose`, :mod:`~keras_zoo.cli.worker`
(``worker`` and ``tune --serve``), :mod:`~keras_zoo.cli.values` (``--set KEY=VALUE``),
:mod:`~keras_zoo.cli.table`, :mod:`~keras_zoo.cli.pipe` (a closed output pipe) and
:mod:`~keras_zoo.cli.prestart` (what ``keras_zoo/__init__.py`` reads off the command line before
it imports Keras: a light command, worker processes to start ahead).

This package imports nothing when it is imported: ``keras_zoo/__init__.py`` imports
:mod:`keras_zoo.cli.prestart` before anything else, and :func:`main` imports the command itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["main", "parse_value"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``keras-zoo`` with ``argv`` (default: the process's arguments); return its exit
    status (see :mod:`keras_zoo.cli.app`)."""
    from keras_zoo.cli.app import main as run

    return run(argv)


def __getattr__(name: str) -> Any:
    if name == "parse_value":  # `keras_zoo.cli.parse_value`, the --set value grammar, as before
        from keras_zoo.cli.values import parse_value

        return parse_value
    raise AttributeError(f"module 'keras_zoo.cli' has no attribute {name!r}")
