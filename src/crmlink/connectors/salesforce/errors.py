"""Salesforce's answers mapped onto crmlink's error tree — the one table for this CRM.

REST errors arrive as `[{"errorCode", "message", "fields"}]`, OAuth errors as
`{"error", "error_description"}`, SOAP login faults as XML, per-record errors as
`{"statusCode", "message", "fields"}`. Messages never carry a secret: they are built
here from codes and Salesforce's own text, which holds none.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from crmlink.connectors._http import TRANSIENT_STATUS, retry_after
from crmlink.errors import (
    AuthError,
    CrmlinkError,
    FilterError,
    NotFoundError,
    QuotaExhausted,
    RemoteError,
    RetryableError,
    UsageError,
)
from crmlink.model import Reject

# errorCode -> the crmlink error class the whole call raises.
CODE_TABLE: dict[str, type[CrmlinkError]] = {
    "INVALID_SESSION_ID": AuthError,  # after the one re-login the auth flow makes
    "INVALID_AUTH_HEADER": AuthError,
    "API_DISABLED_FOR_ORG": AuthError,
    "INSUFFICIENT_ACCESS": AuthError,
    "REQUEST_LIMIT_EXCEEDED": QuotaExhausted,  # 403; a 429 with this code is retryable
    "INVALID_FIELD": FilterError,
    "MALFORMED_QUERY": FilterError,
    "INVALID_QUERY_FILTER_OPERATOR": FilterError,
    "INVALID_TYPE": UsageError,
    "NOT_FOUND": NotFoundError,
    "SERVER_UNAVAILABLE": RetryableError,
    "UNABLE_TO_LOCK_ROW": RetryableError,
    "QUERY_TIMEOUT": RetryableError,
}
# OAuth `error` -> a sentence that says what to fix (never the secret itself).
OAUTH_ERRORS = {
    "invalid_grant": "Salesforce refused the login ({detail}): check the username, password "
    "and security token (or the private key / refresh token) of account {account}",
    "invalid_client": "Salesforce refused the connected app's client secret for account "
    "{account}: check client_id and client_secret",
    "invalid_client_id": "Salesforce does not know the connected app (client_id) of "
    "account {account}",
    "unsupported_grant_type": "Salesforce does not allow this login method for account "
    "{account} ({detail})",
}


def error_body(response: httpx.Response) -> tuple[str, str, tuple[str, ...]]:
    """(errorCode, message, fields) of an error response, whatever its shape."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP_{response.status_code}", response.text[:200], ()
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if not isinstance(body, dict):
        return f"HTTP_{response.status_code}", str(body)[:200], ()
    code = body.get("errorCode") or body.get("error") or f"HTTP_{response.status_code}"
    message = body.get("message") or body.get("error_description") or ""
    return str(code), str(message), tuple(body.get("fields") or ())


def from_response(response: httpx.Response, **context: Any) -> CrmlinkError:
    """The crmlink error for a failed REST or Bulk call."""
    code, message, _fields = error_body(response)
    status = response.status_code
    if status in TRANSIENT_STATUS:
        return RetryableError(
            f"Salesforce is busy ({status} {code}): {message}",
            retry_after=retry_after(response),
            code=code,
            status=status,
            **context,
        )
    if code == "REQUEST_LIMIT_EXCEEDED":
        return quota_exhausted(context.pop("usage", None), **context)
    context.pop("usage", None)
    kind = CODE_TABLE.get(code) or (NotFoundError if status == 404 else None)
    text = f"Salesforce answered {code}: {message}"
    if kind is None or kind is RemoteError:
        return RemoteError(text, code=code, status=status, **context)
    if kind is RetryableError:
        return RetryableError(text, code=code, status=status, **context)
    return kind(text, code=code, status=status, **context)


def quota_exhausted(usage: tuple[int, int] | None, **context: Any) -> QuotaExhausted:
    spent = f"{usage[0]}/{usage[1]} calls" if usage else "limit reached"
    return QuotaExhausted(
        f"the org's daily API quota is spent: {spent}; rerun after it resets or raise the limit",
        code="REQUEST_LIMIT_EXCEEDED",
        **context,
    )


def oauth_error(response: httpx.Response, account: str) -> AuthError:
    code, detail, _ = error_body(response)
    template = OAUTH_ERRORS.get(
        code, "Salesforce refused the login for account {account}: {detail}"
    )
    return AuthError(
        template.format(account=account, detail=detail or code), code=code, account=account
    )


def soap_fault(text: str, account: str) -> AuthError:
    match = re.search(r"<(?:\w+:)?exceptionCode>([^<]+)<", text) or re.search(
        r"<faultcode>(?:\w+:)?([^<]+)<", text
    )
    code = match.group(1) if match else "SOAP_FAULT"
    if code == "INVALID_LOGIN":
        message = (
            f"Salesforce refused the SOAP login of account {account} (INVALID_LOGIN): check "
            "the username, password and security token"
        )
    else:
        message = f"Salesforce refused the SOAP login of account {account} ({code})"
    return AuthError(message, code=code, account=account)


def reject(error: dict) -> Reject:
    """A per-record error of a composite result."""
    code = error.get("statusCode") or error.get("errorCode") or "UNKNOWN_EXCEPTION"
    return Reject(str(code), str(error.get("message") or ""), tuple(error.get("fields") or ()))


_BULK_ERROR = re.compile(r"([A-Z_]+):(.*?):([\w,]*) --")


def bulk_reject(text: str) -> Reject:
    """`sf__Error` of a Bulk 2.0 failed result: `CODE:message:Field1,Field2 --`."""
    found = _BULK_ERROR.match(text.strip())
    if not found:
        code, _, rest = text.partition(":")
        return Reject(code.strip() or "UNKNOWN_EXCEPTION", rest.strip() or text)
    code, message, fields = found.groups()
    return Reject(code, message, tuple(f for f in fields.split(",") if f))
