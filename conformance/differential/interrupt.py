"""Ctrl-C, taken at a safe point: between cases, never inside a library's callback.

A KeyboardInterrupt raised wherever the signal lands can be swallowed (Hypothesis measures garbage
collection with a gc callback, and an exception in a gc callback is only printed), and the run would go
on. So the first Ctrl-C only asks to stop: the next case does not start, everything is cleaned up as after
any other end, and the exit code is 2. A second Ctrl-C interrupts at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StopRequest:
    """Set by the first Ctrl-C; ``check`` raises KeyboardInterrupt once it is."""

    def __init__(self) -> None:
        self.requested = False

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt


@contextmanager
def deferred_interrupts() -> Iterator[StopRequest]:
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def ask(signum: int, frame: FrameType | None) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True

    previous = signal.signal(signal.SIGINT, ask)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
