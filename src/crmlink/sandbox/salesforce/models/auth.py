"""Logins and sessions: OAuth 2.0 grants (password, client credentials, JWT bearer,
refresh token), SOAP login, and the access tokens they hand out.

Credentials are made once per state folder and kept there, so a persisted sandbox keeps
them across restarts. Tokens live in SQLite with an expiry (the `token_lifetime` fault
shortens it); an unknown or expired token is `INVALID_SESSION_ID`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from crmlink.sandbox.core.credentials import stored_credentials
from crmlink.sandbox.core.tls import load_certificate
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.errors import OAuthError
from crmlink.sandbox.salesforce.models.org import SalesforceOrg

DEFAULT_TOKEN_LIFETIME = 7200
JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    security_token: str
    client_id: str
    client_secret: str
    refresh_token: str

    @classmethod
    def create(cls) -> Credentials:
        return cls(
            username="admin@crmlink-sandbox.example",
            password="Pw-" + secrets.token_urlsafe(12),
            security_token=secrets.token_hex(12).upper(),
            client_id="3MVG9" + secrets.token_urlsafe(60).replace("-", "A").replace("_", "B"),
            client_secret=secrets.token_hex(32).upper(),
            refresh_token="5Aep861" + secrets.token_urlsafe(60),
        )


class AuthService:
    def __init__(self, org: SalesforceOrg, certificate: Path, state_dir: Path) -> None:
        self.org = org
        self.certificate = certificate
        self.credentials = self._load_credentials(state_dir)
        with org.store.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _sbx_tokens "
                "(token TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID"
            )

    def _load_credentials(self, state_dir: Path) -> Credentials:
        """The state folder's credentials (`core.credentials`); a folder written by an
        older sandbox had them in the org's `_sbx_meta` table: they are taken over."""

        def legacy() -> dict[str, str] | None:
            with self.org.store.lock:
                row = self.org.store.conn.execute(
                    "SELECT value FROM _sbx_meta WHERE key = 'credentials'"
                ).fetchone()
            return json.loads(row[0]) if row else None

        saved = stored_credentials(state_dir, lambda: asdict(Credentials.create()), legacy)
        return Credentials(**saved)

    # -- sessions -------------------------------------------------------------------
    def lifetime(self) -> int:
        return self.org.faults.spec.token_lifetime or DEFAULT_TOKEN_LIFETIME

    def issue_token(self) -> str:
        token = f"{self.org.org_id[:15]}!AQ" + secrets.token_urlsafe(72)
        with self.org.store.transaction() as conn:
            conn.execute(
                "INSERT INTO _sbx_tokens (token, expires_at) VALUES (?, ?)",
                (token, time.time() + self.lifetime()),
            )
        return token

    def check_token(self, token: str | None) -> None:
        if token:
            with self.org.store.lock:
                row = self.org.store.conn.execute(
                    "SELECT expires_at FROM _sbx_tokens WHERE token = ?", (token,)
                ).fetchone()
            if row and row[0] > time.time():
                return
        raise errors.InvalidSessionId("Session expired or invalid")

    def expire_all(self) -> None:
        """Expire every session now (tests of re-login)."""
        with self.org.store.transaction() as conn:
            conn.execute("UPDATE _sbx_tokens SET expires_at = 0")

    # -- OAuth grants ---------------------------------------------------------------
    def token_response(self, form: dict, instance_url: str) -> dict:
        grant = form.get("grant_type")
        handlers = {
            "password": self._password_grant,
            "client_credentials": self._client_credentials_grant,
            JWT_GRANT: self._jwt_grant,
            "refresh_token": self._refresh_grant,
        }
        if grant not in handlers:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        handlers[grant](form, instance_url)
        return self._session_body(instance_url, with_scope=grant != "password")

    def _check_client(self, form: dict, secret_required: bool = True) -> None:
        creds = self.credentials
        if form.get("client_id") != creds.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if secret_required and form.get("client_secret") != creds.client_secret:
            raise OAuthError("invalid_client", "invalid client credentials")

    def _password_grant(self, form: dict, instance_url: str) -> None:
        self._check_client(form)
        creds = self.credentials
        ok = form.get("username") == creds.username and form.get("password") == (
            creds.password + creds.security_token
        )
        if not ok:
            raise OAuthError("invalid_grant", "authentication failure")

    def _client_credentials_grant(self, form: dict, instance_url: str) -> None:
        self._check_client(form)

    def _refresh_grant(self, form: dict, instance_url: str) -> None:
        self._check_client(form, secret_required=bool(form.get("client_secret")))
        if form.get("refresh_token") != self.credentials.refresh_token:
            raise OAuthError("invalid_grant", "expired access/refresh token")

    def _jwt_grant(self, form: dict, instance_url: str) -> None:
        # the connected app's certificate is RSA (RS256 assertions); a certificate's public_key()
        # is typed as any key kind, most of which a JWT cannot use
        key = cast(RSAPublicKey, load_certificate(self.certificate).public_key())
        audiences = [*JWT_AUDIENCES, instance_url]
        try:
            claims = jwt.decode(
                form.get("assertion", ""),
                key,
                algorithms=["RS256"],
                audience=audiences,
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise OAuthError("invalid_grant", "expired authorization code") from None
        except jwt.InvalidAudienceError:
            raise OAuthError("invalid_grant", "audience is invalid") from None
        except jwt.PyJWTError:
            raise OAuthError("invalid_grant", "invalid assertion") from None
        if claims["iss"] != self.credentials.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if claims["sub"] != self.credentials.username:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")

    def _session_body(self, instance_url: str, with_scope: bool) -> dict:
        token = self.issue_token()
        issued_at = str(int(time.time() * 1000))
        identity = f"{instance_url}/id/{self.org.org_id}/{self.org.user_id}"
        digest = hmac.new(
            self.credentials.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        body = {
            "access_token": token,
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(digest).decode(),
        }
        if with_scope:
            body["scope"] = "api"
        return body

    # -- SOAP login -----------------------------------------------------------------
    def soap_login(self, username: str, password: str) -> str:
        creds = self.credentials
        if username != creds.username or password != creds.password + creds.security_token:
            raise errors.SalesforceError(
                "INVALID_LOGIN: Invalid username, password, security token; or user locked out."
            )
        return self.issue_token()
