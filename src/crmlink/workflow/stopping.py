"""A stop asked for by a signal (Ctrl-C, SIGTERM), raised where the run can take it.

    with stopping.on_signals():   # the CLI, around a run or the worker
        run_workflow(...)         # the engine calls stopping.check() at its safe points

The handler raises `KeyboardInterrupt` at once, so a run waiting on the network stops
without waiting for its next page. But a raise lands in whatever frame is running, and
when that is a finalizer or a weakref callback (SQLAlchemy tidying its pool), Python
prints "Exception ignored" and the run goes on, to end as if never stopped. So the handler
also notes the stop, and `check` raises it again where the engine can stop cleanly: each
checkpoint (after its commit) and each activity's start. The lost raise is not printed
(`sys.unraisablehook`): the note stops the run instead.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

_asked = threading.Event()


def ask() -> None:
    """Note a stop; the next `check` raises it."""
    _asked.set()


def check() -> None:
    """Raise `KeyboardInterrupt` if a stop was asked for (and may have been lost)."""
    if _asked.is_set():
        raise KeyboardInterrupt


def _interrupt(signum: int, frame: FrameType | None) -> None:
    ask()
    raise KeyboardInterrupt


@contextmanager
def on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM (a `kill`, a service manager stopping us) stop what runs inside
    as Ctrl-C does, and once asked, every `check` inside raises again."""
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    hook = sys.unraisablehook

    def unraisable(info: Any) -> None:
        if not (_asked.is_set() and issubclass(info.exc_type, KeyboardInterrupt)):
            hook(info)

    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = hook
        _asked.clear()
