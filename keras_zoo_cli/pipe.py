"""A closed pipe ends a ``keras-zoo`` command quietly: ``keras-zoo models --json | head``.

Python ignores SIGPIPE, so a write to a pipe whose reader has exited raises
:class:`BrokenPipeError`; unhandled, it printed a traceback (exit 1), or Python's "Exception
ignored ... BrokenPipeError" at exit. :func:`quiet_on_closed_pipe` follows the recipe of
Python's documentation (the ``signal`` module, "Note on SIGPIPE"): the command's output is
flushed inside the command, and on :class:`BrokenPipeError` the closed stream (stdout, and
stderr when it is the same pipe, as with ``2>&1 | head``) is pointed at ``os.devnull`` so that
the interpreter's last flush cannot fail again.

The exit status is :data:`CLOSED_PIPE`, 141 = 128 + SIGPIPE: what a shell reports for any
command that a closed pipe ends (``yes | head -1`` leaves ``${PIPESTATUS[0]}`` at 141), as the
command's 130 and 143 are 128 + SIGINT and 128 + SIGTERM. The recipe's 1 would read as a crash;
0 would claim that the whole output was delivered. Restoring SIGPIPE's default action instead
would let any closed socket kill the process, a search's connection to a remote worker
included; so only a broken pipe on stdout or stderr ends a command this way, and a
:class:`BrokenPipeError` from anything else is a crash as before.
"""

from __future__ import annotations

import functools
import os
import select
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["CLOSED_PIPE", "quiet_on_closed_pipe"]

CLOSED_PIPE = 141
"""The exit status of a command whose output pipe was closed: 128 + SIGPIPE (13)."""


def quiet_on_closed_pipe(command: Callable[[Any], int]) -> Callable[[Any], int]:
    """``command``, which flushes stdout when done and returns :data:`CLOSED_PIPE`, silently,
    when its stdout or stderr is a pipe whose reader has gone."""
    @functools.wraps(command)
    def run(args: Any) -> int:
        try:
            code = command(args)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
            return code
        except BrokenPipeError:
            if not _silence_closed_streams():
                raise  # a socket or another pipe: not the command's output
            return CLOSED_PIPE

    return run


def _silence_closed_streams() -> bool:
    """Point stdout and stderr, where their reader has gone, at ``os.devnull``; whether one
    had."""
    silenced = False
    for stream in (sys.stdout, sys.stderr):
        if _reader_gone(stream):
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, stream.fileno())
            finally:
                os.close(devnull)
            silenced = True
    return silenced


def _reader_gone(stream: Any) -> bool:
    """Whether ``stream`` writes to a pipe that no process reads any more (``poll`` answers
    ``POLLERR`` for such a pipe's write end)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by a StringIO, closed
        return False
    if not hasattr(select, "poll"):  # Windows: no poll; take stdout's word for it
        return stream is sys.stdout
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))
