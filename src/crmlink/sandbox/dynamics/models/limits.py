"""Dataverse's service-protection limits: requests per user in a sliding window."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    """Requests per user in a sliding window (Dataverse: 6,000 per 300 seconds)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._calls: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, user: str) -> int | None:
        """None when allowed, else the seconds to wait (Retry-After)."""
        now = time.monotonic()
        with self._lock:
            calls = self._calls[user]
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= self.limit:
                return max(1, int(calls[0] + self.window - now) + 1)
            calls.append(now)
        return None

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
