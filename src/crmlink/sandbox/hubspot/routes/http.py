"""What every HubSpot API route shares: the bearer check, the rate limits and their
headers, JSON bodies in and out, HubSpot's errors as answers."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from crmlink.sandbox.hubspot.errors import HubSpotError, InternalError, ValidationFailed
from crmlink.sandbox.hubspot.models.auth import TokenService

if TYPE_CHECKING:
    from crmlink.sandbox.hubspot.routes.context import SandboxContext

Handler = Callable[[Request, bytes], Response]
_LOG = logging.getLogger("crmlink.sandbox")


class Authorizer:
    """The API's token check over the portal's tokens."""

    def __init__(self, tokens: TokenService) -> None:
        self.tokens = tokens

    def authorize(self, request: Request) -> str:
        """Who calls ("private" or "oauth"); HubSpot's 401 when no valid token came."""
        return self.tokens.check_bearer(request.headers.get("authorization"))

    __call__ = authorize


def json_response(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def parse_json(body: bytes) -> Any:
    """The request's JSON; unreadable: HubSpot's 400."""
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"Invalid input JSON on line 1, column {_column(exc)}") from None


def _column(exc: Exception) -> int:
    return getattr(exc, "colno", 1)


def json_object(body: bytes) -> dict[str, Any]:
    data = parse_json(body)
    if not isinstance(data, dict):
        raise ValidationFailed("Invalid input JSON: expected an object")
    return data


def guarded(ctx: SandboxContext, handler: Handler) -> Callable[[Request], Any]:
    """An endpoint: bearer check, rate limit (its headers on every answer), then
    `handler(request, body)` in a worker thread; a HubSpotError becomes its answer."""

    async def endpoint(request: Request) -> Response:
        try:
            caller = ctx.auth.authorize(request)
            headers = ctx.limits.hit(caller)
        except HubSpotError as exc:
            return exc.response()
        body = await request.body()
        try:
            response = await run_in_threadpool(handler, request, body)
        except HubSpotError as exc:
            return exc.response(headers)
        except Exception:  # a sandbox bug: HubSpot's 500 envelope, and the traceback logged
            _LOG.exception("HubSpotSandbox: %s %s failed", request.method, request.url.path)
            return InternalError("internal error").response(headers)
        for name, value in headers.items():
            response.headers[name] = value
        response.headers["X-HubSpot-Correlation-Id"] = str(uuid.uuid4())
        return response

    return endpoint


def int_param(request: Request, name: str, default: int, *, top: int | None = None) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValidationFailed(f"Unable to parse {name}={text} as a number") from None
    if not -(2**63) <= value < 2**63:
        raise ValidationFailed(f"{name}={text} is out of range")
    if top is not None and value > top:
        raise ValidationFailed(f"{name} must be less than or equal to {top}; was {value}")
    if value < 1 and name == "limit":
        raise ValidationFailed(f"limit must be greater than or equal to 1; was {value}")
    return value


def list_param(request: Request, name: str) -> list[str] | None:
    """A list parameter given repeated (`a=1&a=2`) or comma-separated (`a=1,2`)."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def bool_param(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() == "true"
