"""The retry policy's old address: `RetryPolicy`, `Retrier` and the TLS helpers now live in
`crmlink.connectors._http`, the one HTTP boundary of every connector (its docstring maps
transport failures to crmlink's errors and says which are retried)."""

from __future__ import annotations

from crmlink.connectors._http import (
    TRANSIENT_STATUS,
    Retrier,
    RetryPolicy,
    checked_ca_bundle,
    retry_after,
    tls_context,
    untrusted,
    verification_failure,
)

__all__ = [
    "TRANSIENT_STATUS",
    "Retrier",
    "RetryPolicy",
    "checked_ca_bundle",
    "retry_after",
    "tls_context",
    "untrusted",
    "verification_failure",
]
