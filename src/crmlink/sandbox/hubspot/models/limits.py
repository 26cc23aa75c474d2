"""HubSpot's API rate limits, on the sandbox clock (advancing it empties the windows).

Figures (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines):
- private apps: a ten-second rolling window of 100 requests (Free, Starter) or 190
  (Professional, Enterprise) — the `tier` option —, and a daily limit of 250,000 (Free,
  Starter; 625,000 Professional, 1,000,000 Enterprise), reset at midnight in the account's
  time zone (the sandbox portal's is UTC);
- public (OAuth) apps: 110 requests per ten seconds per account, no daily limit — their
  answers carry no `X-HubSpot-RateLimit-Daily*` headers
  (https://community.hubspot.com/t5/Developer-Announcements/Rate-limit-headers-will-now-appear-for-OAuth-authenticated-calls/m-p/399520);
- the CRM search endpoints: 5 requests per second per account, whatever the app, and
  their answers carry no rate-limit headers (the search routes call `search()`).
HubSpot documents no concurrency limit beside these.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.hubspot.errors import RateLimited

TIERS = {100: "Free/Starter", 190: "Professional/Enterprise"}
INTERVAL_MS = 10_000
OAUTH_PER_TEN_SECONDS = 110
DAY_S = 86_400


@dataclass(frozen=True)
class LimitFigures:
    per_ten_seconds: int = 190  # private app (the tier)
    daily: int = 250_000
    oauth_per_ten_seconds: int = OAUTH_PER_TEN_SECONDS
    search_per_second: int = 5


class _Window:
    """Request times in a rolling window."""

    def __init__(self) -> None:
        self.times: deque[float] = deque()

    def count(self, now: float, seconds: float) -> int:
        while self.times and self.times[0] <= now - seconds:
            self.times.popleft()
        return len(self.times)

    def within(self, now: float, seconds: float) -> int:
        return sum(1 for t in self.times if t > now - seconds)


class RateLimits:
    def __init__(self, clock: SandboxClock, figures: LimitFigures, group_of: dict[str, str]):
        self.clock, self.figures, self.group_of = clock, figures, group_of
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._windows = {"private": _Window(), "oauth": _Window(), "search": _Window()}
            self._day = -1
            self._daily_used = 0

    def _max(self, caller: str) -> int:
        f = self.figures
        return f.per_ten_seconds if caller == "private" else f.oauth_per_ten_seconds

    def hit(self, caller: str) -> dict[str, str]:
        """Count one API call of `caller` ("private" or "oauth"); the headers of its answer.
        Over a limit: `RateLimited`, whose answer carries the same headers (`headers`)."""
        now = self.clock.timestamp()
        with self._lock:
            day = int(now // DAY_S)
            if day != self._day:
                self._day, self._daily_used = day, 0
            window = self._windows[caller]
            used = window.count(now, INTERVAL_MS / 1000)
            limit = self._max(caller)
            policy = None
            if caller == "private" and self._daily_used >= self.figures.daily:
                policy = "DAILY"
            elif used >= limit:
                policy = "TEN_SECONDLY_ROLLING"
            else:
                window.times.append(now)
                used += 1
                if caller == "private":
                    self._daily_used += 1
            headers = self._headers(caller, limit, used, window.within(now, 1.0))
        if policy is not None:
            error = RateLimited(policy, self.group_of[caller])
            error.headers = headers
            raise error
        return headers

    def _headers(self, caller: str, limit: int, used: int, last_second: int) -> dict[str, str]:
        secondly = max(1, limit // 10)
        headers = {}
        if caller == "private":
            headers["X-HubSpot-RateLimit-Daily"] = str(self.figures.daily)
            remaining_today = max(0, self.figures.daily - self._daily_used)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(remaining_today)
        headers.update(
            {
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(INTERVAL_MS),
                "X-HubSpot-RateLimit-Max": str(limit),
                "X-HubSpot-RateLimit-Remaining": str(max(0, limit - used)),
                "X-HubSpot-RateLimit-Secondly": str(secondly),
                "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, secondly - last_second)),
            }
        )
        return headers

    def search(self, request: object = None) -> None:
        """One search request (`request` unused: the bucket is the portal's): over 5 in the
        last second, HubSpot's SECONDLY 429."""
        now = self.clock.timestamp()
        with self._lock:
            window = self._windows["search"]
            if window.count(now, 1.0) >= self.figures.search_per_second:
                raise RateLimited("SECONDLY", self.group_of["search"])
            window.times.append(now)

    def usage(self) -> dict[str, int]:
        """The daily figures `/account-info/v3/api-usage/daily/private-apps` reports."""
        now = self.clock.timestamp()
        with self._lock:
            used = self._daily_used if int(now // DAY_S) == self._day else 0
        resets = (int(now // DAY_S) + 1) * DAY_S
        return {"limit": self.figures.daily, "used": used, "resets_at_s": resets}
