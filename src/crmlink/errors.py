"""crmlink's one error tree, grouped by what the caller must do.

    CrmlinkError
    ├── UsageError            bad input or configuration: fix it and rerun (exit 2)
    │   ├── NotFoundError     an account, schema, enumeration or table that does not exist
    │   └── FilterError       a filter that does not parse, or names an unknown field
    ├── RetryableError        transient: network, 503, 429 — retry with backoff
    ├── JobFailed             the job cannot go on: reported, exit 1
    │   ├── AuthError         the CRM refused the credentials
    │   ├── QuotaExhausted    the CRM's API quota is spent (REQUEST_LIMIT_EXCEEDED)
    │   └── RemoteError       the CRM answered an error for the whole call

A refused *record* is not an error: it is a `crmlink.model.WriteResult` with a `Reject`
(the CRM's code and message), and goes to the activity's reject output.

Every error carries its context (account, object, operation, CRM error code) and never
a secret. CRM error codes are mapped to it in one table per connector.
"""

from __future__ import annotations


class CrmlinkError(Exception):
    exit_code = 1

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, object] = {k: v for k, v in context.items() if v is not None}


class UsageError(CrmlinkError):
    exit_code = 2


class NotFoundError(UsageError):
    pass


class FilterError(UsageError):
    pass


class RetryableError(CrmlinkError):
    def __init__(self, message: str, retry_after: float | None = None, **context: object) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class JobFailed(CrmlinkError):
    exit_code = 1


class AuthError(JobFailed):
    pass


class QuotaExhausted(JobFailed):
    pass


class RemoteError(JobFailed):
    def __init__(
        self, message: str, code: str | None = None, status: int | None = None, **ctx: object
    ) -> None:
        super().__init__(message, code=code, status=status, **ctx)
        self.code, self.status = code, status


def clip(value: object, limit: int = 80) -> str:
    """`value` quoted (`repr`: control characters and right-to-left marks escaped) and cut
    to about `limit` characters: a hostile value is named in a message, never pasted whole."""
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"
