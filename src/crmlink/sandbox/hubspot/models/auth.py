"""Who may call the API: the portal's private-app token (never expires) and the tokens of
one OAuth app installed in the portal (authorization codes, access tokens that expire after
`lifetime` seconds, refresh tokens until deleted).

Times are read from the sandbox clock, so advancing it expires access tokens.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.hubspot.errors import (
    BadOAuthRequest,
    ExpiredAuthentication,
    InvalidAuthentication,
    ObjectNotFound,
)

SCOPES = (
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.objects.custom.read",
    "crm.objects.custom.write",
    "crm.schemas.contacts.read",
    "crm.schemas.companies.read",
    "crm.schemas.deals.read",
    "crm.schemas.custom.read",
    "crm.schemas.custom.write",
)
AUTH_DOCS = "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
CODE_LIFETIME_S = 600
LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Portal:
    """The account and the credentials the ready line prints."""

    portal_id: int
    hub_domain: str
    user: str
    user_id: int
    app_id: int
    access_token: str  # the private app's
    client_id: str
    client_secret: str
    redirect_uri: str
    refresh_token: str  # of the OAuth app already installed


@dataclass
class _Access:
    token: str
    expires_at: float
    scopes: tuple[str, ...]


@dataclass
class _Grants:
    codes: dict[str, tuple[str, float, tuple[str, ...]]] = field(default_factory=dict)
    access: dict[str, _Access] = field(default_factory=dict)
    refresh: dict[str, tuple[str, ...]] = field(default_factory=dict)


def new_access_token() -> str:
    return "C" + secrets.token_urlsafe(60)


class TokenService:
    def __init__(self, portal: Portal, clock: SandboxClock, lifetime: Callable[[], int]) -> None:
        self.portal, self.clock, self.lifetime = portal, clock, lifetime
        self._lock = threading.Lock()
        self._grants = _Grants(refresh={portal.refresh_token: SCOPES})

    def reset(self) -> None:
        """Issued codes and tokens go; the installed app's refresh token stays."""
        with self._lock:
            self._grants = _Grants(refresh={self.portal.refresh_token: SCOPES})

    # -- the API's check ------------------------------------------------------------
    def check_bearer(self, header: str | None) -> str:
        """Who calls: "private" (the private-app token) or "oauth" (a live OAuth access
        token); anything else is HubSpot's 401."""
        token = (header or "").removeprefix("Bearer ").strip() if header else ""
        if not header or not header.startswith("Bearer ") or not token:
            raise InvalidAuthentication(
                "Authentication credentials not found. This API supports OAuth 2.0 "
                f"authentication and you can find more details at {AUTH_DOCS}"
            )
        if secrets.compare_digest(token, self.portal.access_token):
            return "private"
        with self._lock:
            access = self._grants.access.get(token)
        if access is None:
            raise InvalidAuthentication(
                "Authentication credentials not found. This API supports OAuth 2.0 "
                f"authentication and you can find more details at {AUTH_DOCS}"
            )
        late = self.clock.timestamp() - access.expires_at
        if late >= 0:
            raise ExpiredAuthentication(
                f"The OAuth token used to make this call expired {int(late)} second(s) ago.",
            )
        return "oauth"

    # -- OAuth ----------------------------------------------------------------------
    def authorize(self, client_id: str, redirect_uri: str, scope: str) -> str:
        """A one-use authorization code (the user said yes at once)."""
        if client_id != self.portal.client_id:
            raise BadOAuthRequest("BAD_CLIENT_ID", "missing or unknown client id")
        if not self.allowed_redirect(redirect_uri):
            raise BadOAuthRequest(
                "BAD_REDIRECT_URI", "redirect_uri is not one of the app's redirect URLs"
            )
        scopes = tuple(s for s in scope.replace(",", " ").split() if s) or SCOPES
        code = str(uuid.uuid4())
        expires = self.clock.timestamp() + CODE_LIFETIME_S
        with self._lock:
            self._grants.codes[code] = (redirect_uri, expires, scopes)
        return code

    def allowed_redirect(self, redirect_uri: str) -> bool:
        """The app's redirect URL, or an http(s) URL on this machine (an app being
        developed): HubSpot sends codes to registered URLs only."""
        if redirect_uri == self.portal.redirect_uri:
            return True
        if any(ord(ch) < 33 for ch in redirect_uri):
            return False
        parts = urlsplit(redirect_uri)
        return parts.scheme in ("http", "https") and parts.hostname in LOOPBACK

    def token(self, form: dict[str, str]) -> dict:
        """`POST /oauth/v1/token`: the authorization-code and refresh-token grants."""
        grant = form.get("grant_type", "")
        if grant not in ("authorization_code", "refresh_token"):
            raise BadOAuthRequest("BAD_GRANT_TYPE", "missing or unknown grant type")
        if form.get("client_id") != self.portal.client_id:
            raise BadOAuthRequest("BAD_CLIENT_ID", "missing or unknown client id")
        if not secrets.compare_digest(form.get("client_secret", ""), self.portal.client_secret):
            raise BadOAuthRequest("BAD_CLIENT_SECRET", "missing or invalid client secret")
        with self._lock:
            if grant == "authorization_code":
                scopes = self._redeem_code(form)
                refresh = str(uuid.uuid4())
                self._grants.refresh[refresh] = scopes
            else:
                refresh = form.get("refresh_token", "")
                if refresh not in self._grants.refresh:
                    raise BadOAuthRequest("BAD_REFRESH_TOKEN", "missing or unknown refresh token")
                scopes = self._grants.refresh[refresh]
            lifetime = self.lifetime()
            access = _Access(new_access_token(), self.clock.timestamp() + lifetime, scopes)
            self._grants.access[access.token] = access
        return {
            "token_type": "bearer",
            "refresh_token": refresh,
            "access_token": access.token,
            "expires_in": lifetime,
        }

    def _redeem_code(self, form: dict[str, str]) -> tuple[str, ...]:
        found = self._grants.codes.pop(form.get("code", ""), None)
        if found is None or found[1] <= self.clock.timestamp():
            raise BadOAuthRequest("BAD_AUTH_CODE", "missing or unknown auth code")
        if form.get("redirect_uri") != found[0]:
            raise BadOAuthRequest(
                "BAD_REDIRECT_URI", "redirect_uri does not match initial auth code URL"
            )
        return found[2]

    def access_token_info(self, token: str) -> dict:
        with self._lock:
            access = self._grants.access.get(token)
        left = int(access.expires_at - self.clock.timestamp()) if access else -1
        if access is None or left <= 0:
            raise ObjectNotFound("Token not found")  # 404 also for an expired one
        return {
            "token": token,
            "user": self.portal.user,
            "hub_domain": self.portal.hub_domain,
            "scopes": list(access.scopes),
            "hub_id": self.portal.portal_id,
            "app_id": self.portal.app_id,
            "expires_in": left,
            "user_id": self.portal.user_id,
            "token_type": "access",
        }

    def refresh_token_info(self, token: str) -> dict:
        with self._lock:
            scopes = self._grants.refresh.get(token)
        if scopes is None:
            raise ObjectNotFound("refresh token not found")
        return {
            "token": token,
            "user": self.portal.user,
            "hub_domain": self.portal.hub_domain,
            "scopes": list(scopes),
            "hub_id": self.portal.portal_id,
            "client_id": self.portal.client_id,
            "user_id": self.portal.user_id,
            "token_type": "refresh",
        }

    def delete_refresh_token(self, token: str) -> None:
        with self._lock:
            if self._grants.refresh.pop(token, None) is None:
                raise ObjectNotFound("refresh token not found")
