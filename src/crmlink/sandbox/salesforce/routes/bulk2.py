"""Bulk API 2.0: /services/data/vXX.X/jobs/query and /jobs/ingest.

Errors have Bulk 2.0's shape `[{"errorCode": ..., "message": ...}]`. Query results stream
from SQLite; ingest uploads stream to disk (never held in memory).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.bulk.query_jobs import encode_locator
from crmlink.sandbox.salesforce.routes.common import Call, api, bearer_token
from crmlink.sandbox.salesforce.routes.context import SandboxContext

JOBS = "/services/data/v{version}/jobs"
_RESULT_KINDS = {
    "successfulResults": "successfulResults",
    "failedResults": "failedResults",
    "unprocessedrecords": "unprocessedrecords",
    "unprocessedRecords": "unprocessedrecords",
}


def _bulk2(handler):
    """Run a handler, answering its Salesforce errors in the Bulk 2.0 shape."""

    def run(call: Call):
        try:
            return handler(call)
        except errors.SalesforceError as exc:
            return exc.bulk2_response()

    return run


def _object_body(call: Call) -> dict:
    body = call.json()
    if not isinstance(body, dict):
        raise errors.JsonParserError("The request body must be a JSON object")
    return body


# -- query jobs ---------------------------------------------------------------------------
def query_jobs(call: Call):
    service = call.ctx.bulk.query
    if call.request.method == "POST":
        return 200, service.create(_object_body(call), call.version)
    return 200, service.list()


def query_job(call: Call):
    service, job_id = call.ctx.bulk.query, call.params["job_id"]
    method = call.request.method
    if method == "PATCH":
        return 200, service.abort(job_id, _object_body(call))
    if method == "DELETE":
        service.delete(job_id)
        return 204, None
    return 200, service.info(job_id)


def query_results(call: Call):
    headers, body = call.ctx.bulk.query.results(
        call.params["job_id"], call.query.get("locator"), call.query.get("maxRecords")
    )
    return StreamingResponse(body, media_type="text/csv", headers=headers)


def result_pages(call: Call):
    """`resultPages` (API 58.0+): result links for a parallel download."""
    if float(call.version) < 58.0:
        raise errors.NotFound("The requested resource does not exist")
    job_id = call.params["job_id"]
    pages = call.ctx.bulk.query.result_pages(
        job_id, call.query.get("locator"), call.query.get("maxRecords")
    )
    base, size = f"/services/data/v{call.version}/jobs/query/{job_id}", pages["size"]
    links = [
        {"resultUrl": f"{base}/results?locator={encode_locator(o)}&maxRecords={size}"}
        for o in pages["offsets"]
    ]
    following = pages["next"]
    next_url = (
        None
        if following is None
        else f"{base}/resultPages?locator={encode_locator(following)}&maxRecords={size}"
    )
    return 200, {"resultPages": links, "nextRecordsUrl": next_url, "done": following is None}


# -- ingest jobs --------------------------------------------------------------------------
def ingest_jobs(call: Call):
    service = call.ctx.bulk.ingest
    if call.request.method == "POST":
        return 200, service.create(_object_body(call), call.version)
    return 200, service.list()


def ingest_job(call: Call):
    service, job_id = call.ctx.bulk.ingest, call.params["job_id"]
    method = call.request.method
    if method == "PATCH":
        return 200, service.set_state(job_id, _object_body(call))
    if method == "DELETE":
        service.delete(job_id)
        return 204, None
    return 200, service.info(job_id)


def ingest_results(call: Call):
    kind = _RESULT_KINDS[call.params["kind"]]
    path = call.ctx.bulk.ingest.result_path(call.params["job_id"], kind)
    return FileResponse(path, media_type="text/csv")


def upload_endpoint(ctx: SandboxContext):
    """PUT .../batches: the CSV body goes to disk chunk by chunk as it arrives."""

    async def endpoint(request: Request) -> Response:
        usage = None
        try:
            ctx.auth.check_token(bearer_token(request))
            usage = await run_in_threadpool(ctx.org.spend_api_call)
            ingest = ctx.bulk.ingest
            upload = await run_in_threadpool(ingest.open_upload, request.path_params["job_id"])
            try:
                async for chunk in request.stream():
                    upload.write(chunk)
            except BaseException:
                upload.discard()
                raise
            await run_in_threadpool(upload.finish)
            response = Response(status_code=201)
        except errors.SalesforceError as exc:
            response = exc.bulk2_response()
        if usage is not None:
            response.headers["Sforce-Limit-Info"] = f"api-usage={usage[0]}/{usage[1]}"
        return response

    return endpoint


def routes(ctx: SandboxContext) -> list[RouteSpec]:
    def r(methods: str, path: str, handler, name: str) -> RouteSpec:
        return route(methods, path, api(ctx, _bulk2(handler)), name, trailing_slash=True)

    job = "GET PATCH DELETE"
    upload = upload_endpoint(ctx)
    kinds = "|".join(_RESULT_KINDS)
    return [
        r("GET POST", f"{JOBS}/query", query_jobs, "bulk2 query jobs"),
        r(job, f"{JOBS}/query/{{job_id}}", query_job, "bulk2 query job"),
        r("GET", f"{JOBS}/query/{{job_id}}/results", query_results, "bulk2 query results"),
        r("GET", f"{JOBS}/query/{{job_id}}/resultPages", result_pages, "bulk2 query resultPages"),
        r("GET POST", f"{JOBS}/ingest", ingest_jobs, "bulk2 ingest jobs"),
        r(job, f"{JOBS}/ingest/{{job_id}}", ingest_job, "bulk2 ingest job"),
        route(
            "PUT",
            f"{JOBS}/ingest/{{job_id}}/batches",
            upload,
            "bulk2 ingest batches",
            trailing_slash=True,
        ),
        r(
            "GET",
            f"{JOBS}/ingest/{{job_id}}/{{kind}}",
            _only(kinds, ingest_results),
            "bulk2 ingest {kind}",
        ),
    ]


def _only(kinds: str, handler):
    """Answer NOT_FOUND for a results kind that does not exist."""
    names = set(kinds.split("|"))

    def run(call: Call):
        if call.params["kind"] not in names:
            raise errors.NotFound("The requested resource does not exist")
        return handler(call)

    return run
