"""One property of one record: `GET|PUT|DELETE {set}({id})/{property}` and
`GET|DELETE {set}({id})/{navigation}/$ref`.

DELETE clears the column (204), as the Web API does; for a lookup both the `$ref` form and
the property name clear it. GET answers `{"value": …}` (204 when null); PUT takes
`{"value": …}`. Anything else under a record (a bound action the sandbox lacks, an unknown
property) answers "Resource not found for the segment" naming it.
"""

from __future__ import annotations

import json

from crmlink.sandbox.dynamics.errors import InvalidPayload, MethodNotAllowed, unknown_segment
from crmlink.sandbox.dynamics.models.data.columns import Column, column, writable
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef
from crmlink.sandbox.dynamics.routes import navigation_api, records_api
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse

LOOKUP_TYPE = "Microsoft.Dynamics.CRM.lookuplogicalname"


def handle(svc, req: ApiRequest, entity: EntityDef, key: str, rest: list) -> ApiResponse:
    """Dispatch `rest`, the segments after `{set}({key})`."""
    rel = navigation_api.collection_relationship(svc.org.schema, entity, rest[0][0])
    if rel is not None:
        return navigation_api.handle(svc, req, entity, key, rel, rest)
    names = [name for name, _ in rest]
    for name, sub_key in rest:
        if sub_key is not None:
            raise unknown_segment(f"{name}({sub_key})")
    if len(names) == 2 and names[1] == "$ref":
        return _reference(svc, req, entity, key, names[0])
    if len(names) != 1:
        raise unknown_segment(names[-1])
    col = column(entity, names[0])
    if req.method == "GET":
        return _value(svc, req, entity, key, col)
    if req.method == "DELETE":
        return _write(svc, req, entity, key, col, None)
    if req.method == "PUT":
        return _write(svc, req, entity, key, col, req.json().get("value"))
    raise _not_allowed(req)


def _not_allowed(req: ApiRequest) -> MethodNotAllowed:
    return MethodNotAllowed(f"The HTTP method '{req.method}' is not allowed on this resource.")


def _write(svc, req: ApiRequest, entity: EntityDef, key: str, col: Column, value) -> ApiResponse:
    return _update(svc, req, entity, key, writable(entity, col).update_body(value))


def _update(svc, req: ApiRequest, entity: EntityDef, key: str, body: dict) -> ApiResponse:
    def run(conn, writer):
        record_id = records_api.find_id(conn, entity, key)
        if record_id is None:
            raise records_api.missing(entity, key)
        writer.update(conn, entity, record_id, body, req.header("If-Match"))

    svc.write(run, req)
    return ApiResponse.empty(204)


def _bind(svc, req: ApiRequest, entity: EntityDef, key: str, nav: str) -> ApiResponse:
    """`PUT …/{navigation}/$ref` with `{"@odata.id": url}`: point the lookup at `url`."""
    ref = req.json().get("@odata.id")
    if not ref:
        raise InvalidPayload("The body of a $ref request needs an '@odata.id'.")
    return _update(svc, req, entity, key, {f"{nav}@odata.bind": str(ref)})


def _read(svc, req: ApiRequest, entity: EntityDef, key: str, col: Column) -> dict:
    """The record's value of `col` (with the lookup's target type annotated)."""
    headers = {"prefer": f'odata.include-annotations="{LOOKUP_TYPE}"'}
    params = {"$select": col.wire}
    inner = ApiRequest("GET", req.path, params, headers, b"", req.base, req.version, req.user)
    return json.loads(records_api.retrieve(svc, inner, entity, key).body)


def _value(svc, req: ApiRequest, entity: EntityDef, key: str, col: Column) -> ApiResponse:
    row = _read(svc, req, entity, key, col)
    value = row.get(col.wire)
    if value is None:
        return ApiResponse.empty(204)
    record = row[entity.primary_id]
    ctx = f"{req.api}/$metadata#{entity.entity_set_name}({record})/{col.wire}"
    return ApiResponse.json({"@odata.context": ctx, "value": value})


def _reference(svc, req: ApiRequest, entity: EntityDef, key: str, nav: str) -> ApiResponse:
    col = writable(entity, column(entity, nav, ref=True))
    if req.method == "DELETE":
        return _write(svc, req, entity, key, col, None)
    if req.method == "PUT":
        return _bind(svc, req, entity, key, nav)
    if req.method != "GET":
        raise _not_allowed(req)
    row = _read(svc, req, entity, key, col)
    target_id = row.get(col.wire)
    if target_id is None:
        return ApiResponse.empty(204)
    target = _target_set(svc, col, row)
    body = {
        "@odata.context": f"{req.api}/$metadata#$ref",
        "@odata.id": f"{req.api}/{target}({target_id})",
    }
    return ApiResponse.json(body)


def _target_set(svc, col: Column, row: dict) -> str:
    """The entity set the lookup points into, from the annotated target type."""
    name = row.get(f"{col.wire}@{LOOKUP_TYPE}") or col.attr.targets[0]
    target = svc.org.schema.entities.get(str(name))
    return target.entity_set_name if target else str(name)
