"""Worker processes started by the ``keras-zoo`` command before it imports TensorFlow.

``keras-zoo tune ... --workers N`` (N >= 2) runs its trials in N worker processes, each of which
spends seconds importing TensorFlow (about 7 s on 2 cores). Importing ``keras_zoo`` costs the
command as long, so this module, run first thing by ``keras_zoo/__init__.py`` when the process
is that command, starts the N worker processes at once: their imports overlap with the
command's own. ``tune`` hands them over (:func:`hand_over`) to the search, which tells them their
settings (:func:`keras_zoo.tuning.runtime.launcher.prestart`); processes the search does not
take exit at the end of their input, or with the command (``PR_SET_PDEATHSIG``).

Only the ``keras-zoo`` console script does this (never a Python program importing
``keras_zoo``), only for ``tune`` with ``--workers N``, no GPU named in ``--devices`` (a GPU
worker must see only its card from its start, so the search starts it) and no ``--multi-device
mirrored``. Those flags are read by a small argparse parser of their own (:func:`_read_tune`):
the command's whole parser (:mod:`keras_zoo.cli.app`) checks them all once the package is
imported; a command line this one cannot read starts nothing.

:func:`light_command` tells ``keras_zoo/__init__.py`` that the process is a ``keras-zoo`` command
that needs no Keras (``--help``, ``--version``, ``models``, ``datasets``, ``components``): the
package then skips importing Keras and TensorFlow, and the command answers in a fraction of a
second from :mod:`keras_zoo.cli.catalog`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

PRESTARTED: list[subprocess.Popen] = []
"""The worker processes started ahead, not yet handed over to a search (:func:`hand_over`)."""

LIGHT_COMMANDS = ("models", "datasets", "components")
"""The ``keras-zoo`` commands that answer without importing Keras."""


def light_command(argv: list[str]) -> bool:
    """Whether ``argv`` is a ``keras-zoo`` command line that needs no Keras: a listing command,
    no command (the usage), or ``-h``/``--help``/``--version`` anywhere before ``--`` (argparse
    answers those and exits before any command runs)."""
    if not argv or os.path.basename(argv[0]) != "keras-zoo":
        return False
    args = argv[1:argv.index("--")] if "--" in argv else argv[1:]
    if any(a in ("-h", "--help", "--version") for a in args):
        return True
    command = next((a for a in args if not a.startswith("-")), None)  # after -v
    return command is None or command in LIGHT_COMMANDS


class _Unreadable(Exception):
    """A command line :func:`_read_tune` cannot read (the command's own parser reports it)."""


class _TuneFlags(argparse.ArgumentParser):
    def error(self, message: str):  # never exit or print: the package is being imported
        raise _Unreadable(message)


def _read_tune(args: list[str]) -> argparse.Namespace:
    """The flags of ``keras-zoo [-v] tune ...`` that decide on workers started ahead; every
    other argument is left to the command's parser."""
    # Abbreviations as the command's own parser takes them (`--dev /GPU:0`).
    parser = _TuneFlags(prog="keras-zoo", add_help=False, allow_abbrev=True)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("command", nargs="?")
    parser.add_argument("--workers", default="")
    parser.add_argument("--devices", nargs="+", default=[])
    parser.add_argument("--multi-device", dest="multi_device")
    return parser.parse_known_args(args)[0]


def _workers(argv: list[str]) -> int:
    """``N`` of ``tune ... --workers N`` in a ``keras-zoo`` command line (0: not such a
    command, N < 2, a GPU named in ``--devices``, ``--multi-device mirrored``, or a command
    line the command's parser would refuse)."""
    if not argv or os.path.basename(argv[0]) != "keras-zoo":
        return 0
    try:
        flags = _read_tune(list(argv[1:]))
    except _Unreadable:
        return 0
    if flags.command != "tune" or flags.multi_device == "mirrored":
        return 0
    if any("gpu" in device.lower() for device in flags.devices):
        return 0
    n = int(flags.workers) if flags.workers.isdigit() else 0
    return n if n >= 2 else 0


def from_command_line(argv: list[str] | None = None) -> None:
    """Start the worker processes of this ``keras-zoo tune --workers N`` command."""
    n = _workers(list(sys.argv if argv is None else argv))
    if not n or PRESTARTED:
        return
    env = {**os.environ, "KERAS_ZOO_PARENT_PID": str(os.getpid()),
           "KERAS_ZOO_WORKER_THREADS": str(max(1, (os.cpu_count() or 1) // n)),
           "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    for _ in range(n):
        proc = subprocess.Popen([sys.executable, "-m", "keras_zoo.tuning.runtime.worker"], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        proc.keras_zoo_threads = env["KERAS_ZOO_WORKER_THREADS"]  # what the search checks
        PRESTARTED.append(proc)


def hand_over() -> None:
    """Give the worker processes started ahead to the search this command runs next
    (:data:`keras_zoo.tuning.runtime.launcher.PRESTARTED`): it takes those it can use and stops
    the others."""
    if not PRESTARTED:
        return
    from keras_zoo.tuning.runtime import launcher

    launcher.PRESTARTED.extend(PRESTARTED)
    PRESTARTED.clear()
