"""Dataverse's errors, one class per real platform code, serialised once in the wire shape.

Web API errors are `{"error": {"code": "0x8004…", "message": "…"}}` with an HTTP status.
Azure AD token errors have their own shape (`AadError`): `error`, `error_description`
(with `AADSTS…` and the trace lines), `error_codes`, `timestamp`, `trace_id`,
`correlation_id`, `error_uri`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from starlette.responses import JSONResponse

ODATA_HEADERS = {"OData-Version": "4.0"}


class DataverseError(Exception):
    status = 400
    code = "0x80040216"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}

    def response(self, headers: dict | None = None) -> JSONResponse:
        return JSONResponse(
            self.body(), status_code=self.status, headers={**ODATA_HEADERS, **(headers or {})}
        )


class RecordNotFound(DataverseError):
    code = "0x80040217"
    status = 404


class DuplicateRecord(DataverseError):
    code = "0x80040237"
    status = 412


class PropertyNotFound(DataverseError):
    code = "0x80060888"
    status = 400


class ResourceNotFound(DataverseError):
    code = "0x8006088a"
    status = 404


class InvalidPayload(DataverseError):
    code = "0x80048d19"
    status = 400


class InvalidArgument(DataverseError):
    code = "0x80040203"
    status = 400


class VersionMismatch(DataverseError):
    code = "0x80060882"
    status = 412


class EntityMetadataNotFound(DataverseError):
    code = "0x80040217"
    status = 404


class TokenExpired(DataverseError):
    code = "0x80072560"
    status = 401


class Unauthorized(DataverseError):
    code = "0x80072560"
    status = 401


class RequestLimit(DataverseError):
    code = "0x80072322"
    status = 429


class ExecutionTimeLimit(DataverseError):
    code = "0x80072321"
    status = 429


class ConcurrentRequestLimit(DataverseError):
    code = "0x80072326"
    status = 429


class ServiceUnavailable(DataverseError):
    code = "0x80040216"
    status = 503


class BatchTooLarge(DataverseError):
    code = "0x8005f103"
    status = 400


class MethodNotAllowed(DataverseError):
    code = "0x80060888"
    status = 405


class InvalidDeltaToken(DataverseError):
    code = "0x80044352"
    status = 400


class ValidationFailed(DataverseError):
    code = "0x80044331"


class OutOfRange(DataverseError):
    code = "0x8004431a"


class FilterSyntaxError(PropertyNotFound):
    """A `$filter` the parser cannot read (0x80060888, like the real service)."""


def record_not_found(entity: str, record_id: str) -> DataverseError:
    return RecordNotFound(f"{entity} With Id = {record_id} Does Not Exist")


def unknown_property(name: str, entity: str) -> DataverseError:
    return PropertyNotFound(
        f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{entity}'."
    )


def unknown_segment(segment: str) -> DataverseError:
    return ResourceNotFound(f"Resource not found for the segment '{segment}'.")


class AadError(Exception):
    """An Azure AD token endpoint error (`invalid_client`, `invalid_grant`, …)."""

    def __init__(self, error: str, aadsts: int, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.aadsts, self.description, self.status = error, aadsts, description, status

    def body(self) -> dict:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        text = (
            f"AADSTS{self.aadsts}: {self.description}\r\nTrace ID: {trace}\r\n"
            f"Correlation ID: {corr}\r\nTimestamp: {now}"
        )
        return {
            "error": self.error,
            "error_description": text,
            "error_codes": [self.aadsts],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.aadsts}",
        }

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def aad_busy(kind: str, retry_after: int) -> JSONResponse:
    """A fault on an Azure AD route: `temporarily_unavailable` (AADSTS90033, a transient
    error), 503, or 429 with `Retry-After` — the OAuth 2.0 shape msal reads."""
    description = "A transient error has occurred. Please try again."
    if kind == "503":
        return AadError("temporarily_unavailable", 90033, description, 503).response()
    busy = AadError("temporarily_unavailable", 90033, description, 429)
    return busy.response({"Retry-After": str(retry_after)})
