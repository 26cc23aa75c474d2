"""API call counters by endpoint, reported at /__sandbox__/stats (benchmarks read them)."""

from __future__ import annotations

import threading
from collections import Counter


class CallStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()

    def count(self, endpoint: str) -> None:
        with self._lock:
            self._calls[endpoint] += 1

    def snapshot(self) -> dict:
        with self._lock:
            calls = dict(sorted(self._calls.items()))
        return {"total": sum(calls.values()), "by_endpoint": calls}

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
