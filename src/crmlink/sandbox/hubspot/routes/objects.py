"""Basic object routes: `GET/POST /crm/v3/objects/{objectType}` (list, create) and
`GET/PATCH/DELETE /crm/v3/objects/{objectType}/{objectId}` (`idProperty=` on GET/PATCH;
DELETE archives)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.hubspot.errors import ValidationFailed, object_not_found
from crmlink.sandbox.hubspot.models import create_links
from crmlink.sandbox.hubspot.models.associations import associated, v3_results
from crmlink.sandbox.hubspot.models.objects import ObjectType
from crmlink.sandbox.hubspot.models.records import Row, parse_id
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.http import (
    bool_param,
    guarded,
    int_param,
    json_object,
    json_response,
    list_param,
)

OBJECTS = "/crm/v3/objects/{objectType}"
MAX_PAGE = 100


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def find(ctx: SandboxContext, object_type: ObjectType, object_id: str, id_property: str | None):
    """A live record by id or by a unique property (`idProperty`); 404 when none."""
    if id_property and id_property != "hs_object_id":
        prop = ctx.catalog.of(object_type.name).get(id_property)
        if prop is None or not prop.has_unique_value:
            raise ValidationFailed(f"{id_property} is not a unique property of {object_type.name}")
        row = ctx.records.get_by(object_type, id_property, object_id)
    else:
        record_id = parse_id(object_id)
        row = None if record_id is None else ctx.records.get(object_type, record_id)
    if row is None:
        raise object_not_found(object_id)
    return row


def rendered(ctx: SandboxContext, rows: list[Row], request: Request) -> list[dict[str, Any]]:
    """The records as HubSpot answers them, with `associations=` links when asked."""
    names = list_param(request, "properties")
    out = [ctx.records.render(row, names) for row in rows]
    for to_segment in list_param(request, "associations") or ():
        to_type = ctx.objects.resolve(to_segment)
        with ctx.records.store.reader() as conn:
            found = associated(conn, rows[0][0], [r[1] for r in rows], to_type.name) if rows else {}
        for row, body in zip(rows, out, strict=True):
            if row[1] in found:
                links = {"results": v3_results(found[row[1]])}
                body.setdefault("associations", {})[to_type.name] = links
    return out


def object_routes(ctx: SandboxContext) -> list[RouteSpec]:
    def listing(request: Request, body: bytes) -> Response:
        object_type = ctx.objects.resolve(request.path_params["objectType"])
        if request.method == "POST":
            data = json_object(body)
            with ctx.records.batch() as conn:
                links = create_links.planned_links(conn, object_type.name, data.get("associations"))
                row = ctx.records.create(object_type, data.get("properties") or {})
                create_links.link(conn, links, row[1])
            return json_response(ctx.records.render(row, list(_written(data))), 201)
        limit = int_param(request, "limit", 10, top=MAX_PAGE)
        after = int_param(request, "after", 0)
        archived = bool_param(request, "archived")
        rows = ctx.records.page(object_type, after, limit + 1, archived=archived)
        out: dict[str, Any] = {"results": rendered(ctx, rows[:limit], request)}
        if len(rows) > limit:
            cursor = str(rows[limit][1])
            query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
            link = f"{base_url(request)}{request.url.path}?{urlencode([*query, ('after', cursor)])}"
            out["paging"] = {"next": {"after": cursor, "link": link}}
        return json_response(out)

    def one(request: Request, body: bytes) -> Response:
        object_type = ctx.objects.resolve(request.path_params["objectType"])
        object_id = request.path_params["objectId"]
        id_property = request.query_params.get("idProperty")
        if request.method == "GET":
            if bool_param(request, "archived"):
                record_id = parse_id(object_id)
                row = (
                    None
                    if record_id is None
                    else ctx.records.get(object_type, record_id, archived=True)
                )
                if row is None:
                    raise object_not_found(object_id)
            else:
                row = find(ctx, object_type, object_id, id_property)
            return json_response(rendered(ctx, [row], request)[0])
        if request.method == "PATCH":
            data = json_object(body)
            row = find(ctx, object_type, object_id, id_property)
            row = ctx.records.update(object_type, row[1], data.get("properties") or {})
            return json_response(ctx.records.render(row, list(_written(data))))
        record_id = parse_id(object_id)
        if record_id is not None:
            ctx.records.archive(object_type, record_id)
        return Response(status_code=204)

    return [
        route("GET POST", OBJECTS, guarded(ctx, listing), "objects {objectType}"),
        route(
            "GET PATCH DELETE", f"{OBJECTS}/{{objectId}}", guarded(ctx, one), "object {objectType}"
        ),
    ]


def _written(data: dict[str, Any]) -> list[str]:
    """The properties a create/update answer shows: those written and the server's."""
    props = data.get("properties") or {}
    kept = ["createdate", "hs_lastmodifieddate", "hs_object_id", "lastmodifieddate"]
    return [*props, *kept] if isinstance(props, dict) else kept
