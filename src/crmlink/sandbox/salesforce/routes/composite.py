"""sObject Collections: /composite/sobjects (≤ 200 records, per-record results), and the
table of every composite resource (`routes`): Composite and Composite Batch run their
subrequests through the REST and Collections routes in-process (`subrequests`)."""

from __future__ import annotations

from itertools import groupby

from crmlink.sandbox.core.routing import RouteSpec, RouteTable, route
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.org import RecordResult, RollBack, rolled_back
from crmlink.sandbox.salesforce.routes import (
    composite_batch,
    composite_request,
    composite_tree,
    rest,
)
from crmlink.sandbox.salesforce.routes.common import Call, api
from crmlink.sandbox.salesforce.routes.context import SandboxContext
from crmlink.sandbox.salesforce.routes.subrequests import Dispatcher

MAX_RECORDS = 200
COLLECTIONS = "/services/data/v{version}/composite/sobjects"


def _result_json(result: RecordResult, with_created: bool) -> dict:
    body = {
        "id": result.id,
        "success": result.success,
        "errors": [e.record_error() for e in result.errors],
    }
    if with_created:  # an UpsertResult always says whether it created (false on failure)
        body["created"] = result.created and result.success
    return body


def _records(call: Call) -> tuple[list[dict], bool]:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise errors.JsonParserError("The request body must have a 'records' array")
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise errors.ExceededIdLimit(f"Maximum number of records is {MAX_RECORDS}")
    return records, bool(body.get("allOrNone", False))


def _type_of(record: dict, fallback: str | None = None) -> str:
    kind = (record.get("attributes") or {}).get("type") or fallback
    if not kind:
        raise errors.InvalidType("Missing attributes.type on a record")
    return kind


def _by_type(call: Call, records: list[dict], operation: str, ext=None) -> list[RecordResult]:
    """Write records in order, each run of one type as one batch (one transaction and one
    SystemModstamp, as on Salesforce); results in request order."""
    org = call.ctx.org
    results: list[RecordResult] = []
    fallback = call.params.get("sobject")
    for kind, group in groupby(records, key=lambda r: _kind_or_none(r, fallback)):
        run = list(group)
        if kind is None:
            err = errors.InvalidType("Missing attributes.type on a record")
            results += [RecordResult(id=None, success=False, errors=[err]) for _ in run]
            continue
        clean = [{k: v for k, v in r.items() if k != "attributes"} for r in run]
        try:
            results += org.write_many(kind, operation, clean, ext_field=ext)
        except errors.SalesforceError as exc:  # e.g. an unknown object type
            results += [RecordResult(id=None, success=False, errors=[exc]) for _ in run]
    return results


def _kind_or_none(record: dict, fallback: str | None) -> str | None:
    return (record.get("attributes") or {}).get("type") or fallback


def _all_or_none(call: Call, records: list[dict], operation: str, ext) -> list[RecordResult]:
    """Re-run as one transaction that rolls back whole; only same-type batches do so."""
    kind = _type_of(records[0], call.params.get("sobject"))
    clean = [{k: v for k, v in r.items() if k != "attributes"} for r in records]
    return call.ctx.org.write_many_safe(kind, operation, clean, True, ext)


def collections(call: Call):
    method = call.request.method
    if method == "DELETE":
        return 200, [_result_json(r, False) for r in _delete(call)]
    if method == "GET":
        return 200, _retrieve(call)
    records, all_or_none = _records(call)
    operation = "insert" if method == "POST" else "update"
    if all_or_none:
        results = _all_or_none(call, records, operation, None) if records else []
    else:
        results = _by_type(call, records, operation)
    return 200, [_result_json(r, False) for r in results]


def upsert_collection(call: Call):
    records, all_or_none = _records(call)
    ext = call.params["field"]
    if all_or_none:
        results = _all_or_none(call, records, "upsert", ext) if records else []
    else:
        results = _by_type(call, records, "upsert", ext)
    return 200, [_result_json(r, True) for r in results]


def _delete(call: Call) -> list[RecordResult]:
    ids = [i for i in (call.query.get("ids") or "").split(",") if i]
    if not ids:
        raise errors.RequiredFieldMissing("At least 1 Id is required.")
    if len(ids) > MAX_RECORDS:
        raise errors.ExceededIdLimit(f"Maximum number of records is {MAX_RECORDS}")
    org = call.ctx.org
    if (call.query.get("allOrNone") or "").lower() != "true":
        return _delete_each(org, ids)
    try:
        with org.store.transaction():  # one transaction: any failure undoes every delete
            results = _delete_each(org, ids)
            if not all(r.success for r in results):
                raise RollBack(rolled_back(results))
    except RollBack as rolled:
        return rolled.results
    return results


def _delete_each(org, ids: list[str]) -> list[RecordResult]:
    results: list[RecordResult] = []
    for record_id in ids:
        obj = org.catalog.by_key_prefix(record_id[:3])
        if obj is None:
            err = errors.MalformedId(f"malformed id {record_id}")
            results.append(RecordResult(id=record_id, success=False, errors=[err]))
            continue
        results += org.write_many(obj.name, "delete", [{"Id": record_id}])
    return results


def _retrieve(call: Call) -> list:
    obj_name = call.params.get("sobject")
    if not obj_name:
        raise errors.MethodNotAllowed(
            "HTTP Method 'GET' not allowed. Allowed are POST,PATCH,DELETE"
        )
    ids = [i for i in (call.query.get("ids") or "").split(",") if i]
    fields = [f for f in (call.query.get("fields") or "").split(",") if f]
    out: list[dict | None] = []
    for record_id in ids:
        try:
            out.append(call.ctx.org.retrieve(obj_name, record_id, fields or None))
        except errors.SalesforceError:
            out.append(None)
    return out


def routes(ctx: SandboxContext) -> list[RouteSpec]:
    """sObject Collections, Composite, Composite Batch and sObject Tree."""
    collections_routes = _collection_routes(ctx)
    dispatcher = Dispatcher(ctx, RouteTable([*rest.routes(ctx), *collections_routes]))
    return [
        *collections_routes,
        *composite_request.routes(ctx, dispatcher),
        *composite_batch.routes(ctx, dispatcher),
        *composite_tree.routes(ctx),
    ]


def _collection_routes(ctx: SandboxContext) -> list[RouteSpec]:
    name = "composite sobjects"
    return [
        route("POST PATCH DELETE", COLLECTIONS, api(ctx, collections), name),
        route("GET", f"{COLLECTIONS}/{{sobject}}", api(ctx, collections), name),
        route("PATCH", f"{COLLECTIONS}/{{sobject}}/{{field}}", api(ctx, upsert_collection), name),
    ]
