"""Bulk API 1.0 (JSON content type): /services/async/{version}/job...

Session in `X-SFDC-Session`. Errors: `{"exceptionCode": ..., "exceptionMessage": ...}`
(XML `<error>` when the request was XML: XML jobs are refused with a clear message).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.errors import ClassicError
from crmlink.sandbox.salesforce.routes.common import Call, api
from crmlink.sandbox.salesforce.routes.context import SandboxContext

ASYNC = "/services/async/{version}"


def classic_api(ctx: SandboxContext, handler):
    """`common.api` with Bulk 1.0's error shape; XML bodies are refused."""

    def guarded(call: Call):
        if _is_xml(call.request):
            raise ClassicError(
                "InvalidJob",
                "The sandbox serves Bulk API 1.0 with contentType JSON only; "
                "send JSON (Content-Type: application/json)",
            )
        return handler(call)

    def render(exc: errors.SalesforceError, request: Request) -> Response:
        return exc.bulk1_response(_is_xml(request))

    return api(ctx, guarded, render_error=render)


def _is_xml(request: Request) -> bool:
    return "xml" in request.headers.get("content-type", "")


def _body(call: Call) -> dict:
    try:
        body = json.loads(call.body or b"null")
    except ValueError as exc:
        raise ClassicError("ClientInputError", f"Unable to parse the request: {exc}") from None
    if not isinstance(body, dict):
        raise ClassicError("ClientInputError", "The request must be a JSON object")
    return body


def create_job(call: Call):
    return 201, call.ctx.bulk.classic.create(_body(call), call.version)


def job(call: Call):
    classic, job_id = call.ctx.bulk.classic, call.params["job_id"]
    if call.request.method == "POST":
        return 200, classic.set_state(job_id, _body(call))
    return 200, classic.job_view(classic.job(job_id))


def batches(call: Call):
    classic, job_id = call.ctx.bulk.classic, call.params["job_id"]
    if call.request.method == "POST":
        return 201, classic.add_batch(job_id, call.body)
    listed = classic.batches(classic.job(job_id))
    return 200, {"batchInfo": [dict(b.info) for b in listed]}


def batch(call: Call):
    found = call.ctx.bulk.classic.batch(call.params["job_id"], call.params["batch_id"])
    return 200, dict(found.info)


def batch_request(call: Call):
    path = call.ctx.bulk.classic.request(call.params["job_id"], call.params["batch_id"])
    return FileResponse(path, media_type="application/json")


def batch_result(call: Call):
    found = call.ctx.bulk.classic.result(call.params["job_id"], call.params["batch_id"])
    if isinstance(found, list):
        return 200, found
    return FileResponse(found, media_type="application/json")


def query_result(call: Call):
    body = call.ctx.bulk.classic.query_result(
        call.params["job_id"], call.params["batch_id"], call.params["result_id"]
    )
    return StreamingResponse(body, media_type="application/json")


def routes(ctx: SandboxContext) -> list[RouteSpec]:
    def r(methods: str, path: str, handler, name: str) -> RouteSpec:
        return route(methods, f"{ASYNC}{path}", classic_api(ctx, handler), name)

    batch_path = "/job/{job_id}/batch/{batch_id}"
    return [
        r("POST", "/job", create_job, "bulk1 job"),
        r("GET POST", "/job/{job_id}", job, "bulk1 job"),
        r("GET POST", "/job/{job_id}/batch", batches, "bulk1 batch"),
        r("GET", batch_path, batch, "bulk1 batch"),
        r("GET", f"{batch_path}/request", batch_request, "bulk1 batch"),
        r("GET", f"{batch_path}/result", batch_result, "bulk1 result"),
        r("GET", f"{batch_path}/result/{{result_id}}", query_result, "bulk1 result"),
    ]
