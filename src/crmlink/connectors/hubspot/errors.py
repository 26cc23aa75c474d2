"""HubSpot's answers mapped onto crmlink's error tree — the one table for this CRM.

Errors arrive as `{"status": "error", "message", "correlationId", "category"}` (plus
`subCategory`, `errors`, `context` where HubSpot sends them); a 429 says which limit it
hit in `policyName` (TEN_SECONDLY_ROLLING, SECONDLY, DAILY); the OAuth token endpoint
answers `{"status": "BAD_REFRESH_TOKEN", "message"}`. Messages are built from HubSpot's
own text and category, which hold no secret. The parsed body stays on the error
(`body`), so batch writes can turn per-input errors into per-row results.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from crmlink.connectors._http import retry_after
from crmlink.errors import (
    AuthError,
    CrmlinkError,
    NotFoundError,
    QuotaExhausted,
    RemoteError,
    RetryableError,
    UsageError,
)
from crmlink.model import Reject

# HTTP status -> the crmlink error class the whole call raises (other statuses: RemoteError).
STATUS_TABLE: dict[int, type[CrmlinkError]] = {
    400: UsageError,  # VALIDATION_ERROR: the request (a property, a value, a filter) is wrong
    401: AuthError,  # INVALID_AUTHENTICATION: token expired (after the refresh) or revoked
    403: AuthError,  # MISSING_SCOPES: the app lacks a scope
    404: NotFoundError,  # OBJECT_NOT_FOUND: an object type, record or property
    409: RemoteError,  # CONFLICT: e.g. a contact with that email already exists
    429: RetryableError,  # RATE_LIMITS (DAILY: QuotaExhausted)
    502: RetryableError,
    503: RetryableError,
    504: RetryableError,
}
# policyName of a 429 -> seconds until the limit has room again (None: the window's header).
POLICY_WAIT: dict[str, float | None] = {"SECONDLY": 1.0, "TEN_SECONDLY_ROLLING": None}
INTERVAL_HEADER = "X-HubSpot-RateLimit-Interval-Milliseconds"
DEFAULT_INTERVAL = 10.0  # seconds of the rolling window when no header says
PROPERTY_VALUES = "Property values were not valid:"


def parse_body(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {"message": response.text[:200]}
    return body if isinstance(body, dict) else {"message": str(body)[:200]}


def code_of(body: dict, status: int) -> str:
    """HubSpot's most precise code in a body: subCategory, category, errorType or status."""
    for key in ("subCategory", "category", "errorType", "status"):
        value = body.get(key)
        if isinstance(value, str) and value and value != "error":
            return value
    return f"HTTP_{status}"


def window_seconds(response: httpx.Response) -> float:
    """The rolling window of the ten-secondly limit, from its header (10 s if absent)."""
    try:
        return max(0.0, int(response.headers.get(INTERVAL_HEADER, "")) / 1000)
    except ValueError:
        return DEFAULT_INTERVAL


def from_response(response: httpx.Response, **context: Any) -> CrmlinkError:
    """The crmlink error for a failed API call."""
    body = parse_body(response)
    status = response.status_code
    code = code_of(body, status)
    text = f"HubSpot answered {status} {code}: {str(body.get('message') or '').strip()}"
    error = _error(response, status, code, text, body.get("policyName"), context)
    error.body = body  # type: ignore[attr-defined]  # per-input errors of a batch call
    return error


def _error(
    response: httpx.Response, status: int, code: str, text: str, policy: object, context: dict
) -> CrmlinkError:
    kind = STATUS_TABLE.get(status, RemoteError)
    if status == 429 and policy == "DAILY":
        return QuotaExhausted(
            f"{text} (the account's daily API limit is spent: it resets at midnight in the "
            "account's time zone)",
            code=code,
            status=status,
            **context,
        )
    if kind is RetryableError:
        wait = retry_after(response)
        if status == 429 and isinstance(policy, str) and policy in POLICY_WAIT:
            wait = POLICY_WAIT[policy] or window_seconds(response)
        elif status == 429 and wait is None:
            wait = window_seconds(response)
        return RetryableError(text, retry_after=wait, code=code, status=status, **context)
    if kind is RemoteError:
        return RemoteError(text, code=code, status=status, **context)
    return kind(text, code=code, status=status, **context)


def token_error(response: httpx.Response, account: str) -> CrmlinkError:
    """The error for a refused or failed OAuth token request (never naming a secret)."""
    body = parse_body(response)
    status = response.status_code
    code = code_of(body, status)
    message = str(body.get("message") or "").strip()
    if status == 429 or status >= 500:
        return RetryableError(
            f"HubSpot's OAuth token endpoint answered {status} {code}: {message}",
            retry_after=retry_after(response),
            code=code,
            account=account,
        )
    return AuthError(
        f"HubSpot refused the OAuth login of account {account} ({code}: {message}): check "
        "its client_id, client_secret and refresh_token",
        code=code,
        account=account,
    )


def as_dict(value: object) -> dict:
    """`value` when it is a JSON object, else an empty one (answers are untrusted)."""
    return value if isinstance(value, dict) else {}


def reject(error: dict) -> Reject:
    """The per-row reject of one entry of a batch answer's `errors`: HubSpot's
    "Property values were not valid: [{…"error": "INVALID_OPTION", "name": …}]" gives
    the property's own code, names and messages."""
    code = code_of(error, 400)
    message = str(error.get("message") or code)
    context = as_dict(error.get("context"))
    names = context.get("propertyName") or context.get("properties") or []
    fields = tuple(str(n) for n in names) if isinstance(names, list) else ()
    invalid = _invalid_properties(message)
    if invalid:
        codes = [str(p.get("error") or "") for p in invalid]
        code = next((c for c in codes if c), code)
        fields = tuple(str(p["name"]) for p in invalid if isinstance(p.get("name"), str))
        message = "; ".join(f"{p.get('name')}: {p.get('message')}" for p in invalid)
    return Reject(code, message, fields)


def _invalid_properties(message: str) -> list[dict]:
    """The entries of "Property values were not valid: [json]" ([] for another message)."""
    head, _, rest = message.partition(PROPERTY_VALUES)
    if head.strip() or not rest.strip().startswith("["):
        return []
    try:
        entries = json.loads(rest)
    except ValueError:
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
