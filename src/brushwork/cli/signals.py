"""SIGTERM and Ctrl-C while a command runs: partial outputs removed, training checkpointed,
one line."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: partial outputs removed, training checkpointed."""


# the stop a signal asked for while a command runs, until it is reported: typer turns a
# KeyboardInterrupt escaping a command into a silent exit code 130, so ``_run`` reports it
_pending_stop: list[KeyboardInterrupt] = []


def _on_sigterm(signum: int, frame: Any) -> None:
    _pending_stop[:] = [Terminated()]
    raise _pending_stop[0]


def _on_sigint(signum: int, frame: Any) -> None:
    _pending_stop[:] = [KeyboardInterrupt()]
    raise _pending_stop[0]


def _stopped(exc: BaseException) -> str:
    return "terminated" if isinstance(exc, Terminated) else "interrupted"


def _stop_code(exc: BaseException) -> int:
    """The shell's code for a process stopped by SIGTERM (143) or SIGINT (130)."""
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` while a command runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    previous_int = signal.signal(signal.SIGINT, _on_sigint)
    _pending_stop.clear()
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
