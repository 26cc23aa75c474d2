"""The HTTP layer: one `httpx.Client` per connector, TLS always verified, the session
auth flow, retries with exponential backoff and jitter honouring `Retry-After`, error
translation at the boundary, and API-usage tracking from `Sforce-Limit-Info`."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx

from crmlink.connectors.retry import Retrier, RetryPolicy, tls_context
from crmlink.connectors.salesforce import errors
from crmlink.connectors.salesforce.auth import Login, Session, SessionAuth
from crmlink.model import AccountSettings

log = logging.getLogger(__name__)
DEFAULT_API_VERSION = "59.0"
T = TypeVar("T")
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class SalesforceHttp:
    def __init__(
        self,
        account: AccountSettings,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account = account
        self.version = account.api_version or DEFAULT_API_VERSION
        self.retry, self.sleep = retry or RetryPolicy(), sleep
        self.login = Login(account, self.version)
        self.auth = SessionAuth(self.login)
        self.client = httpx.Client(
            verify=tls_context(account),
            timeout=timeout,
            auth=self.auth,
            headers={"Accept": "application/json", "User-Agent": "crmlink"},
        )
        self.calls = 0
        self.last_usage: tuple[int, int] | None = None

    # -- session ----------------------------------------------------------------------
    @property
    def session(self) -> Session:
        if self.auth.session is None:
            login = self.login
            self.auth.session = self._attempts(
                lambda: login.parse(self._send(login.request(), auth=None)), True
            )
            self.auth.logins += 1
            self.client.base_url = httpx.URL(self.auth.session.instance_url)
        return self.auth.session

    def data(self, suffix: str) -> str:
        """`/services/data/vXX.X/{suffix}`."""
        return f"/services/data/v{self.version}/{suffix.lstrip('/')}"

    # -- calls ------------------------------------------------------------------------
    def request(self, method: str, url: str, idempotent: bool = True, **kwargs) -> httpx.Response:
        """One API call, retried while transient; a failed answer raises a crmlink error."""
        self.session  # noqa: B018 — logs in first so the base URL is the instance
        request = self.client.build_request(method, url, **kwargs)
        return self._attempts(lambda: self._checked(request), idempotent)

    def json(self, method: str, url: str, idempotent: bool = True, **kwargs):
        response = self.request(method, url, idempotent, **kwargs)
        return response.json() if response.content else None

    @contextmanager
    def stream(self, method: str, url: str, **kwargs) -> Iterator[httpx.Response]:
        """A response whose body is read as it arrives (retried up to the headers)."""
        self.session  # noqa: B018
        request = self.client.build_request(method, url, **kwargs)
        response = self._attempts(lambda: self._checked(request, stream=True), True)
        try:
            yield response
        finally:
            response.close()

    def close(self) -> None:
        self.client.close()

    # -- internals --------------------------------------------------------------------
    def _send(self, request: httpx.Request, stream: bool = False, **kwargs) -> httpx.Response:
        log.debug("salesforce %s %s", request.method, request.url.path)
        self.calls += 1
        return self.client.send(request, stream=stream, **kwargs)

    def _checked(self, request: httpx.Request, stream: bool = False) -> httpx.Response:
        response = self._send(request, stream=stream)
        self._note_usage(response)
        if response.status_code < 400:
            return response
        response.read()
        response.close()
        raise errors.from_response(
            response, usage=self.last_usage, account=self.account.name, path=request.url.path
        )

    def _note_usage(self, response: httpx.Response) -> None:
        found = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if found:
            self.last_usage = (int(found.group(1)), int(found.group(2)))

    def _attempts(self, call: Callable[[], T], idempotent: bool) -> T:
        return Retrier("Salesforce", self.account.name, self.retry, self.sleep).run(
            call, idempotent
        )
