"""Azure AD (Microsoft identity platform) token issuing and checking, without HTTP.

Grants: client_credentials with a client secret, client_credentials with a certificate
client assertion (RS256 JWT whose `x5t`/`x5t#S256` names the printed certificate), and
the resource-owner password grant. Tokens are JWTs the sandbox signs (HS256, a per-run
key); the Web API checks signature, audience and expiry.
"""

from __future__ import annotations

import base64
import math
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from crmlink.sandbox.dynamics.errors import AadError, TokenExpired, Unauthorized

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class Identity:
    tenant_id: str
    client_id: str
    client_secret: str
    username: str
    password: str
    certificate: x509.Certificate
    app_user_id: str
    admin_user_id: str

    @property
    def thumbprints(self) -> set[str]:
        sha1 = self.certificate.fingerprint(hashes.SHA1())  # noqa: S303 - the protocol's choice
        sha256 = self.certificate.fingerprint(hashes.SHA256())
        return {b64url(sha1), b64url(sha256)}


@dataclass
class TokenService:
    identity: Identity
    lifetime: Callable[[], int]  # seconds
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    # -- issuing -----------------------------------------------------------------------
    def issue(self, tenant: str, form: dict, token_url: str, v2: bool) -> dict:
        ident = self.identity
        if tenant not in (ident.tenant_id, "organizations", "common"):
            raise AadError("invalid_request", 90002, f"Tenant '{tenant}' not found.", 400)
        grant = form.get("grant_type")
        audience = self._audience(form, v2)
        if grant == "client_credentials":
            self._check_client(form, token_url)
            user, subject = ident.app_user_id, ident.client_id
        elif grant == "password":
            self._check_password(form)
            user, subject = ident.admin_user_id, ident.username
        elif not grant:
            raise AadError(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        else:
            raise AadError(
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant}'.",
            )
        return self._token_response(audience, user, subject, grant, v2)

    def _audience(self, form: dict, v2: bool) -> str:
        if not v2:
            resource = form.get("resource")
            if not resource:
                raise AadError(
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'resource'.",
                )
            return resource.rstrip("/")
        scopes = (form.get("scope") or "").split()
        resource = [s for s in scopes if s not in ("openid", "profile", "offline_access")]
        if not resource:
            raise AadError(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'scope'.",
            )
        scope = resource[0]
        if form.get("grant_type") == "client_credentials" and not scope.endswith("/.default"):
            raise AadError(
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows "
                "must have a scope value with /.default suffixed to the resource identifier "
                "(application ID URI).",
            )
        return scope.rsplit("/", 1)[0]

    def _check_client(self, form: dict, token_url: str) -> None:
        ident = self.identity
        client_id = form.get("client_id")
        if form.get("client_assertion_type") == ASSERTION_TYPE:
            client_id = client_id or _unverified_subject(form.get("client_assertion", ""))
        if client_id != ident.client_id:
            raise AadError(
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{ident.tenant_id}'.",
                400,
            )
        if form.get("client_assertion_type") == ASSERTION_TYPE:
            self._check_assertion(form.get("client_assertion", ""), token_url)
        elif form.get("client_secret") != ident.client_secret:
            raise AadError(
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request "
                "is the client secret value, not the client secret ID, for a secret added to "
                "app.",
                401,
            )

    def _check_assertion(self, assertion: str, token_url: str) -> None:
        ident = self.identity
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise AadError(
                "invalid_client", 50027, "JWT token is invalid or malformed.", 401
            ) from None
        print_ = str(header.get("x5t#S256") or header.get("x5t") or "").rstrip("=")
        if print_ not in ident.thumbprints:
            raise AadError(
                "invalid_client",
                700027,
                f"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{print_}']",  # noqa: E501
                401,
            )
        try:
            claims = jwt.decode(
                assertion,
                # the registered certificates are RSA (RS256/PS256 assertions); a certificate's
                # public_key() is typed as any key kind, most of which a JWT cannot use
                cast(RSAPublicKey, ident.certificate.public_key()),
                algorithms=["RS256", "PS256"],
                audience=[token_url, token_url.replace("/v2.0/", "/")],
                options={"require": ["exp", "aud", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise AadError(
                "invalid_client",
                700024,
                "Client assertion is not within its valid time range.",
                401,
            ) from None
        except jwt.InvalidAudienceError:
            raise AadError(
                "invalid_client",
                700021,
                "Client assertion audience claim does not match Realm issuer.",
                401,
            ) from None
        except jwt.PyJWTError:
            raise AadError(
                "invalid_client", 700027, "Client assertion contains an invalid signature.", 401
            ) from None
        if claims.get("iss") != ident.client_id or claims.get("sub") != ident.client_id:
            raise AadError(
                "invalid_client",
                700023,
                "Client assertion issuer or subject does not match the client id.",
                401,
            )

    def _check_password(self, form: dict) -> None:
        ident = self.identity
        if form.get("client_id") != ident.client_id:
            raise AadError(
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the directory '{ident.tenant_id}'.",  # noqa: E501
            )
        if form.get("client_secret") and form["client_secret"] != ident.client_secret:
            raise AadError("invalid_client", 7000215, "Invalid client secret provided.", 401)
        if (form.get("username") or "").lower() != ident.username.lower():
            raise AadError(
                "invalid_grant",
                50034,
                f"The user account {form.get('username')} does not exist in the {ident.tenant_id} directory. To sign into this application, the account must be added to the directory.",  # noqa: E501
            )
        if form.get("password") != ident.password:
            raise AadError(
                "invalid_grant",
                50126,
                "Error validating credentials due to invalid username or password.",
            )

    def _token_response(self, audience: str, user: str, subject: str, grant: str, v2: bool) -> dict:
        ident = self.identity
        issued = time.time()
        now, life = int(issued), int(self.lifetime())
        # NumericDates are whole seconds: `exp` rounds up, so a token lives its whole
        # `expires_in` (rounding down would cut a 1 s token to anything from 0 to 1 s)
        expires = math.ceil(issued + life)
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{ident.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": expires,
            "tid": ident.tenant_id,
            "appid": ident.client_id,
            "oid": user,
            "sub": subject,
            "uti": uuid.uuid4().hex,
            "ver": "1.0",
        }
        if grant == "password":
            claims.update(
                {"upn": ident.username, "unique_name": ident.username, "scp": "user_impersonation"}
            )
        token = jwt.encode(claims, self.key, algorithm="HS256", headers={"typ": "JWT"})
        if v2:
            body = {
                "token_type": "Bearer",
                "expires_in": life,
                "ext_expires_in": life,
                "access_token": token,
            }
            if grant == "password":
                body["scope"] = f"{audience}/user_impersonation"
                body["refresh_token"] = secrets.token_urlsafe(48)
            return body
        return {
            "token_type": "Bearer",
            "expires_in": str(life),
            "ext_expires_in": str(life),
            "expires_on": str(expires),
            "not_before": str(now),
            "resource": audience,
            "access_token": token,
        }

    # -- checking ------------------------------------------------------------------------
    def check(self, authorization: str | None) -> dict:
        """The claims of a valid bearer token, or the Web API's 401."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthorized("Bearer token is missing from the request.")
        try:
            return jwt.decode(
                authorization[7:].strip(),
                self.key,
                algorithms=["HS256"],
                options={"verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpired(
                "The access token has expired. Acquire a new token and retry the request."
            ) from None
        except jwt.PyJWTError:
            raise Unauthorized("The access token is not valid.") from None


def _unverified_subject(assertion: str) -> str | None:
    try:
        return jwt.decode(assertion, options={"verify_signature": False}).get("sub")
    except jwt.PyJWTError:
        return None
