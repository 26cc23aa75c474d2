"""`/crm/v3/properties/{objectType}`: list (`archived=`), create; one property read,
update, archive; property groups (`/groups[/{groupName}]`); batch read, create, archive."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.hubspot.errors import HubSpotError, ValidationFailed
from crmlink.sandbox.hubspot.models.batch import inputs_of
from crmlink.sandbox.hubspot.models.properties import PropertyGroup
from crmlink.sandbox.hubspot.models.property_input import (
    as_int,
    check_name,
    property_from_api,
    property_update,
)
from crmlink.sandbox.hubspot.models.schemas import now_stamp
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.http import bool_param, guarded, json_object, json_response

PROPERTIES = "/crm/v3/properties/{objectType}"


def property_routes(ctx: SandboxContext) -> list[RouteSpec]:
    def listing(request: Request, body: bytes) -> Response:
        object_type = ctx.objects.resolve(request.path_params["objectType"])
        if request.method == "POST":
            prop = property_from_api(json_object(body), now_stamp(ctx.records))
            stored = ctx.catalog.put(object_type.name, prop, new=True)
            return json_response(stored.to_api(), 201)
        if bool_param(request, "archived"):
            props = ctx.catalog.archived_of(object_type.name)
        else:
            props = ctx.catalog.of(object_type.name)
        return json_response({"results": [p.to_api() for p in props.values()]})

    def one(request: Request, body: bytes) -> Response:
        object_type = ctx.objects.resolve(request.path_params["objectType"])
        name = request.path_params["propertyName"]
        prop = ctx.catalog.get(object_type.name, name, object_type.name)
        if request.method == "GET":
            return json_response(prop.to_api())
        if request.method == "PATCH":
            changed = property_update(prop, json_object(body), now_stamp(ctx.records))
            return json_response(ctx.catalog.put(object_type.name, changed, new=False).to_api())
        ctx.catalog.archive(object_type.name, name, object_type.name, now_stamp(ctx.records))
        return Response(status_code=204)

    return [
        route("GET POST", PROPERTIES, guarded(ctx, listing), "properties {objectType}"),
        route(
            "GET PATCH DELETE",
            f"{PROPERTIES}/{{propertyName}}",
            guarded(ctx, one),
            "property {objectType}",
        ),
    ]


def group_routes(ctx: SandboxContext) -> list[RouteSpec]:
    """Served before `property_routes` (whose `{propertyName}` would take `groups`)."""

    def groups(request: Request, body: bytes) -> Response:
        object_type = ctx.objects.resolve(request.path_params["objectType"])
        if request.method == "POST":
            data = json_object(body)
            if not data.get("name") or not data.get("label"):
                raise ValidationFailed("Some required fields were not set: [name, label]")
            group = PropertyGroup(
                check_name(str(data["name"]), "Group"),
                str(data["label"]),
                as_int(data.get("displayOrder", -1), "displayOrder"),
            )
            return json_response(
                ctx.catalog.put_group(object_type.name, group, new=True).to_api(), 201
            )
        return json_response(
            {"results": [g.to_api() for g in ctx.catalog.groups(object_type.name)]}
        )

    def group(request: Request, body: bytes) -> Response:
        object_type = ctx.objects.resolve(request.path_params["objectType"])
        found = ctx.catalog.group(object_type.name, request.path_params["groupName"])
        if request.method == "GET":
            return json_response(found.to_api())
        if request.method == "PATCH":
            data = json_object(body)
            changed = PropertyGroup(
                found.name,
                str(data.get("label", found.label)),
                as_int(data.get("displayOrder", found.display_order), "displayOrder"),
            )
            return json_response(
                ctx.catalog.put_group(object_type.name, changed, new=False).to_api()
            )
        ctx.catalog.archive_group(object_type.name, found.name)
        return Response(status_code=204)

    return [
        route("GET POST", f"{PROPERTIES}/groups", guarded(ctx, groups), "property groups"),
        route(
            "GET PATCH DELETE",
            f"{PROPERTIES}/groups/{{groupName}}",
            guarded(ctx, group),
            "property group",
        ),
    ]


def property_batch_routes(ctx: SandboxContext) -> list[RouteSpec]:
    """`POST /crm/v3/properties/{objectType}/batch/{read,create,archive}`: 200/201, or 207
    with an error per input that failed; archive answers 204."""

    def run(operation: str, request: Request, body: bytes) -> Response:
        object_type = ctx.objects.resolve(request.path_params["objectType"])
        inputs = inputs_of(json_object(body))
        started, stamp = now_stamp(ctx.records), now_stamp(ctx.records)
        results, errors = [], []
        for item in inputs:
            try:
                if operation == "read":
                    name = str(item.get("name", ""))
                    results.append(ctx.catalog.get(object_type.name, name, object_type.name))
                elif operation == "create":
                    prop = property_from_api(item, stamp)
                    results.append(ctx.catalog.put(object_type.name, prop, new=True))
                else:
                    name = str(item.get("name", ""))
                    ctx.catalog.archive(object_type.name, name, object_type.name, stamp)
            except HubSpotError as exc:
                errors.append(exc.batch_error({"name": [str(item.get("name", ""))]}))
        if operation == "archive":
            return Response(status_code=204)
        out: dict = {"status": "COMPLETE", "results": [p.to_api() for p in results]}
        if errors:
            out.update(numErrors=len(errors), errors=errors)
        out.update(startedAt=started, completedAt=now_stamp(ctx.records))
        return json_response(out, 207 if errors else 201 if operation == "create" else 200)

    def endpoint(operation: str):
        return guarded(ctx, lambda request, body: run(operation, request, body))

    return [
        route("POST", f"{PROPERTIES}/batch/{op}", endpoint(op), f"properties batch {op}")
        for op in ("read", "create", "archive")
    ]
