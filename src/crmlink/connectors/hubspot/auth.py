"""HubSpot logins as `httpx.Auth` flows: a private app's access token (Bearer, never
expiring), or OAuth 2.0 with the refresh-token grant at `{url}/oauth/v1/token`.

An OAuth access token is cached and refreshed shortly before it expires
(`expires_in`), and once more on a 401 (revoked, or the clock disagrees) before the
request is replayed; a second 401 goes up as it is (AuthError). Secrets are read from
`account.secrets` when a token is needed and go nowhere else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator

import httpx

from crmlink.connectors._http import tls_context, untrusted, verification_failure
from crmlink.connectors.hubspot import errors
from crmlink.errors import AuthError, RetryableError, UsageError
from crmlink.model import AccountSettings

PRIVATE_APP, OAUTH = "private-app", "oauth"
AUTH_METHODS = (PRIVATE_APP, OAUTH)
TOKEN_PATH = "/oauth/v1/token"
REFRESH_MARGIN = 60.0  # seconds before expiry a token is replaced


class BearerAuth(httpx.Auth):
    """A private app's access token on every request (a 401 is an AuthError)."""

    def __init__(self, account: AccountSettings) -> None:
        self.account = account

    @property
    def token(self) -> str:
        return self.account.secret("access_token")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


class RefreshTokens:
    """Access tokens from the refresh-token grant; `logins` counts the grants asked."""

    def __init__(
        self,
        account: AccountSettings,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account, self.transport, self.clock = account, transport, clock
        self.logins = 0
        self.expires_at = 0.0  # clock() time the current token stops being valid
        self.margin = REFRESH_MARGIN  # replaced this long before (at most half its life)
        self._refresh_token: str | None = None  # HubSpot may hand out a new one

    def token(self) -> str:
        acc = self.account
        self.logins += 1
        form = {
            "grant_type": "refresh_token",
            "client_id": acc.client_id or "",
            "client_secret": acc.secret("client_secret"),
            "refresh_token": self._refresh_token or acc.secret("refresh_token"),
        }
        asked = self.clock()
        response = self._post(form)
        if response.status_code >= 400:
            raise errors.token_error(response, acc.name)
        body = errors.parse_body(response)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthError(
                f"HubSpot's OAuth token answer for account {acc.name} holds no access token",
                account=acc.name,
            )
        if isinstance(body.get("refresh_token"), str) and body["refresh_token"]:
            self._refresh_token = body["refresh_token"]
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 1800.0
        self.expires_at = asked + seconds
        self.margin = min(REFRESH_MARGIN, seconds / 2)
        return token

    def _post(self, form: dict[str, str]) -> httpx.Response:
        acc = self.account
        target = acc.url.rstrip("/") + TOKEN_PATH
        try:
            with httpx.Client(
                verify=tls_context(acc), timeout=60, transport=self.transport
            ) as client:
                return client.post(target, data=form, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            failed = verification_failure(exc)
            if failed is not None:
                raise untrusted("HubSpot", acc.name, failed) from None
            raise RetryableError(
                f"HubSpot's OAuth token endpoint could not be reached ({type(exc).__name__})",
                account=acc.name,
            ) from None


class RefreshingAuth(httpx.Auth):
    """Adds `Authorization: Bearer` with a cached OAuth token, replaced `REFRESH_MARGIN`
    seconds (at most half its lifetime) before it expires; on a 401 a fresh token once,
    then the request replayed."""

    def __init__(self, tokens: RefreshTokens) -> None:
        self.tokens = tokens
        self._token: str | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> str | None:
        """The token sent now (None before the first login)."""
        return self._token

    def _get(self, stale: str | None) -> str:
        with self._lock:
            expiring = self.tokens.clock() >= self.tokens.expires_at - self.tokens.margin
            if self._token is None or self._token == stale or expiring:
                self._token = self.tokens.token()
            return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        used = self._get(None)
        request.headers["Authorization"] = f"Bearer {used}"
        response = yield request
        if response.status_code != 401:
            return
        request.headers["Authorization"] = f"Bearer {self._get(used)}"
        yield request


def auth_for(
    account: AccountSettings,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[httpx.Auth, RefreshTokens | None]:
    """The flow of the account's auth method (and its token source, for OAuth)."""
    if account.auth == PRIVATE_APP:
        return BearerAuth(account), None
    if account.auth == OAUTH:
        tokens = RefreshTokens(account, transport, clock)
        return RefreshingAuth(tokens), tokens
    raise UsageError(
        f"unknown HubSpot auth method {account.auth!r}: use one of {', '.join(AUTH_METHODS)}",
        account=account.name,
    )


def access_token(auth: httpx.Auth) -> str | None:
    """The access token a flow sends now (None: an OAuth flow that has not logged in)."""
    if isinstance(auth, BearerAuth):
        return auth.token
    if isinstance(auth, RefreshingAuth):
        return auth.current
    return None
