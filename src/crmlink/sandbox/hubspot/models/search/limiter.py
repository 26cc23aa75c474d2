"""The search endpoints' own limit: 5 requests per second per portal (HubSpot's SECONDLY
policy), a sliding one-second window. Search calls do not count toward the ten-secondly
limit (HubSpot exempts them), only toward the daily one."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from crmlink.sandbox.hubspot.errors import RateLimited

SEARCH_PER_SECOND = 5


class SecondlyLimit:
    def __init__(
        self, per_second: int = SEARCH_PER_SECOND, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_second, self._now = per_second, now
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, portal: str) -> None:
        """Count one search call; over the limit: HubSpot's 429 (policy SECONDLY)."""
        now = self._now()
        with self._lock:
            calls = self._calls.setdefault(portal, deque())
            while calls and calls[0] <= now - 1.0:
                calls.popleft()
            if len(calls) >= self.per_second:
                raise RateLimited("SECONDLY", "search")
            calls.append(now)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
