"""Honour ``TF_CPP_MIN_LOG_LEVEL`` for TensorFlow's native start-up messages.

TensorFlow writes CUDA-probing lines ("Could not find cuda drivers ...") to file descriptor 2
before its logging is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` cannot filter them. When the level
is 2 or more (keras_zoo's default, unless you set your own), the first TensorFlow import runs with
fd 2 pointed at ``/dev/null``; Python exceptions still propagate normally. ``keras_zoo/__init__.py``
imports Keras inside :func:`quiet_native_stderr`; it imports nothing but the standard library.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def quiet_native_stderr():
    level = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0")
    if "tensorflow" in sys.modules or not level.isdigit() or int(level) < 2:
        yield
        return
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # pragma: no cover - no real fd 2 (embedded interpreters)
        yield
        return
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
