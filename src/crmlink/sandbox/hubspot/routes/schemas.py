"""`/crm/v3/schemas` (and `/crm-object-schemas/v3/schemas`): custom objects listed and
defined; one schema read, updated, deleted (only once it has no records)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.hubspot.models.schemas import now_stamp
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.http import guarded, json_object, json_response

# Both paths serve the same schemas (the official SDK uses the second).
SCHEMA_PATHS = ("/crm/v3/schemas", "/crm-object-schemas/v3/schemas")


def schema_routes(ctx: SandboxContext) -> list[RouteSpec]:
    def listing(request: Request, body: bytes) -> Response:
        if request.method == "POST":
            created = ctx.schemas.create(json_object(body), now_stamp(ctx.records))
            return json_response(ctx.schemas.to_api(created), 201)
        custom = ctx.objects.custom()
        return json_response({"results": [ctx.schemas.to_api(t) for t in custom]})

    def one(request: Request, body: bytes) -> Response:
        object_type = ctx.objects.resolve(request.path_params["objectType"])
        if request.method == "GET":
            return json_response(ctx.schemas.to_api(object_type))
        if request.method == "PATCH":
            changed = ctx.schemas.update(object_type, json_object(body), now_stamp(ctx.records))
            return json_response(ctx.schemas.to_api(changed))
        ctx.schemas.delete(object_type)
        return Response(status_code=204)

    listing_endpoint, one_endpoint = guarded(ctx, listing), guarded(ctx, one)
    return [
        spec
        for path in SCHEMA_PATHS
        for spec in (
            route("GET POST", path, listing_endpoint, "schemas"),
            route("GET PATCH DELETE", f"{path}/{{objectType}}", one_endpoint, "schema"),
        )
    ]
