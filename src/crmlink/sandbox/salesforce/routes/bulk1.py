"""Bulk API 1.0 (JSON content type): /services/async/{version}/job...

Session in `X-SFDC-Session`. Errors: `{"exceptionCode": ..., "exceptionMessage": ...}`
(XML `<error>` when the request was XML: XML jobs are refused with a clear message).
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.bulk.jobs import ClassicError
from crmlink.sandbox.salesforce.routes.common import Call, api

ASYNC = "/services/async/{version}"
_CODES = {
    "INVALID_SESSION_ID": "InvalidSessionId",
    "INVALIDJOB": "InvalidJob",
    "INVALIDJOBSTATE": "InvalidJobState",
    "NOT_FOUND": "InvalidJob",
    "JSON_PARSER_ERROR": "ClientInputError",
    "REQUEST_LIMIT_EXCEEDED": "ExceededQuota",
}
_XML_NS = "http://www.force.com/2009/06/asyncapi/dataload"


def error_response(exc: errors.SalesforceError, xml: bool) -> Response:
    if isinstance(exc, ClassicError):
        code = exc.error_code
    else:
        code = _CODES.get(exc.error_code, exc.error_code)
    message = "Invalid session id" if code == "InvalidSessionId" else exc.message
    status = 400 if exc.status < 500 and code != "ExceededQuota" else exc.status
    if xml:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><error xmlns="{_XML_NS}">'
            f"<exceptionCode>{escape(code)}</exceptionCode>"
            f"<exceptionMessage>{escape(message)}</exceptionMessage></error>"
        )
        return Response(body, status_code=status, media_type="application/xml")
    return JSONResponse({"exceptionCode": code, "exceptionMessage": message}, status_code=status)


def classic_api(sandbox, handler):
    """`common.api` with Bulk 1.0's error shape; XML bodies are refused."""

    def guarded(call: Call):
        if _is_xml(call.request):
            raise ClassicError(
                "InvalidJob",
                "The sandbox serves Bulk API 1.0 with contentType JSON only; "
                "send JSON (Content-Type: application/json)",
            )
        if sandbox.bulk is None:
            raise errors.ServerUnavailable("Bulk API is not available")
        return handler(call)

    def render(exc: errors.SalesforceError, request: Request) -> Response:
        return error_response(exc, _is_xml(request))

    return api(sandbox, guarded, render_error=render)


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
    return 201, call.sandbox.bulk.classic.create(_body(call), call.version)


def job(call: Call):
    classic, job_id = call.sandbox.bulk.classic, call.params["job_id"]
    if call.request.method == "POST":
        return 200, classic.set_state(job_id, _body(call))
    return 200, classic.job_view(classic.job(job_id))


def batches(call: Call):
    classic, job_id = call.sandbox.bulk.classic, call.params["job_id"]
    if call.request.method == "POST":
        return 201, classic.add_batch(job_id, call.body)
    listed = classic.batches(classic.job(job_id))
    return 200, {"batchInfo": [dict(b.info) for b in listed]}


def batch(call: Call):
    found = call.sandbox.bulk.classic.batch(call.params["job_id"], call.params["batch_id"])
    return 200, dict(found.info)


def batch_request(call: Call):
    path = call.sandbox.bulk.classic.request(call.params["job_id"], call.params["batch_id"])
    return FileResponse(path, media_type="application/json")


def batch_result(call: Call):
    found = call.sandbox.bulk.classic.result(call.params["job_id"], call.params["batch_id"])
    if isinstance(found, list):
        return 200, found
    return FileResponse(found, media_type="application/json")


def query_result(call: Call):
    body = call.sandbox.bulk.classic.query_result(
        call.params["job_id"], call.params["batch_id"], call.params["result_id"]
    )
    return StreamingResponse(body, media_type="application/json")


def routes(sandbox) -> list[Route]:
    def r(path: str, handler, methods: list[str]) -> Route:
        return Route(f"{ASYNC}{path}", classic_api(sandbox, handler), methods=methods)

    return [
        r("/job", create_job, ["POST"]),
        r("/job/{job_id}", job, ["GET", "POST"]),
        r("/job/{job_id}/batch", batches, ["GET", "POST"]),
        r("/job/{job_id}/batch/{batch_id}", batch, ["GET"]),
        r("/job/{job_id}/batch/{batch_id}/request", batch_request, ["GET"]),
        r("/job/{job_id}/batch/{batch_id}/result", batch_result, ["GET"]),
        r("/job/{job_id}/batch/{batch_id}/result/{result_id}", query_result, ["GET"]),
    ]
