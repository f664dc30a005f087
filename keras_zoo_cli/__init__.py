"""The ``keras-zoo`` command's entry: the console script ``keras_zoo_cli:main``.

The command line is parsed once, by argparse (:mod:`keras_zoo_cli.parser`), before anything
imports Keras. What needs no Keras is answered here: ``--help``, ``--version``, the usage and
the listings ``models``, ``datasets`` and ``components`` (:mod:`keras_zoo_cli.listing`, from
the snapshot :mod:`keras_zoo_cli.catalog`), in a fraction of a second instead of the seconds
TensorFlow's import costs. Every other command imports the package, which registers its layers
and losses as any ``import keras_zoo`` does, and runs in :mod:`keras_zoo.cli.app`; for
``tune --workers N`` the worker processes start first, so their imports overlap with the
command's own (:mod:`keras_zoo_cli.prestart`).

This package imports nothing of ``keras_zoo``, Keras or TensorFlow when it is imported
(``tests/test_architecture.py`` checks it), and ``import keras_zoo`` does not depend on the
command line: it is the same in a program, a notebook and the command.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``keras-zoo`` with ``argv`` (default: the process's arguments); return its exit
    status (see :mod:`keras_zoo.cli.app`)."""
    from keras_zoo_cli import listing, prestart
    from keras_zoo_cli.parser import build_parser
    from keras_zoo_cli.pipe import quiet_on_closed_pipe

    parser = build_parser()
    args = parser.parse_args(argv)  # --help and --version answer and exit here
    if not args.command:
        parser.print_help()
        return 2
    if "keras_zoo" not in sys.modules:  # this process is the command, no program that imported
        if listing.answers(args):       # the package (whose registries answer, in app.run)
            try:
                return quiet_on_closed_pipe(listing.COMMANDS[args.command])(args)  # `| head -3`
            except listing.UnknownFamily as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
            except KeyboardInterrupt:  # Ctrl-C: 128 + SIGINT, as every command
                return 130
        prestart.start(args)  # `tune --workers N`: the workers import while this process does
    from keras_zoo.cli.app import run

    return run(args)
