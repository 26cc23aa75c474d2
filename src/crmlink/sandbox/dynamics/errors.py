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


def _error(name: str, code: str, status: int) -> type[DataverseError]:
    return type(name, (DataverseError,), {"code": code, "status": status})


RecordNotFound = _error("RecordNotFound", "0x80040217", 404)
DuplicateRecord = _error("DuplicateRecord", "0x80040237", 412)
PropertyNotFound = _error("PropertyNotFound", "0x80060888", 400)
ResourceNotFound = _error("ResourceNotFound", "0x8006088a", 404)
InvalidPayload = _error("InvalidPayload", "0x80048d19", 400)
InvalidArgument = _error("InvalidArgument", "0x80040203", 400)
VersionMismatch = _error("VersionMismatch", "0x80060882", 412)
EntityMetadataNotFound = _error("EntityMetadataNotFound", "0x80040217", 404)
TokenExpired = _error("TokenExpired", "0x80072560", 401)
Unauthorized = _error("Unauthorized", "0x80072560", 401)
RequestLimit = _error("RequestLimit", "0x80072322", 429)
ExecutionTimeLimit = _error("ExecutionTimeLimit", "0x80072321", 429)
ServiceUnavailable = _error("ServiceUnavailable", "0x80040216", 503)
BatchTooLarge = _error("BatchTooLarge", "0x8005f103", 400)
MethodNotAllowed = _error("MethodNotAllowed", "0x80060888", 405)
InvalidDeltaToken = _error("InvalidDeltaToken", "0x80044352", 400)


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

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)
