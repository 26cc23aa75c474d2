"""Dataverse's HTTP layer on the shared boundary (`connectors/_http.py`): the Web API root
`{url}/api/data/v9.2/`, the token auth flow (a fresh token on a 401), Dataverse's
error answers, and the service-protection headers remembered for `usage()`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from crmlink.connectors._http import HttpClient, RetryPolicy, segment
from crmlink.connectors.dynamics import errors
from crmlink.connectors.dynamics.auth import TokenAuth, TokenSource
from crmlink.errors import CrmlinkError
from crmlink.model import AccountSettings

API_VERSION = "9.2"
ODATA_HEADERS = {
    "Accept": "application/json",
    "OData-Version": "4.0",
    "OData-MaxVersion": "4.0",
}
RATE_HEADERS = (
    "x-ms-ratelimit-burst-remaining-xrm-requests",
    "x-ms-ratelimit-time-remaining-xrm-requests",
)


class DataverseHttp(HttpClient):
    crm = "Dataverse"

    def __init__(
        self,
        account: AccountSettings,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        authority: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.version = (account.api_version or API_VERSION).removeprefix("v")
        self.base = f"{account.url.rstrip('/')}/api/data/{segment('v' + self.version)}/"
        self.tokens = TokenSource(account, authority, transport=transport)
        super().__init__(
            account,
            retry=retry,
            timeout=timeout,
            sleep=sleep,
            transport=transport,
            base_url=self.base,
            headers=ODATA_HEADERS,
            auth=TokenAuth(self.tokens.token),
        )
        self.rate: dict[str, str] = {}

    def close(self) -> None:
        super().close()
        self.tokens.close()

    def send(self, request: httpx.Request, stream: bool = False, **kwargs: Any) -> httpx.Response:
        """The shared `send`; a response read in full is left without its bound stream:
        httpx's response and that stream refer to each other, a cycle that would keep
        the body (a page: megabytes) until a full garbage collection, which a read of
        many pages seldom runs, so dozens of pages' bodies piled up. The stream is
        closed once read; `httpx.ByteStream` of the body is what httpx gives a response
        made from its content."""
        response = super().send(request, stream=stream, **kwargs)
        if not stream:
            response.stream = httpx.ByteStream(response.content)
        return response

    # -- hooks ----------------------------------------------------------------------------
    def observe(self, response: httpx.Response) -> None:
        self.rate.update({h: response.headers[h] for h in RATE_HEADERS if h in response.headers})

    def error(self, response: httpx.Response, request: httpx.Request) -> CrmlinkError:
        return errors.from_response(response, account=self.account.name, path=request.url.path)
