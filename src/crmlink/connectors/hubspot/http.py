"""HubSpot's HTTP layer on the shared boundary (`connectors/_http.py`): JSON calls relative
to the account URL (`https://api.hubapi.com`), the login flow, HubSpot's error answers,
and its rate limits kept on the client side:

- the `X-HubSpot-RateLimit-*` headers of every answer are remembered (`rate`; `usage()`
  reads the daily ones);
- when `-Remaining` says the ten-second window is spent, the next call waits for the
  window (`-Interval-Milliseconds`) to pass;
- search calls (`…/search`) are paced to at most 5 a second per account, HubSpot's
  secondly search limit, and wait when `-Secondly-Remaining` reaches 0;
- a 429 anyway is retried after the limit's interval (`errors.py`), a DAILY one is not.
"""

from __future__ import annotations

import collections
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from crmlink.connectors._http import HttpClient, RetryPolicy
from crmlink.connectors.hubspot import errors
from crmlink.connectors.hubspot.auth import RefreshTokens, auth_for
from crmlink.errors import CrmlinkError
from crmlink.model import AccountSettings

log = logging.getLogger(__name__)
API_VERSION = "v3"
RATE_PREFIX = "x-hubspot-ratelimit-"
SEARCH_PER_SECOND = 5
SEARCH_MARGIN = 0.05  # seconds added to a search wait: the server counts arrivals
_TOKEN_IN_PATH = re.compile(r"(/oauth/v1/access-tokens/)[^/?]+")


def is_search(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.rstrip("/").endswith("/search")


def shown_path(request: httpx.Request) -> str:
    """The request's path as logs and messages show it (an introspected token masked)."""
    return _TOKEN_IN_PATH.sub(r"\1***", request.url.path)


class HubSpotHttp(HttpClient):
    crm = "HubSpot"

    def __init__(
        self,
        account: AccountSettings,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        auth, tokens = auth_for(account, transport, clock)
        self.tokens: RefreshTokens | None = tokens  # OAuth's token source (None: private app)
        super().__init__(
            account,
            retry=retry,
            timeout=timeout,
            sleep=sleep,
            transport=transport,
            base_url=account.url.rstrip("/"),
            headers={"Accept": "application/json"},
            auth=auth,
        )
        self.clock = clock
        self.rate: dict[str, str] = {}  # X-HubSpot-RateLimit-* of the last answers
        self._pace_lock = threading.Lock()
        self._searches: collections.deque[float] = collections.deque(maxlen=SEARCH_PER_SECOND)
        self._window_spent_at: float | None = None  # when -Remaining said 0
        self._second_spent_at: float | None = None  # when -Secondly-Remaining said 0

    # -- hooks ----------------------------------------------------------------------------
    def send(self, request: httpx.Request, stream: bool = False, **kwargs: Any) -> httpx.Response:
        search = is_search(request)
        self.pace(search)
        log.debug("HubSpot %s %s", request.method, shown_path(request))
        self.count_call()
        response = self.client.send(request, stream=stream, **kwargs)
        if search:  # HubSpot counted it at some moment before its answer: pace from then
            with self._pace_lock:
                if self._searches:
                    self._searches[-1] = max(self._searches[-1], self.clock())
        return response

    def observe(self, response: httpx.Response) -> None:
        seen = {
            k.lower(): v for k, v in response.headers.items() if k.lower().startswith(RATE_PREFIX)
        }
        if not seen:
            return
        with self._pace_lock:
            self.rate.update(seen)
            now = self.clock()
            if seen.get(RATE_PREFIX + "remaining") == "0":
                self._window_spent_at = now
            if seen.get(RATE_PREFIX + "secondly-remaining") == "0":
                self._second_spent_at = now

    def error(self, response: httpx.Response, request: httpx.Request) -> CrmlinkError:
        return errors.from_response(response, account=self.account.name, path=shown_path(request))

    # -- pacing ---------------------------------------------------------------------------
    def window_seconds(self) -> float:
        try:
            return int(self.rate.get(RATE_PREFIX + "interval-milliseconds", "")) / 1000
        except ValueError:
            return errors.DEFAULT_INTERVAL

    def pace(self, search: bool) -> None:
        """Wait until a call may go out without passing HubSpot's limits."""
        with self._pace_lock:
            wait = 0.0
            now = self.clock()
            if self._window_spent_at is not None:
                wait = self._window_spent_at + self.window_seconds() - now
                self._window_spent_at = None
            if search:
                if self._second_spent_at is not None:
                    wait = max(wait, self._second_spent_at + 1.0 + SEARCH_MARGIN - now)
                    self._second_spent_at = None
                if len(self._searches) == SEARCH_PER_SECOND:
                    wait = max(wait, self._searches[0] + 1.0 + SEARCH_MARGIN - now)
            if wait > 0:
                self.sleep(wait)
            if search:
                self._searches.append(self.clock() if wait > 0 else now)
