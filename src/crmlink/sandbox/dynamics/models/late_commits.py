"""Late commits (the `late_commit` fault): writes answered now, committed later.

A pending commit is due at a time of the sandbox clock; `land_due(org)` commits the ones
whose time has come, in order, with the ids and timestamps they were answered with. The
Web API lands them before every call and at every clock tick, so advancing the clock
makes them visible at once, and with no advance they land after the real delay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.dynamics.errors import DataverseError
from crmlink.sandbox.dynamics.models.data.tables import OrgStore
from crmlink.sandbox.dynamics.models.data.writes import Writer


@dataclass(frozen=True)
class _LateCommit:
    due: float  # on the sandbox clock, seconds since the epoch
    work: Callable
    writer: Writer


class LateCommits:
    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self._pending: list[_LateCommit] = []
        self._lock = threading.Lock()

    def add(self, delay: float, work: Callable, writer: Writer) -> None:
        """Commit `work(conn, writer)` `delay` seconds (sandbox clock) from now."""
        with self._lock:
            self._pending.append(_LateCommit(self.clock.timestamp() + delay, work, writer))

    def land_due(self, org: OrgStore) -> None:
        """Commit the writes whose time has come, in order."""
        now = self.clock.timestamp()
        with self._lock:
            due = [c for c in self._pending if c.due <= now]
            self._pending = [c for c in self._pending if c.due > now]
        for commit in due:
            try:
                with org.write() as conn:
                    commit.work(conn, commit.writer)
            except (DataverseError, RuntimeError):
                pass  # the record changed meanwhile: a lost late write, as in real life

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
