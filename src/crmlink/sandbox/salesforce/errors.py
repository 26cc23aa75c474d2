"""Salesforce's errors, one class per real error code, serialised once in the wire shape.

REST errors are a JSON array: `[{"message": ..., "errorCode": ..., "fields": [...]}]`.
Per-record errors (composite, Bulk results) use `{"statusCode", "message", "fields"}`.
Bulk API 2.0 answers `[{"errorCode": ..., "message": ...}]`, Bulk API 1.0
`{"exceptionCode": ..., "exceptionMessage": ...}` (or its XML `<error>`). OAuth errors
have their own shape (`OAuthError`).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.responses import JSONResponse, Response

# Bulk 1.0's names for the REST codes it shares.
_CLASSIC_CODES = {
    "INVALID_SESSION_ID": "InvalidSessionId",
    "INVALIDJOB": "InvalidJob",
    "INVALIDJOBSTATE": "InvalidJobState",
    "NOT_FOUND": "InvalidJob",
    "JSON_PARSER_ERROR": "ClientInputError",
    "REQUEST_LIMIT_EXCEEDED": "ExceededQuota",
}
_ASYNC_NS = "http://www.force.com/2009/06/asyncapi/dataload"


class SalesforceError(Exception):
    status = 400
    error_code = "UNKNOWN_EXCEPTION"

    def __init__(self, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = list(fields or [])

    def rest_body(self) -> list[dict]:
        body: dict[str, object] = {"message": self.message, "errorCode": self.error_code}
        if self.fields:  # DML errors name their fields; query and session errors do not
            body["fields"] = self.fields
        return [body]

    def record_error(self) -> dict:
        """The per-record shape used by composite and bulk results."""
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields}

    def response(self, headers: dict | None = None) -> JSONResponse:
        return JSONResponse(self.rest_body(), status_code=self.status, headers=headers)

    def bulk2_response(self) -> JSONResponse:
        """The Bulk API 2.0 shape."""
        body = [{"errorCode": self.error_code, "message": self.message}]
        return JSONResponse(body, status_code=self.status)

    def classic_code(self) -> str:
        return _CLASSIC_CODES.get(self.error_code, self.error_code)

    def bulk1_response(self, xml: bool) -> Response:
        """The Bulk API 1.0 shape, JSON or (for an XML request) XML."""
        code = self.classic_code()
        message = "Invalid session id" if code == "InvalidSessionId" else self.message
        status = 400 if self.status < 500 and code != "ExceededQuota" else self.status
        if xml:
            text = (
                f'<?xml version="1.0" encoding="UTF-8"?><error xmlns="{_ASYNC_NS}">'
                f"<exceptionCode>{escape(code)}</exceptionCode>"
                f"<exceptionMessage>{escape(message)}</exceptionMessage></error>"
            )
            return Response(text, status_code=status, media_type="application/xml")
        body = {"exceptionCode": code, "exceptionMessage": message}
        return JSONResponse(body, status_code=status)


def _error(code: str, status: int = 400) -> type[SalesforceError]:
    return type(
        code.title().replace("_", ""), (SalesforceError,), {"error_code": code, "status": status}
    )


InvalidSessionId = _error("INVALID_SESSION_ID", 401)
RequestLimitExceeded = _error("REQUEST_LIMIT_EXCEEDED", 403)
NotFound = _error("NOT_FOUND", 404)
InvalidType = _error("INVALID_TYPE", 400)
InvalidField = _error("INVALID_FIELD", 400)
MalformedQuery = _error("MALFORMED_QUERY", 400)
InvalidQueryLocator = _error("INVALID_QUERY_LOCATOR", 400)
InvalidQueryFilterOperator = _error("INVALID_QUERY_FILTER_OPERATOR", 400)
JsonParserError = _error("JSON_PARSER_ERROR", 400)
InvalidFieldForInsertUpdate = _error("INVALID_FIELD_FOR_INSERT_UPDATE", 400)
RequiredFieldMissing = _error("REQUIRED_FIELD_MISSING", 400)
StringTooLong = _error("STRING_TOO_LONG", 400)
InvalidOrNullForRestrictedPicklist = _error("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", 400)
DuplicateValue = _error("DUPLICATE_VALUE", 400)
DuplicateExternalId = _error("DUPLICATE_EXTERNAL_ID", 300)
MalformedId = _error("MALFORMED_ID", 400)
InvalidCrossReferenceKey = _error("INVALID_CROSS_REFERENCE_KEY", 400)
EntityIsDeleted = _error("ENTITY_IS_DELETED", 404)
InvalidTypeOnFieldInRecord = _error("INVALID_TYPE_ON_FIELD_IN_RECORD", 400)
InvalidFieldValue = _error("INVALID_FIELD", 400)
ExceededIdLimit = _error("EXCEEDED_ID_LIMIT", 400)
InvalidBatchSize = _error("INVALID_BATCH_SIZE", 400)
AllOrNoneOperationRolledBack = _error("ALL_OR_NONE_OPERATION_ROLLED_BACK", 400)
MethodNotAllowed = _error("METHOD_NOT_ALLOWED", 405)
InvalidOperation = _error("INVALIDJOB", 400)
ApiDisabledForOrg = _error("API_DISABLED_FOR_ORG", 403)
ServerUnavailable = _error("SERVER_UNAVAILABLE", 503)
InvalidReplicationDate = _error("INVALID_REPLICATION_DATE", 400)
NumberOutsideValidRange = _error("NUMBER_OUTSIDE_VALID_RANGE", 400)
FunctionalityNotEnabled = _error("FUNCTIONALITY_NOT_ENABLED", 400)
InvalidJob = _error("INVALIDJOB", 400)
InvalidJobState = _error("INVALIDJOBSTATE", 400)
InvalidLocator = _error("INVALIDLOCATOR", 400)


class ConcurrentRequestLimit(SalesforceError):
    """REQUEST_LIMIT_EXCEEDED answered 429 (too many long requests at once), not 403."""

    error_code = "REQUEST_LIMIT_EXCEEDED"
    status = 429


class ClassicError(SalesforceError):
    """A Bulk 1.0 error with its own exception code (`InvalidBatch`, `ClientInputError`)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_code, self.status = code, status

    def classic_code(self) -> str:
        return self.error_code


class OAuthError(Exception):
    """Errors of /services/oauth2/token: `{"error": ..., "error_description": ...}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self) -> JSONResponse:
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status)
