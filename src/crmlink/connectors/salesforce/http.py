"""Salesforce's HTTP layer on the shared boundary (`connectors/_http.py`): the session
auth flow (log in first, re-log in once on a 401), `/services/data/vXX.X/` URLs built from
encoded segments, Salesforce's error answers, and API usage from `Sforce-Limit-Info`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx

from crmlink.connectors._http import HttpClient, RetryPolicy, segment, url
from crmlink.connectors.salesforce import errors
from crmlink.connectors.salesforce.auth import Login, Session, SessionAuth
from crmlink.errors import CrmlinkError
from crmlink.model import AccountSettings

DEFAULT_API_VERSION = "59.0"
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class SalesforceHttp(HttpClient):
    crm = "Salesforce"

    def __init__(
        self,
        account: AccountSettings,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.version = account.api_version or DEFAULT_API_VERSION
        self.login = Login(account, self.version)
        self.auth = SessionAuth(self.login)
        super().__init__(
            account,
            retry=retry,
            timeout=timeout,
            sleep=sleep,
            transport=transport,
            headers={"Accept": "application/json"},
            auth=self.auth,
        )
        self.last_usage: tuple[int, int] | None = None

    @property
    def session(self) -> Session:
        if self.auth.session is None:
            login = self.login
            self.auth.session = self.attempts(
                lambda: login.parse(self.send(login.request(), auth=None)), True
            )
            self.auth.logins += 1
            self.client.base_url = httpx.URL(self.auth.session.instance_url)
        return self.auth.session

    def data(self, path: str, *segments: str) -> str:
        """`/services/data/vXX.X/{path}/{segment}…`: `path` is the code's own text
        (`composite/sobjects`), each of `segments` a value (an object name, an id),
        percent-encoded as one segment."""
        base = f"/services/data/{segment('v' + self.version)}/{path.strip('/')}"
        return url(base, *segments)

    # -- hooks ----------------------------------------------------------------------------
    def ready(self) -> None:
        self.session  # noqa: B018 — logs in first so the base URL is the instance

    def observe(self, response: httpx.Response) -> None:
        found = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if found:
            self.last_usage = (int(found.group(1)), int(found.group(2)))

    def error(self, response: httpx.Response, request: httpx.Request) -> CrmlinkError:
        return errors.from_response(
            response, usage=self.last_usage, account=self.account.name, path=request.url.path
        )
