"""Dataverse's answers mapped onto crmlink's error tree — the one table for this CRM.

Web API errors arrive as `{"error": {"code": "0x8004…", "message": …}}`; Azure AD token
errors as `{"error", "error_description", "error_codes"}` (AADSTS numbers). Messages are
built from codes and the service's own text, which holds no secret.
"""

from __future__ import annotations

from typing import Any

import httpx

from crmlink.connectors._http import TRANSIENT_STATUS, retry_after
from crmlink.errors import (
    AuthError,
    CrmlinkError,
    FilterError,
    NotFoundError,
    RemoteError,
    RetryableError,
    UsageError,
)
from crmlink.model import Reject

# Platform error code -> the crmlink error class the whole call raises.
CODE_TABLE: dict[str, type[CrmlinkError]] = {
    "0x80072322": RetryableError,  # service protection: number of requests
    "0x80072321": RetryableError,  # service protection: combined execution time
    "0x80072326": RetryableError,  # service protection: concurrent requests
    "0x80040216": RetryableError,  # generic platform error (503 service unavailable)
    "0x80072560": AuthError,  # token expired or invalid (after the refreshes)
    "0x80040220": AuthError,  # caller lacks a privilege
    "0x80040217": NotFoundError,  # record or entity does not exist
    "0x8006088a": NotFoundError,  # resource (entity set, segment) not found
    "0x80060888": FilterError,  # a property named in $select/$filter does not exist
    "0x80040203": UsageError,  # invalid argument (e.g. not an alternate key)
    "0x8005f103": UsageError,  # $batch holds more than 1,000 operations
    "0x80044352": UsageError,  # delta token not valid or expired
}
# AADSTS number -> a sentence saying what to fix (never the secret itself).
AAD_ERRORS = {
    7000215: "Azure AD refused the client secret of account {account}: give the secret's "
    "value (not its id)",
    700016: "Azure AD does not know the app (client_id) of account {account} in tenant {tenant}",
    700027: "Azure AD refused the certificate of account {account}: the key's certificate "
    "is not registered on the app",
    700024: "Azure AD refused the certificate assertion of account {account}: check the "
    "machine's clock",
    50126: "Azure AD refused the username or password of account {account}",
    50034: "Azure AD does not know the user of account {account}",
    90002: "Azure AD has no tenant {tenant} (account {account}): check --tenant-id",
    70003: "Azure AD does not allow this login method for account {account}",
}


def error_body(response: httpx.Response) -> tuple[str, str]:
    """(code, message) of a Web API error response, whatever its shape."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP_{response.status_code}", response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("code") or f"HTTP_{response.status_code}"), str(
            error.get("message") or ""
        )
    return f"HTTP_{response.status_code}", str(body)[:200]


def from_response(response: httpx.Response, **context: Any) -> CrmlinkError:
    """The crmlink error for a failed Web API call."""
    code, message = error_body(response)
    status = response.status_code
    text = f"Dataverse answered {status} {code}: {message}"
    kind = CODE_TABLE.get(code, RemoteError)
    if status in TRANSIENT_STATUS or kind is RetryableError:
        return RetryableError(
            text, retry_after=retry_after(response), code=code, status=status, **context
        )
    if status == 401:
        kind = AuthError
    if kind is RemoteError:
        return RemoteError(text, code=code, status=status, **context)
    return kind(text, code=code, status=status, **context)


def aad_error(result: dict, account: str, tenant: str) -> CrmlinkError:
    """The error for a failed token request (an msal result or a token endpoint body)."""
    error = result.get("error")
    if not isinstance(error, str):  # a Web-API-shaped body: 503/429 from the front door
        return RetryableError(f"Azure AD is busy: {error}", account=account)
    codes = result.get("error_codes") or [0]
    template = AAD_ERRORS.get(int(codes[0]))
    detail = str(result.get("error_description") or error).splitlines()[0]
    if template is None:
        message = f"Azure AD refused the login of account {account}: {detail}"
    else:
        message = template.format(account=account, tenant=tenant) + f" ({detail})"
    if error in ("temporarily_unavailable", "server_error"):
        return RetryableError(message, code=error, account=account)
    return AuthError(message, code=error, account=account)


def reject(status: int, body: dict | None) -> Reject:
    """A per-operation error of a `$batch` answer."""
    error = (body or {}).get("error") or {}
    code = str(error.get("code") or f"HTTP_{status}")
    return Reject(code, str(error.get("message") or f"HTTP {status}"))
