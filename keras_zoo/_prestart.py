"""Worker processes started by the ``keras-zoo`` command before it imports TensorFlow.

``keras-zoo tune ... --workers N`` (N >= 2) runs its trials in N worker processes, each of which
spends seconds importing TensorFlow (about 7 s on 2 cores). Importing ``keras_zoo`` costs the
command as long, so this module, run first thing by ``keras_zoo/__init__.py`` when the process
is that command, starts the N worker processes at once: their imports overlap with the
command's own. They wait for their settings (:func:`keras_zoo.tuning.launcher.prestart` hands
them to the search); processes the search does not take exit at the end of their input, or
with the command (``PR_SET_PDEATHSIG``).

Only the ``keras-zoo`` console script does this (never a Python program importing
``keras_zoo``), only for ``tune`` with ``--workers N`` and no GPU named in ``--devices`` (a GPU
worker must see only its card from its start, so the search starts it).

:func:`light_command` tells ``keras_zoo/__init__.py`` that the process is a ``keras-zoo`` command
that needs no Keras (``--help``, ``--version``, ``models``, ``datasets``, ``components``): the
package then skips importing Keras and TensorFlow, and the command answers in a fraction of a
second from :mod:`keras_zoo.cli_catalog`.
"""

from __future__ import annotations

import os
import subprocess
import sys

PRESTARTED: list[subprocess.Popen] = []
"""The worker processes started ahead, not yet taken by a search."""

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


def _workers(argv: list[str]) -> int:
    """``N`` of ``tune ... --workers N`` in a ``keras-zoo`` command line (0: not such a
    command, or a GPU named)."""
    command = next((a for a in argv[1:] if not a.startswith("-")), None)  # after -v, --version
    if not argv or os.path.basename(argv[0]) != "keras-zoo" or command != "tune":
        return 0
    if any("gpu" in a.lower() for a in argv) or "mirrored" in argv:
        return 0
    n = 0
    for i, arg in enumerate(argv):
        value = (arg.split("=", 1)[1] if arg.startswith("--workers=")
                 else argv[i + 1] if arg == "--workers" and i + 1 < len(argv) else None)
        if value is not None:
            n = int(value) if value.isdigit() else 0
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
        proc = subprocess.Popen([sys.executable, "-m", "keras_zoo.tuning.worker"], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        proc.keras_zoo_threads = env["KERAS_ZOO_WORKER_THREADS"]  # what the search checks
        PRESTARTED.append(proc)
