"""REST API: versions, describes, sObject CRUD and upsert, query, getUpdated/getDeleted,
limits, and the Tooling API's executeAnonymous for the one Apex statement tools send to
clean up (`delete [SELECT Id FROM X WHERE …];`)."""

from __future__ import annotations

import json
import re
import zlib
from email.utils import format_datetime, parsedate_to_datetime

from starlette.responses import JSONResponse, Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.changes import deleted_records, updated_ids
from crmlink.sandbox.salesforce.models.describes import ObjectMeta
from crmlink.sandbox.salesforce.models.ids import normalize_id
from crmlink.sandbox.salesforce.models.summaries import global_describe, object_summary
from crmlink.sandbox.salesforce.routes.common import Call, api
from crmlink.sandbox.salesforce.routes.context import SandboxContext

VERSIONS = ("55.0", "56.0", "57.0", "58.0", "59.0", "60.0", "61.0", "62.0")
_RELEASES = {"55.0": "Summer '22", "56.0": "Winter '23", "57.0": "Spring '23"}
_RELEASES |= {"58.0": "Summer '23", "59.0": "Winter '24", "60.0": "Spring '24"}
_RELEASES |= {"61.0": "Summer '24", "62.0": "Winter '25"}
DATA = "/services/data/v{version}"


def versions(call: Call):
    return 200, [
        {"label": _RELEASES[v], "url": f"/services/data/v{v}", "version": v} for v in VERSIONS
    ]


def resources(call: Call):
    base = f"/services/data/v{call.version}"
    names = ("sobjects", "query", "queryAll", "composite", "limits", "jobs")
    return 200, {name: f"{base}/{name}" for name in names}


def _object(call: Call) -> ObjectMeta:
    obj = call.ctx.org.catalog.get(call.params["sobject"])
    if obj is None:
        raise errors.NotFound("The requested resource does not exist")
    return obj


def describe_global(call: Call):
    return _conditional(call, global_describe(call.ctx.org.catalog))


def sobject_info(call: Call):
    obj = _object(call)
    if call.request.method == "POST":
        new_id = call.ctx.org.insert(obj.name, _record_body(call))
        return 201, {"id": new_id, "success": True, "errors": []}
    return 200, {"objectDescribe": object_summary(call.ctx.org.catalog, obj), "recentItems": []}


def describe(call: Call):
    return _conditional(call, _object(call).raw)


def _conditional(call: Call, body: dict) -> Response:
    """A describe with `ETag` and `Last-Modified`; 304 for `If-None-Match` naming its ETag
    or `If-Modified-Since` at or after its Last-Modified, as Salesforce answers."""
    etag = f'"{zlib.crc32(json.dumps(body, sort_keys=True).encode()):08x}"'
    modified = call.ctx.org.catalog.loaded_at
    headers = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
    if _not_modified(call, etag, modified):
        return Response(status_code=304, headers=headers)
    return JSONResponse(body, headers=headers)


def _not_modified(call: Call, etag: str, modified) -> bool:
    tags = call.request.headers.get("if-none-match")
    if tags is not None:
        return etag in [t.strip() for t in tags.split(",")] or tags.strip() == "*"
    since = call.request.headers.get("if-modified-since")
    try:
        return since is not None and parsedate_to_datetime(since) >= modified
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as HTTP says


def _record_body(call: Call) -> dict:
    body = call.json()
    if not isinstance(body, dict):
        raise errors.JsonParserError("Can not deserialize SObject out of START_ARRAY token")
    return body


def _fields(call: Call) -> list[str] | None:
    text = call.query.get("fields")
    return [f.strip() for f in text.split(",") if f.strip()] if text else None


def record(call: Call):
    obj, org, record_id = _object(call), call.ctx.org, call.params["record_id"]
    if normalize_id(record_id) is None:  # Salesforce reads a non-id as an external id
        raise errors.NotFound(
            f"Provided external ID field does not exist or is not accessible: {record_id}"
        )
    method = call.request.method
    if method == "GET":
        return 200, org.retrieve(obj.name, record_id, _fields(call))
    if method == "PATCH":
        org.update(obj.name, record_id, _record_body(call))
        return 204, None
    org.delete(obj.name, record_id)
    return 204, None


def record_by_external_id(call: Call):
    obj, org = _object(call), call.ctx.org
    field, value = call.params["field"], call.params["value"]
    if call.request.method == "GET":
        return 200, org.retrieve_by_external(obj.name, field, value, _fields(call))
    if call.request.method == "DELETE":
        found = org.retrieve_by_external(obj.name, field, value, ["Id"])
        org.delete(obj.name, found["Id"])
        return 204, None
    new_id, created = org.upsert(obj.name, field, value, _record_body(call))
    return (201 if created else 200), {
        "id": new_id,
        "success": True,
        "errors": [],
        "created": created,
    }


def updated(call: Call):
    obj = _object(call)
    return 200, updated_ids(call.ctx.org, obj, call.query.get("start"), call.query.get("end"))


def deleted(call: Call):
    obj = _object(call)
    org = call.ctx.org
    return 200, deleted_records(org, obj, call.query.get("start"), call.query.get("end"))


def query(call: Call):
    text = call.query.get("q")
    if not text:
        raise errors.MalformedQuery("A query string must be provided")
    include_deleted = call.request.url.path.rstrip("/").endswith("queryAll")
    return 200, call.ctx.queries.start(text, include_deleted, _batch_size(call), call.version)


def query_more(call: Call):
    return 200, call.ctx.queries.next_page(call.params["locator"], call.version)


def _batch_size(call: Call) -> int:
    options = call.request.headers.get("sforce-query-options", "")
    for part in options.split(","):
        key, _, value = part.partition("=")
        if key.strip().lower() == "batchsize" and value.strip().isdigit():
            return min(max(int(value), 200), 2000)
    return 2000


def limits(call: Call):
    used, limit = call.ctx.org.api_usage()
    return 200, {
        "DailyApiRequests": {"Max": limit, "Remaining": max(limit - used, 0)},
        "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
        "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
        "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
        "DataStorageMB": {"Max": 1024, "Remaining": 1024},
    }


def record_count(call: Call):
    org = call.ctx.org
    names = [n for n in (call.query.get("sObjects") or "").split(",") if n]
    objects = [org.catalog.get(n) for n in names] if names else org.catalog.objects()
    counts = [(o.name, org.count(o.name)) for o in objects if o is not None]
    # as recorded: unknown names and objects without records are simply absent
    return 200, {"sObjects": [{"count": c, "name": n} for n, c in counts if c]}


_APEX_DELETE = re.compile(r"delete\s*\[(?P<soql>[^\]]+)\]\s*;", re.IGNORECASE)


def execute_anonymous(call: Call):
    """Run `delete [SOQL];` (the records the query finds go); any other Apex does not
    compile here, answered in the shape Salesforce gives a compile problem."""
    found = _APEX_DELETE.fullmatch((call.query.get("anonymousBody") or "").strip())
    if found is None:
        return 200, _apex(False, "The sandbox runs no Apex but `delete [SELECT Id FROM …];`")
    try:
        for record in _all_records(call, found.group("soql")):
            call.ctx.org.delete(record["attributes"]["type"], record["Id"])
    except errors.SalesforceError as exc:
        return 200, _apex(False, exc.message)
    return 200, _apex(True, None)


def _all_records(call: Call, soql: str) -> list[dict]:
    queries = call.ctx.queries
    page = queries.start(soql, False, 2000, call.version)
    records = list(page["records"])
    while not page["done"]:
        page = queries.next_page(page["nextRecordsUrl"].rsplit("/", 1)[1], call.version)
        records += page["records"]
    return records


def _apex(compiled: bool, problem: str | None) -> dict:
    return {
        "line": -1 if compiled else 1,
        "column": -1 if compiled else 1,
        "compiled": compiled,
        "success": compiled,
        "compileProblem": problem,
        "exceptionStackTrace": None,
        "exceptionMessage": None,
    }


def routes(ctx: SandboxContext) -> list[RouteSpec]:
    def r(methods: str, path: str, handler, name: str, slash: bool = False, auth: bool = True):
        return route(methods, path, api(ctx, handler, auth), name, trailing_slash=slash)

    sobject = f"{DATA}/sobjects/{{sobject}}"
    return [
        r("GET", "/services/data", versions, "versions", slash=True, auth=False),
        r("GET", DATA, resources, "resources", slash=True),
        r("GET", f"{DATA}/limits", limits, "limits"),
        r("GET", f"{DATA}/limits/recordCount", record_count, "limits recordCount"),
        r("GET", f"{DATA}/sobjects", describe_global, "describeGlobal"),
        r("GET POST", sobject, sobject_info, "sobject", slash=True),
        r("GET", f"{sobject}/describe", describe, "describe"),
        r("GET", f"{sobject}/updated", updated, "updated", slash=True),
        r("GET", f"{sobject}/deleted", deleted, "deleted", slash=True),
        r("GET PATCH DELETE", f"{sobject}/{{record_id}}", record, "sobject record"),
        r(
            "GET PATCH DELETE",
            f"{sobject}/{{field}}/{{value}}",
            record_by_external_id,
            "sobject by external id",
        ),
        r("GET", f"{DATA}/query", query, "query", slash=True),
        r("GET", f"{DATA}/queryAll", query, "queryAll", slash=True),
        r("GET", f"{DATA}/query/{{locator}}", query_more, "query more"),
        r("GET", f"{DATA}/queryAll/{{locator}}", query_more, "queryAll more"),
        r("GET", f"{DATA}/tooling/executeAnonymous", execute_anonymous, "tooling executeAnonymous"),
    ]
