"""What every API route shares: session check, quota, errors, the Sforce-Limit-Info header.

Handlers are plain functions `handler(call) -> Response | (status, json)`, run in a worker
thread (SQLite work never blocks the event loop). `api()` wraps one into a Starlette
endpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.routes.context import SandboxContext


@dataclass
class Call:
    request: Request
    body: bytes
    ctx: SandboxContext

    @property
    def params(self) -> dict:
        return self.request.path_params

    @property
    def query(self):
        return self.request.query_params

    @property
    def version(self) -> str:
        return self.request.path_params.get("version", "59.0")

    @property
    def instance_url(self) -> str:
        return self.ctx.url

    def json(self):
        """The JSON body, or JSON_PARSER_ERROR as Salesforce reports it."""
        try:
            return json.loads(self.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.JsonParserError(f"Unexpected character: {exc}") from None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token:
        return token.strip()
    return request.headers.get("x-sfdc-session")


def api(ctx: SandboxContext, handler, authenticate: bool = True, render_error=None):
    """A Starlette endpoint: check the session, spend one API call, run, add headers.

    `render_error(exc, request)` answers a `SalesforceError` in another API's shape
    (Bulk 1.0); by default the REST one."""

    async def endpoint(request: Request) -> Response:
        call = Call(request, await request.body(), ctx)
        usage = None
        try:
            if authenticate:
                await run_in_threadpool(ctx.auth.check_token, bearer_token(request))
                usage = await run_in_threadpool(ctx.org.spend_api_call)
            await run_in_threadpool(ctx.bulk.jobs.settle_due)  # jobs move on by the clock
            response = _as_response(await run_in_threadpool(handler, call))
        except errors.SalesforceError as exc:
            response = render_error(exc, request) if render_error else exc.response()
        if usage is not None:
            response.headers["Sforce-Limit-Info"] = f"api-usage={usage[0]}/{usage[1]}"
        return response

    endpoint.handler = handler  # type: ignore[attr-defined]  # run by composite subrequests
    return endpoint


def _as_response(result) -> Response:
    if isinstance(result, Response):
        return result
    status, body = result
    if status == 204:
        return Response(status_code=204)
    return JSONResponse(body, status_code=status)
