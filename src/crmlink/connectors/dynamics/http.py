"""The HTTP layer: one `httpx.Client` per connector on `{url}/api/data/v9.2/`, TLS always
verified, the token auth flow, retries with exponential backoff and jitter honouring
`Retry-After` (429 service protection, 502/503/504, network errors), error translation
at the boundary, and the service-protection headers remembered for `usage()`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import httpx

from crmlink.connectors.dynamics import errors
from crmlink.connectors.dynamics.auth import TokenAuth, TokenSource
from crmlink.connectors.retry import Retrier, RetryPolicy, tls_context
from crmlink.model import AccountSettings

log = logging.getLogger(__name__)
API_VERSION = "9.2"
T = TypeVar("T")
ODATA_HEADERS = {
    "Accept": "application/json",
    "OData-Version": "4.0",
    "OData-MaxVersion": "4.0",
    "User-Agent": "crmlink",
}
RATE_HEADERS = (
    "x-ms-ratelimit-burst-remaining-xrm-requests",
    "x-ms-ratelimit-time-remaining-xrm-requests",
)


class DataverseHttp:
    def __init__(
        self,
        account: AccountSettings,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        authority: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account = account
        self.version = (account.api_version or API_VERSION).removeprefix("v")
        self.retry, self.sleep = retry or RetryPolicy(), sleep
        self.tokens = TokenSource(account, authority)
        self.base = f"{account.url.rstrip('/')}/api/data/v{self.version}/"
        self.client = httpx.Client(
            base_url=self.base,
            verify=tls_context(account),
            timeout=timeout,
            auth=TokenAuth(self.tokens.token),
            headers=ODATA_HEADERS,
        )
        self.calls = 0
        self.rate: dict[str, str] = {}

    def request(self, method: str, url: str, idempotent: bool = True, **kwargs) -> httpx.Response:
        """One API call, retried while transient; a failed answer raises a crmlink error."""
        request = self.client.build_request(method, url, **kwargs)
        return self._attempts(lambda: self._checked(request), idempotent)

    def json(self, method: str, url: str, idempotent: bool = True, **kwargs):
        response = self.request(method, url, idempotent, **kwargs)
        return response.json() if response.content else None

    def close(self) -> None:
        self.client.close()
        self.tokens.close()

    # -- internals --------------------------------------------------------------------
    def _checked(self, request: httpx.Request) -> httpx.Response:
        log.debug("dynamics %s %s", request.method, request.url.path)
        self.calls += 1
        response = self.client.send(request)
        self.rate.update({h: response.headers[h] for h in RATE_HEADERS if h in response.headers})
        if response.status_code < 400:
            return response
        raise errors.from_response(response, account=self.account.name, path=request.url.path)

    def _attempts(self, call: Callable[[], T], idempotent: bool) -> T:
        return Retrier("Dataverse", self.account.name, self.retry, self.sleep).run(call, idempotent)
