"""The sandbox clock: UTC time that follows real time, moved forward on demand.

Every time-driven behaviour of a sandbox reads this clock, never the wall clock directly:
late commits, getUpdated/getDeleted windows, the daily API quota, Bulk jobs that complete
after a short run. `POST /__sandbox__/clock?advance=S` moves it forward by S seconds, so a
test sees a late commit land or a Bulk job complete at once, without sleeping. With no
advance the clock is the real time, and every delay is the real delay.
"""

from __future__ import annotations

import datetime as dt
import threading


class SandboxClock:
    """Real UTC time plus an offset that only the sandbox's users move."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = dt.timedelta()

    def now(self) -> dt.datetime:
        """The sandbox's current time (timezone-aware, UTC)."""
        return dt.datetime.now(dt.UTC) + self._offset

    def timestamp(self) -> float:
        """The sandbox's current time in seconds since the epoch (for due times)."""
        return self.now().timestamp()

    @property
    def offset(self) -> dt.timedelta:
        """How far the sandbox's time is ahead of the real time (negative: behind)."""
        return self._offset

    @offset.setter
    def offset(self, value: dt.timedelta) -> None:
        with self._lock:
            self._offset = value

    def advance(self, seconds: float) -> dt.datetime:
        """Move the clock forward by `seconds`; the new time."""
        with self._lock:
            self._offset += dt.timedelta(seconds=seconds)
        return self.now()

    def snapshot(self) -> dict:
        """What `/__sandbox__/clock` answers: the time and the offset from real time."""
        now = self.now()
        return {
            "now": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "offset_seconds": self._offset.total_seconds(),
        }
