"""Worker processes started by the ``keras-zoo`` command before it imports Keras.

``keras-zoo tune ... --workers N`` (N >= 2) runs its trials in N worker processes, each of which
spends seconds importing TensorFlow (about 7 s on 2 cores). Importing ``keras_zoo`` costs the
command as long, so the command (:func:`keras_zoo_cli.main`), once it has parsed its arguments
and before it imports the package, starts the N worker processes (:func:`start`): their
imports overlap with its own. ``tune`` hands them over (:func:`hand_over`) to the search,
which tells them their settings (:func:`keras_zoo.tuning.runtime.launcher.prestart`);
processes the search does not take exit at the end of their input, or with the command
(``PR_SET_PDEATHSIG``).

Only the command does this, when it runs before the package is imported (never
``keras_zoo.cli.main`` called by a program that imported ``keras_zoo``), only for ``tune`` with
``--workers N``, no GPU named in ``--devices`` (a GPU worker must see only its card from its
start, so the search starts it) and no ``--multi-device mirrored``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

PRESTARTED: list[subprocess.Popen] = []
"""The worker processes started ahead, not yet handed over to a search (:func:`hand_over`)."""


def workers_to_start(args: argparse.Namespace) -> int:
    """``N`` of a parsed ``tune ... --workers N`` (0: another command, N < 2, a GPU named in
    ``--devices``, or ``--multi-device mirrored``)."""
    if args.command != "tune" or args.multi_device == "mirrored":
        return 0
    if any("gpu" in device.lower() for device in args.devices or ()):
        return 0
    n = args.workers or 0
    return n if n >= 2 else 0


def start(args: argparse.Namespace) -> None:
    """Start the worker processes of a parsed ``keras-zoo tune --workers N`` command."""
    n = workers_to_start(args)
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
