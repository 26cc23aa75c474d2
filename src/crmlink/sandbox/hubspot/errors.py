"""HubSpot's errors, one class per category, each serialised once in the wire shape.

Every API error is `{"status": "error", "message": …, "correlationId": <uuid>, "category": …}`
plus `errors` (`[{"message", "code", "context"}]`), `context` and `subCategory` where HubSpot
sends them. Rate limits have their own body (`RateLimited`: `errorType`, `policyName`,
`groupName`); OAuth endpoints answer in the same envelope with their own categories.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse


class HubSpotError(Exception):
    status = 400
    category = "VALIDATION_ERROR"

    def __init__(
        self,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, list[str]] | None = None,
        sub_category: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.context = context
        self.sub_category = sub_category
        self.headers: dict[str, str] = {}  # sent with the answer (rate-limit headers)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": "error", "message": self.message}
        out["correlationId"] = str(uuid.uuid4())
        if self.sub_category:
            out["subCategory"] = self.sub_category
        if self.context:
            out["context"] = self.context
        out["category"] = self.category
        if self.errors:
            out["errors"] = self.errors
        return out

    def response(self, headers: Mapping[str, str] | None = None) -> JSONResponse:
        body = self.body()
        merged = {**self.headers, **(headers or {})}
        merged["X-HubSpot-Correlation-Id"] = body["correlationId"]  # the same id as the body's
        return JSONResponse(body, status_code=self.status, headers=merged)

    def batch_error(self, context: dict[str, list[str]] | None = None) -> dict[str, Any]:
        """This error as one entry of a batch answer's `errors` (`StandardError`)."""
        merged = {**(self.context or {}), **(context or {})}
        entry: dict[str, Any] = {"status": "error", "category": self.category}
        if self.sub_category:
            entry["subCategory"] = self.sub_category
        entry["message"] = self.message
        entry["context"] = merged
        entry["errors"] = self.errors or []
        entry["links"] = {}
        return entry


class ValidationFailed(HubSpotError):
    status, category = 400, "VALIDATION_ERROR"


class ObjectNotFound(HubSpotError):
    status, category = 404, "OBJECT_NOT_FOUND"


class ResourceNotFound(HubSpotError):
    """A path no route serves (HubSpot answers a bare 404 in the envelope)."""

    status, category = 404, "OBJECT_NOT_FOUND"


class InvalidAuthentication(HubSpotError):
    status, category = 401, "INVALID_AUTHENTICATION"


class ExpiredAuthentication(HubSpotError):
    status, category = 401, "EXPIRED_AUTHENTICATION"


class MissingScopes(HubSpotError):
    status, category = 403, "MISSING_SCOPES"


class Conflict(HubSpotError):
    status, category = 409, "CONFLICT"


class AlreadyExists(HubSpotError):
    """A property, group or schema name already taken."""

    status, category = 409, "OBJECT_ALREADY_EXISTS"


class MethodNotAllowed(HubSpotError):
    status, category = 405, "VALIDATION_ERROR"


class InternalError(HubSpotError):
    status, category = 500, "INTERNAL_ERROR"


class ServiceUnavailable(HubSpotError):
    status, category = 503, "INTERNAL_ERROR"


class BadOAuthRequest(HubSpotError):
    """`/oauth/v1/token` refusing a grant (HubSpot: 400 BAD_AUTH_CODE, BAD_REFRESH_TOKEN…)."""

    status, category = 400, "VALIDATION_ERROR"

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.oauth_status = status

    def body(self) -> dict[str, Any]:
        return {
            "status": self.oauth_status,
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
        }


class RateLimited(HubSpotError):
    """429: `policyName` TEN_SECONDLY_ROLLING, SECONDLY or DAILY."""

    status, category = 429, "RATE_LIMITS"

    def __init__(self, policy: str, group: str) -> None:
        limit = {"TEN_SECONDLY_ROLLING": "ten_secondly_rolling", "SECONDLY": "secondly"}
        super().__init__(f"You have reached your {limit.get(policy, 'daily')} limit.")
        self.policy, self.group = policy, group

    def body(self) -> dict[str, Any]:
        return {
            "status": "error",
            "message": self.message,
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": self.policy,
            "groupName": self.group,
        }


# -- HubSpot's property validation errors ----------------------------------------------


def invalid_property(name: str, code: str, message: str) -> dict[str, Any]:
    """One property's validation result, as HubSpot lists them in the message."""
    return {
        "isValid": False,
        "message": message,
        "error": code,
        "name": name,
        "localizedErrorMessage": message,
    }


def property_values_invalid(results: list[dict[str, Any]]) -> ValidationFailed:
    """`Property values were not valid: [...]`, with each problem in `errors` too."""
    text = json.dumps(results, separators=(",", ":"))
    errors = [
        {"message": r["message"], "code": r["error"], "context": {"propertyName": [r["name"]]}}
        for r in results
    ]
    return ValidationFailed(f"Property values were not valid: {text}", errors=errors)


def object_not_found(object_id: str) -> ObjectNotFound:
    return ObjectNotFound(f"Object not found.  objectId are usually numeric.  id={object_id}")


def unknown_object_type(segment: str) -> ObjectNotFound:
    return ObjectNotFound(f"Unable to infer object type from: {segment}")


def property_not_found(name: str, object_type: str) -> ObjectNotFound:
    return ObjectNotFound(f"Property {name} does not exist for {object_type}")
