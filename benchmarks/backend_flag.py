"""``--backend`` for the benchmarks: chosen before Keras is imported (``KERAS_BACKEND``), or
``--backend all``: the benchmark once per backend, each in its own interpreter, one JSON report
keyed by backend.

Used as the first lines of a benchmark, before ``import keras``::

    from backend_flag import choose_backend
    choose_backend()   # exits after printing the combined report under --backend all
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

BACKENDS = ("tensorflow", "jax", "torch")
HELP = ("Keras backend: tensorflow (default, or KERAS_BACKEND), jax, torch, or all (one run "
        "per backend, side by side)")


def _flag(argv: list[str]) -> tuple[str | None, list[str]]:
    """The ``--backend`` value and argv without it."""
    rest, value, skip = [], None, False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg == "--backend":
            value, skip = (argv[i + 1] if i + 1 < len(argv) else ""), True
        elif arg.startswith("--backend="):
            value = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return value, rest


def choose_backend() -> None:
    value, rest = _flag(sys.argv[1:])
    if value is None:
        return
    if value not in (*BACKENDS, "all"):
        raise SystemExit(f"--backend must be one of {', '.join(BACKENDS)} or all. "
                         f"Received: --backend {value!r}")
    if value != "all":
        os.environ["KERAS_BACKEND"] = value
        sys.argv = [sys.argv[0], *rest]
        return
    reports = {}
    for backend in BACKENDS:
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run([sys.executable, sys.argv[0], *rest], env=env, text=True,
                              stdout=subprocess.PIPE, check=False)
        if done.returncode:
            reports[backend] = {"error": f"exit status {done.returncode} (see its stderr)"}
            continue
        try:
            reports[backend] = json.loads(done.stdout[done.stdout.index("{"):])
        except ValueError as err:  # no JSON, or more after it: keep the other backends' reports
            reports[backend] = {"error": f"unreadable report ({err}): {done.stdout[-300:]!r}"}
    print(json.dumps(reports, indent=2))
    raise SystemExit(0)


def add_argument(parser) -> None:
    """``--backend`` in a benchmark's ``--help`` (its value was read before Keras started)."""
    parser.add_argument("--backend", default=None, help=HELP)
