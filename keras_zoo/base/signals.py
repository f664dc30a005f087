"""Stop signals that always stop: SIGTERM as an exception, and stops Python would swallow.

Python runs a signal handler in the main thread at its next bytecode boundary, and a handler
that raises (SIGINT's ``KeyboardInterrupt``, SIGTERM's :class:`Terminated` here) raises there.
When that boundary lies inside a finalizer (``__del__``), a weak-reference callback or a
garbage-collection callback (JAX's ``_xla_gc_callback`` runs at every collection), Python cannot
propagate the exception: it prints ``Exception ignored in ...`` and carries on, and the stop is
lost (seen: a search that then ran all its trials and exited 0).

:func:`stop_signals` turns SIGTERM into :class:`Terminated` and installs a
``sys.unraisablehook`` that recognises a swallowed stop and sends the same signal again from
another thread, :data:`REDELIVERY_DELAY_S` later, so that it is handled at a later boundary;
it repeats, at most
:data:`MAX_REDELIVERIES` times, until the stop lands where it propagates. Python offers no way
to raise from the hook itself (it runs inside the finalizer's context), so the signal is the
way back in.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

MAX_REDELIVERIES = 1000
"""A bound on sending a swallowed stop again (each one is a stop that landed in a finalizer)."""

REDELIVERY_DELAY_S = 0.02
"""How long after a swallowed stop it is sent again."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interruption so that a search records it and stops its workers."""


def on_sigterm(signum: int, frame: Any) -> None:
    """The SIGTERM handler :func:`stop_signals` installs."""
    raise Terminated()


class _Redelivery:
    """The ``sys.unraisablehook`` of :func:`stop_signals` (the previous hook gets the rest) and
    the thread that sends a swallowed stop again.

    The thread is started with the block, not from the hook: starting a thread runs Python code
    that waits, and a signal handled there would be swallowed by the hook itself."""

    def __init__(self, previous: Any):
        self.previous = previous
        self.sent = 0
        self.signum = signal.SIGTERM
        self.wake = threading.Event()
        self.closed = False
        self.lock = threading.Lock()  # no send once closed
        self.thread = threading.Thread(target=self._send, daemon=True, name="keras-zoo-stop")
        self.thread.start()

    def __call__(self, unraisable: Any) -> None:
        try:
            if not issubclass(unraisable.exc_type, KeyboardInterrupt):
                self.previous(unraisable)
            elif self.sent >= MAX_REDELIVERIES:
                log.warning("a stop signal was swallowed %d times; giving up on it", self.sent)
                self.previous(unraisable)
            else:
                self.sent += 1
                terminated = issubclass(unraisable.exc_type, Terminated)
                self.signum = signal.SIGTERM if terminated else signal.SIGINT
                self.wake.set()
        except KeyboardInterrupt:  # another stop, handled in here: it goes round again too
            self.wake.set()

    def _send(self) -> None:
        while True:  # one send per swallowed stop: at most MAX_REDELIVERIES
            self.wake.wait()
            if self.closed:
                return
            self.wake.clear()
            time.sleep(REDELIVERY_DELAY_S)  # the main thread leaves the hook first
            with self.lock:
                if self.closed:
                    return
                os.kill(os.getpid(), self.signum)

    def close(self) -> None:
        """No stop is sent after this returns (one sent just before is being delivered: the
        caller of the block may see it as it ends)."""
        with self.lock:
            self.closed = True
        self.wake.set()
        self.thread.join(timeout=5.0)


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """For the block: SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``), and a stop
    (SIGTERM or SIGINT) that lands in a finalizer or a garbage-collection callback is delivered
    again until it stops the block. Outside the main thread (where Python runs no signal
    handlers) the block runs unchanged.

    Example:
        >>> with stop_signals():
        ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_handler = signal.signal(signal.SIGTERM, on_sigterm)
    previous_hook = sys.unraisablehook
    hook = sys.unraisablehook = _Redelivery(previous_hook)
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        hook.close()
        signal.signal(signal.SIGTERM, previous_handler)
