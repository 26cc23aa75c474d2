"""Azure AD logins (client secret and certificate through msal, the resource-owner
password grant as a plain OAuth form) and the `httpx.Auth` flow that adds the bearer
token and, on a 401, fetches a fresh token and replays the request.

The authority is `https://login.microsoftonline.com/{tenant_id}`, except when the
environment URL's host is loopback (the sandbox CRM): then `{url}/{tenant_id}`.
`DynamicsConnector(authority=…)` overrides both. Secrets are read from
`account.secrets` when a token is requested and go nowhere else.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from crmlink.connectors._http import (
    TRANSIENT_STATUS,
    checked_ca_bundle,
    segment,
    tls_context,
    untrusted,
    verification_failure,
)
from crmlink.connectors.dynamics import errors
from crmlink.errors import RetryableError, UsageError
from crmlink.model import AccountSettings

if TYPE_CHECKING:
    import msal
    import requests

AUTH_METHODS = ("client-secret", "certificate", "password")
PUBLIC_AUTHORITY = "https://login.microsoftonline.com"
REFRESHES = 2  # fresh tokens a call may get for its 401s before the 401 goes up
LONGEST_THROTTLE_WAIT = 60.0  # seconds a login waits out msal's throttle; longer: an error


def authority_for(account: AccountSettings) -> str:
    """`https://login.microsoftonline.com/{tenant}`, or `{url}/{tenant}` on loopback."""
    tenant = segment(account.tenant_id or "organizations")  # a setting: one path segment
    if _is_loopback(urlsplit(account.url).hostname or ""):
        return f"{account.url.rstrip('/')}/{tenant}"
    return f"{PUBLIC_AUTHORITY}/{tenant}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _requests_session(account: AccountSettings) -> requests.Session:
    import requests

    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE would override `verify`
    session.verify = checked_ca_bundle(account) or True
    return session


def certificate_credential(private_key: str) -> dict:
    """msal's `{"private_key", "thumbprint"}` from the key file and its certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    key_text = Path(private_key).read_text()
    cert_path = find_certificate(Path(private_key))
    if cert_path is None:
        raise UsageError(
            f"no certificate found for the private key {private_key}: put the PEM certificate "
            "in the key file or beside it (…-cert.pem, .crt or .cer next to …-key.pem)"
        )
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    thumbprint = cert.fingerprint(hashes.SHA1()).hex()  # noqa: S303 - Azure AD's x5t
    return {"private_key": key_text, "thumbprint": thumbprint}


def find_certificate(key: Path) -> Path | None:
    """The certificate of a key: in the key file itself, or a sibling file."""
    if "BEGIN CERTIFICATE" in key.read_text(errors="replace"):
        return key
    stem = key.name.rsplit(".", 1)[0]
    names = [key.name.replace("key", "cert"), key.name.replace("key", "crt")]
    names += [f"{stem}.crt", f"{stem}.cer", f"{stem}.cert.pem", f"{stem}-cert.pem"]
    for name in names:
        path = key.with_name(name)
        if path != key and path.is_file() and "BEGIN CERTIFICATE" in path.read_text("latin-1"):
            return path
    return None


class LoginThrottle:
    """Until when msal answers a login from its throttle cache. msal replays a token
    endpoint's 429 or 5xx answer (or any with Retry-After), without asking again, for
    its Retry-After: 5 s when it gives none (`msal.throttled_http_client`). Retries
    sooner would all get that one cached answer and spend every attempt of the retry
    policy in a second, so a login waits the window out first. Noted from the raw
    answers by a response hook on the session msal sends through."""

    DEFAULT = 5  # msal's throttle for a confidential client's answer without Retry-After

    def __init__(self) -> None:
        self.until = 0.0  # time.time(); reset when the msal app (and its cache) is dropped

    def hook(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        retry_after = response.headers.get("Retry-After")
        busy = response.status_code == 429 or response.status_code >= 500
        if response.request.method != "POST" or not (busy or retry_after is not None):
            return
        try:
            delay = int(retry_after or self.DEFAULT)
        except ValueError:
            delay = self.DEFAULT
        self.until = int(time.time()) + min(3600, delay)  # msal counts whole seconds

    def wait(self, account: str) -> None:
        left = self.until - time.time()
        if left > LONGEST_THROTTLE_WAIT:
            raise RetryableError(
                f"Azure AD asked to wait {left:.0f} s before the next login",
                retry_after=left,
                account=account,
            )
        if left > 0:
            time.sleep(left)


class TokenSource:
    """Gets access tokens for the environment (`{url}/.default`) by the account's method."""

    def __init__(
        self,
        account: AccountSettings,
        authority: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if account.auth not in AUTH_METHODS:
            raise UsageError(
                f"unknown Dynamics auth method {account.auth!r}: use one of "
                f"{', '.join(AUTH_METHODS)}",
                account=account.name,
            )
        self.account = account
        self.authority = (authority or authority_for(account)).rstrip("/")
        self.scope = f"{account.url.rstrip('/')}/.default"
        self.logins = 0
        self.transport = transport  # the password grant's (msal uses its own requests)
        self._app: msal.ConfidentialClientApplication | None = None
        self._session: requests.Session | None = None
        self.throttle = LoginThrottle()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def token(self, fresh: bool = False) -> str:
        self.logins += 1
        if self.account.auth == "password":
            return self._password()
        return self._msal(fresh)

    # -- msal: client secret, certificate ----------------------------------------------
    def _msal(self, fresh: bool) -> str:
        import requests
        from msal.exceptions import MsalServiceError

        try:
            app = self._msal_app()
            self.throttle.wait(self.account.name)
            if fresh:
                app.remove_tokens_for_client()
            result = app.acquire_token_for_client([self.scope])
        except requests.RequestException as exc:
            self._app = None  # its discovery may not have happened: redo it next time
            failed = verification_failure(exc)
            if failed is not None:
                raise untrusted("Azure AD", self.account.name, failed) from None
            raise RetryableError(
                f"Azure AD could not be reached ({type(exc).__name__})", account=self.account.name
            ) from None
        except (ValueError, MsalServiceError) as exc:  # msal: discovery answered an error
            self._app = None  # (a 503, a 429: msal raises and caches it) or something unusable
            self.throttle.until = 0.0  # that cache goes with the app
            raise RetryableError(
                f"Azure AD answered badly: {exc}", account=self.account.name
            ) from None
        return self._access_token(result)

    def _msal_app(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            import msal

            acc = self.account
            local = self.authority.split("/")[2] != PUBLIC_AUTHORITY.split("/")[2]
            self._app = msal.ConfidentialClientApplication(
                acc.client_id,
                client_credential=self._credential(),
                authority=self.authority,
                validate_authority=not local,
                instance_discovery=not local,
                http_client=self._http_session(),
            )
        return self._app

    def _http_session(self) -> requests.Session:
        if self._session is None:
            self._session = _requests_session(self.account)
            self._session.hooks["response"].append(self.throttle.hook)
        return self._session

    def _credential(self) -> str | dict:
        acc = self.account
        if acc.auth == "client-secret":
            return self.account.secret("client_secret")
        if not acc.private_key or not Path(acc.private_key).is_file():
            raise UsageError(
                f"account {acc.name} needs a readable --private-key file for certificate login",
                account=acc.name,
            )
        return certificate_credential(acc.private_key)

    # -- password: the plain OAuth 2.0 form (msal's user-realm lookup drops the port) ----
    def _password(self) -> str:
        acc = self.account
        form = {
            "grant_type": "password",
            "client_id": acc.client_id or "",
            "username": acc.username or "",
            "password": self.account.secret("password"),
            "scope": self.scope,
        }
        if acc.secrets.get("client_secret"):
            form["client_secret"] = str(acc.secrets["client_secret"])
        verify = tls_context(acc)
        try:
            with httpx.Client(verify=verify, timeout=60, transport=self.transport) as client:
                response = client.post(f"{self.authority}/oauth2/v2.0/token", data=form)
        except httpx.TransportError as exc:
            failed = verification_failure(exc)
            if failed is not None:
                raise untrusted("Azure AD", acc.name, failed) from None
            raise RetryableError(
                f"Azure AD could not be reached ({type(exc).__name__})", account=acc.name
            ) from None
        if response.status_code in TRANSIENT_STATUS:
            raise errors.from_response(response, account=acc.name)
        try:
            body = response.json()
        except ValueError:
            body = {"error": f"HTTP_{response.status_code}"}
        return self._access_token(body)

    def _access_token(self, result: dict) -> str:
        if result.get("access_token"):
            return str(result["access_token"])
        raise errors.aad_error(result, self.account.name, self.account.tenant_id or "")


class TokenAuth(httpx.Auth):
    """Adds `Authorization: Bearer`; on a 401 (token expired or revoked) gets a fresh token
    and replays the request, up to `REFRESHES` times: a fresh token can still expire in
    flight (a stalled machine, a short lifetime). The next 401 goes up as it is (AuthError).

    Calls in several threads share this flow: when several get a 401 for the same token,
    one gets the fresh token and the others reuse it (one login, not one per thread)."""

    def __init__(self, token: Callable[[bool], str]) -> None:
        self._token_fn = token
        self._token: str | None = None
        self._lock = threading.Lock()

    def _get(self, refused: str | None = None) -> str:
        """The token in force: a fresh one if there is none, or if it is `refused`."""
        with self._lock:
            if self._token is None or self._token == refused:
                self._token = self._token_fn(refused is not None)
            return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._get()
        for refreshed in range(REFRESHES + 1):
            request.headers["Authorization"] = f"Bearer {token}"
            response = yield request
            if response.status_code != 401 or refreshed == REFRESHES:
                return
            token = self._get(refused=token)
