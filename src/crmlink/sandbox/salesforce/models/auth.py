"""Logins and sessions: OAuth 2.0 grants (password, client credentials, JWT bearer,
refresh token), SOAP login, the access tokens they hand out, and the token endpoints
around them: OpenID Connect userinfo, revoke (RFC 7009) and introspect (RFC 7662).

Credentials are made once per state folder and kept there, so a persisted sandbox keeps
them across restarts. Tokens live in SQLite with their issue time, expiry and grant (the
`token_lifetime` fault shortens the expiry); an unknown, expired or revoked token is
`INVALID_SESSION_ID`. Revoking the refresh token also revokes the access tokens the
refresh grant handed out, as Salesforce does; `/__sandbox__/reset` makes it valid again.
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
SCOPE = "api refresh_token openid"
_TOKEN_COLUMNS = {"issued_at": "REAL NOT NULL DEFAULT 0", "grant": "TEXT NOT NULL DEFAULT ''"}


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
            have = {row[1] for row in conn.execute("PRAGMA table_info(_sbx_tokens)")}
            for name, kind in _TOKEN_COLUMNS.items():  # a state folder of an older sandbox
                if name not in have:
                    conn.execute(f'ALTER TABLE _sbx_tokens ADD COLUMN "{name}" {kind}')
            conn.execute("CREATE TABLE IF NOT EXISTS _sbx_revoked (token TEXT PRIMARY KEY)")

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

    def issue_token(self, grant: str = "password") -> str:
        token = f"{self.org.org_id[:15]}!AQ" + secrets.token_urlsafe(72)
        now = time.time()
        with self.org.store.transaction() as conn:
            conn.execute(
                'INSERT INTO _sbx_tokens (token, expires_at, issued_at, "grant") '
                "VALUES (?, ?, ?, ?)",
                (token, now + self.lifetime(), now, grant),
            )
        return token

    def _session(self, token: str | None) -> tuple[float, float] | None:
        """(issued_at, expires_at) of a live access token, else None."""
        if not token:
            return None
        with self.org.store.lock:
            row = self.org.store.conn.execute(
                "SELECT issued_at, expires_at FROM _sbx_tokens WHERE token = ?", (token,)
            ).fetchone()
        return (row[0], row[1]) if row and row[1] > time.time() else None

    def check_token(self, token: str | None) -> None:
        if self._session(token) is None:
            raise errors.InvalidSessionId("Session expired or invalid")

    def _refresh_revoked(self) -> bool:
        with self.org.store.lock:
            row = self.org.store.conn.execute(
                "SELECT 1 FROM _sbx_revoked WHERE token = ?", (self.credentials.refresh_token,)
            ).fetchone()
        return row is not None

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
        return self._session_body(instance_url, grant)

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
        if form.get("refresh_token") != self.credentials.refresh_token or self._refresh_revoked():
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

    def _session_body(self, instance_url: str, grant: str) -> dict:
        token = self.issue_token(grant)
        issued_at = str(int(time.time() * 1000))
        identity = self.identity_url(instance_url)
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
        if grant != "password":
            body["scope"] = SCOPE
        return body

    def identity_url(self, instance_url: str) -> str:
        return f"{instance_url}/id/{self.org.org_id}/{self.org.user_id}"

    # -- revoke, introspect ------------------------------------------------------------
    def revoke(self, token: str) -> None:
        """Revoke an access token, or the refresh token and what its grant handed out."""
        with self.org.store.transaction() as conn:
            if token and token == self.credentials.refresh_token:
                conn.execute("INSERT OR IGNORE INTO _sbx_revoked (token) VALUES (?)", (token,))
                conn.execute("""DELETE FROM _sbx_tokens WHERE "grant" = 'refresh_token'""")
                return
            if conn.execute("DELETE FROM _sbx_tokens WHERE token = ?", (token,)).rowcount:
                return
        raise OAuthError("unsupported_token_type", "this token type is not supported")

    def introspect(self, form: dict, instance_url: str) -> dict:
        """RFC 7662: the token's state; the client must authenticate (id and secret)."""
        creds = self.credentials
        if (form.get("client_id"), form.get("client_secret")) != (
            creds.client_id,
            creds.client_secret,
        ):
            raise OAuthError("invalid_client", "invalid client credentials", 401)
        token = form.get("token", "")
        if token == creds.refresh_token and not self._refresh_revoked():
            return self._introspection(instance_url, "refresh_token", None)
        session = self._session(token)
        if session is None:
            return {"active": False}
        return self._introspection(instance_url, "access_token", session)

    def _introspection(
        self, instance_url: str, kind: str, session: tuple[float, float] | None
    ) -> dict:
        body: dict[str, object] = {
            "active": True,
            "scope": SCOPE,
            "client_id": self.credentials.client_id,
            "username": self.credentials.username,
            "sub": self.identity_url(instance_url),
            "token_type": kind,
        }
        if session is not None:  # refresh tokens do not expire
            issued, expires = int(session[0]), int(session[1])
            body |= {"exp": expires, "iat": issued, "nbf": issued}
        return body

    # -- SOAP login -----------------------------------------------------------------
    def soap_login(self, username: str, password: str) -> str:
        creds = self.credentials
        if username != creds.username or password != creds.password + creds.security_token:
            raise errors.SalesforceError(
                "INVALID_LOGIN: Invalid username, password, security token; or user locked out."
            )
        return self.issue_token()
