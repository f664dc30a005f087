"""Files that are never half-written, and where Keras keeps its downloads."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from typing import Any


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a file so that readers see the old content or the new, never half of it.

    The data goes to a temporary file in the same directory, is flushed to disk, then renamed
    over ``path`` (``os.replace`` is atomic on POSIX and Windows). The file gets the permissions
    ``open()`` would give it: an existing file's own, else ``0o666`` less the umask (``0o644``
    under the usual ``022``), not the ``0o600`` of ``tempfile.mkstemp``.
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = _create_temporary(directory, os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            with contextlib.suppress(FileNotFoundError):  # keep an existing file's mode
                mode = stat.S_IMODE(os.stat(path).st_mode)
                if hasattr(os, "fchmod"):
                    os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _create_temporary(directory: str, name: str) -> tuple[int, str]:
    """A new file ``.tmp-<random><name>`` in ``directory``, created as ``open()`` creates one
    (mode ``0o666``, which the umask reduces); returns its descriptor and path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".tmp-{secrets.token_hex(4)}{name}")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - a clash of 32 random bits
            continue
    raise FileExistsError(f"No free temporary name for {name!r} in {directory!r}")  # pragma: no cover


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """:func:`atomic_write_bytes` of ``obj`` as indented JSON."""
    atomic_write_bytes(path, json.dumps(obj, indent=2, default=str).encode("utf-8"))


def keras_home() -> str:
    """Where Keras caches downloads: ``$KERAS_HOME`` or ``~/.keras`` (Keras' own rule)."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
