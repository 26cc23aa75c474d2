"""Bulk API 1.0: /services/async/{version}/job... in XML, CSV and JSON.

Session in `X-SFDC-Session`. Which format answers, as on Salesforce:
- the job resource (create, info, close/abort) answers in the request's format: JSON for a
  `Content-Type` naming json, else XML (Bulk 1.0's default);
- batches, batch lists and query result lists answer in the job's format: JSON for a JSON
  job, XML for CSV and XML jobs;
- batch results and query results are in the job's content type (CSV, XML or JSON);
- errors follow the request: `{"exceptionCode", "exceptionMessage"}` for JSON requests,
  `<error><exceptionCode>…` otherwise.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.errors import ClassicError
from crmlink.sandbox.salesforce.models.bulk import classic_xml, csvio
from crmlink.sandbox.salesforce.models.bulk.pk_chunking import HEADER as PK_HEADER
from crmlink.sandbox.salesforce.routes.common import Call, api
from crmlink.sandbox.salesforce.routes.context import SandboxContext

ASYNC = "/services/async/{version}"
XML, CSV = "application/xml", "text/csv"  # exact: clients compare the whole header
MEDIA = {"XML": XML, "CSV": CSV, "JSON": "application/json"}


def classic_api(ctx: SandboxContext, handler):
    """`common.api` with Bulk 1.0's error shape, in the request's format."""

    def render(exc: errors.SalesforceError, request: Request) -> Response:
        answer = exc.bulk1_response(False)
        if _json_request(request):
            return answer
        body = json.loads(bytes(answer.body))
        text = classic_xml.error(body["exceptionCode"], body["exceptionMessage"])
        return _xml(text, answer.status_code)

    return api(ctx, handler, render_error=render)


def _json_request(request: Request) -> bool:
    return "json" in request.headers.get("content-type", "").lower()


def _xml(body: bytes, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body, status_code=status, headers={"Content-Type": XML, **(headers or {})})


def _job_body(call: Call) -> dict:
    if not _json_request(call.request):
        return classic_xml.parse_job(call.body)
    try:
        body = json.loads(call.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ClassicError("ClientInputError", f"Unable to parse the request: {exc}") from None
    if not isinstance(body, dict):
        raise ClassicError("ClientInputError", "The request must be a JSON object")
    return body


def _job_answer(call: Call, info: dict, status: int = 200):
    if _json_request(call.request):
        return status, info
    return _xml(classic_xml.job_info(info), status)


def _json_job(call: Call) -> bool:
    job = call.ctx.bulk.classic.job(call.params["job_id"])
    return job.info["contentType"] == "JSON"


# -- jobs -------------------------------------------------------------------------------
def create_job(call: Call):
    pk = call.request.headers.get(PK_HEADER)
    info = call.ctx.bulk.classic.create(_job_body(call), call.version, pk)
    return _job_answer(call, info, 201)


def job(call: Call):
    classic, job_id = call.ctx.bulk.classic, call.params["job_id"]
    if call.request.method == "POST":
        return _job_answer(call, classic.set_state(job_id, _job_body(call)))
    return _job_answer(call, classic.job_view(classic.job(job_id)))


# -- batches ----------------------------------------------------------------------------
def batches(call: Call):
    classic, job_id = call.ctx.bulk.classic, call.params["job_id"]
    if call.request.method == "POST":
        info = classic.add_batch(job_id, call.body)
        where = {"Location": f"/services/async/{call.version}/job/{job_id}/batch/{info['id']}"}
        if _json_job(call):
            return JSONResponse(info, status_code=201, headers=where)
        return _xml(classic_xml.batch_info(info), 201, where)
    listed = [dict(b.info) for b in classic.batches(classic.job(job_id))]
    if _json_job(call):
        return 200, {"batchInfo": listed}
    return _xml(classic_xml.batch_list(listed))


def batch(call: Call):
    found = call.ctx.bulk.classic.batch(call.params["job_id"], call.params["batch_id"])
    if _json_job(call):
        return 200, dict(found.info)
    return _xml(classic_xml.batch_info(found.info))


def batch_request(call: Call):
    classic, job_id = call.ctx.bulk.classic, call.params["job_id"]
    path = classic.request(job_id, call.params["batch_id"])
    info = classic.job(job_id).info
    query = info["operation"] in ("query", "queryAll")
    kind = "text/plain; charset=UTF-8" if query else MEDIA[info["contentType"]]
    return FileResponse(path, headers={"Content-Type": kind})


def batch_result(call: Call):
    classic, job_id = call.ctx.bulk.classic, call.params["job_id"]
    found = classic.result(job_id, call.params["batch_id"])
    kind = classic.job(job_id).info["contentType"]
    query = classic.job(job_id).info["operation"] in ("query", "queryAll")
    if kind == "JSON":
        return 200, found
    if query:
        return _xml(classic_xml.result_list(found))
    if kind == "CSV":
        return Response(csvio.classic_results(found), headers={"Content-Type": CSV})
    return _xml(classic_xml.ingest_results(found))


def query_result(call: Call):
    classic, job_id = call.ctx.bulk.classic, call.params["job_id"]
    body = classic.query_result(job_id, call.params["batch_id"], call.params["result_id"])
    kind = classic.job(job_id).info["contentType"]
    return StreamingResponse(body, headers={"Content-Type": MEDIA[kind]})


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
