"""Logins (SOAP, OAuth password, client credentials, JWT bearer, refresh token) and the
`httpx.Auth` flow that adds the bearer token and re-logs in once on a 401.

Secrets are read from `account.secrets` when a login request is built and go nowhere
else: not into exceptions, logs or reprs.
"""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import httpx

from crmlink.connectors._http import TRANSIENT_STATUS, url
from crmlink.connectors.salesforce import errors
from crmlink.errors import AuthError, UsageError
from crmlink.model import AccountSettings

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUTH_METHODS = ("soap", "password", "client-credentials", "jwt", "refresh-token")
_SOAP_NS = "{urn:partner.soap.sforce.com}"


@dataclass
class Session:
    access_token: str = field(repr=False)
    instance_url: str
    org_id: str = ""
    user_id: str = ""
    username: str = ""
    id_url: str | None = None


class Login:
    """Builds the login request of the account's auth method and reads its answer."""

    def __init__(self, account: AccountSettings, api_version: str) -> None:
        if account.auth not in AUTH_METHODS:
            raise UsageError(
                f"unknown Salesforce auth method {account.auth!r}: use one of "
                f"{', '.join(AUTH_METHODS)}",
                account=account.name,
            )
        self.account, self.api_version = account, api_version
        self.base = account.url.rstrip("/")

    def request(self) -> httpx.Request:
        if self.account.auth == "soap":
            return self._soap_request()
        return httpx.Request("POST", f"{self.base}/services/oauth2/token", data=self._form())

    def parse(self, response: httpx.Response) -> Session:
        response.read()
        if response.status_code in TRANSIENT_STATUS or response.status_code == 403:
            raise errors.from_response(response, account=self.account.name)
        if self.account.auth == "soap":
            return self._soap_session(response)
        if response.status_code != 200:
            raise errors.oauth_error(response, self.account.name)
        body = response.json()
        org_id, user_id = _ids_of(body.get("id", ""))
        return Session(body["access_token"], body["instance_url"], org_id, user_id, "", body["id"])

    # -- OAuth forms ------------------------------------------------------------------
    def _form(self) -> dict[str, str]:
        acc = self.account
        client = {"client_id": acc.client_id or ""}
        if acc.auth == "password":
            password = self._password_with_token()
            return {
                "grant_type": "password",
                **client,
                "client_secret": self.account.secret("client_secret"),
                "username": acc.username or "",
                "password": password,
            }
        if acc.auth == "client-credentials":
            secret = self.account.secret("client_secret")
            return {"grant_type": "client_credentials", **client, "client_secret": secret}
        if acc.auth == "refresh-token":
            form = {"grant_type": "refresh_token", **client}
            form["refresh_token"] = self.account.secret("refresh_token")
            if acc.secrets.get("client_secret"):
                form["client_secret"] = str(acc.secrets["client_secret"])
            return form
        return {"grant_type": JWT_GRANT, "assertion": self._assertion()}

    def _assertion(self) -> str:
        import jwt

        acc = self.account
        if not acc.private_key or not Path(acc.private_key).is_file():
            raise UsageError(
                f"account {acc.name} needs a readable private_key file for the jwt login",
                account=acc.name,
            )
        audience = "https://test.salesforce.com" if acc.sandbox else "https://login.salesforce.com"
        claims = {
            "iss": acc.client_id,
            "sub": acc.username,
            "aud": audience,
            "exp": int(time.time()) + 180,
        }
        return jwt.encode(claims, Path(acc.private_key).read_bytes(), algorithm="RS256")

    def _password_with_token(self) -> str:
        """Salesforce's password logins take the security token appended (empty when the
        org trusts the caller's IP range)."""
        token = self.account.secrets.get("security_token") or ""
        return self.account.secret("password") + str(token)

    # -- SOAP -------------------------------------------------------------------------
    def _soap_request(self) -> httpx.Request:
        password = self._password_with_token()
        envelope = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:urn="urn:partner.soap.sforce.com"><env:Body><urn:login>'
            f"<urn:username>{escape(self.account.username or '')}</urn:username>"
            f"<urn:password>{escape(password)}</urn:password>"
            "</urn:login></env:Body></env:Envelope>"
        )
        endpoint = url(f"{self.base}/services/Soap/u", self.api_version)
        headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"}
        return httpx.Request("POST", endpoint, content=envelope.encode(), headers=headers)

    def _soap_session(self, response: httpx.Response) -> Session:
        if response.status_code != 200:
            raise errors.soap_fault(response.text, self.account.name)
        result = ET.fromstring(response.content).find(f".//{_SOAP_NS}result")
        if result is None:
            raise AuthError("the SOAP login answer has no result", account=self.account.name)
        server = urlsplit(result.findtext(f"{_SOAP_NS}serverUrl") or "")
        info = f"{_SOAP_NS}userInfo/{_SOAP_NS}"
        return Session(
            access_token=result.findtext(f"{_SOAP_NS}sessionId") or "",
            instance_url=f"{server.scheme}://{server.netloc}",
            org_id=result.findtext(f"{info}organizationId") or "",
            user_id=result.findtext(f"{_SOAP_NS}userId") or "",
            username=result.findtext(f"{info}userName") or "",
        )


def _ids_of(id_url: str) -> tuple[str, str]:
    """(orgId, userId) from an identity URL `…/id/{orgId}/{userId}`."""
    parts = urlsplit(id_url).path.rstrip("/").split("/")
    return (parts[-2], parts[-1]) if len(parts) >= 3 and parts[-3] == "id" else ("", "")


class SessionAuth(httpx.Auth):
    """Adds `Authorization: Bearer`; logs in when there is no session, and on a 401
    (INVALID_SESSION_ID: expired or revoked) logs in once more and replays the request.

    Result pages download in several threads sharing this flow: when several get a 401
    for the same expired token, one logs in and the others wait for it and reuse its
    session (one login, not one per thread)."""

    def __init__(self, login: Login) -> None:
        self.login = login
        self.session: Session | None = None
        self.logins = 0
        self.lock = threading.Lock()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.session is None:
            yield from self._login(stale=None)
        used = self._token()
        request.headers["Authorization"] = f"Bearer {used}"
        response = yield request
        if response.status_code != 401:
            return
        yield from self._login(stale=used)
        request.headers["Authorization"] = f"Bearer {self._token()}"
        yield request

    def _login(self, stale: str | None) -> Generator[httpx.Request, httpx.Response, None]:
        """Log in, unless another thread replaced the `stale` token (None: there was no
        session) while this one waited for the lock."""
        with self.lock:  # held across the login exchange: the others wait here
            current = self.session.access_token if self.session is not None else None
            if current is not None and current != stale:
                return
            self.session = self.login.parse((yield self.login.request()))
            self.logins += 1

    def _token(self) -> str:
        if self.session is None:  # _login always sets it or raises
            raise RuntimeError("no Salesforce session after logging in")
        return self.session.access_token
