"""The HubSpot sandbox's route table: OAuth, account info, CRM v3 objects (basic, batch,
search), properties, schemas and v4 associations, each declared once for dispatch and stats
(`core.routing`). A path no route serves answers HubSpot's 404 envelope."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteTable
from crmlink.sandbox.hubspot.errors import ResourceNotFound
from crmlink.sandbox.hubspot.routes.account import account_routes
from crmlink.sandbox.hubspot.routes.associations import association_routes
from crmlink.sandbox.hubspot.routes.batch import batch_routes
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.oauth import oauth_routes
from crmlink.sandbox.hubspot.routes.objects import object_routes
from crmlink.sandbox.hubspot.routes.properties import (
    group_routes,
    property_batch_routes,
    property_routes,
)
from crmlink.sandbox.hubspot.routes.schemas import schema_routes
from crmlink.sandbox.hubspot.routes.search import search_routes


def route_table(ctx: SandboxContext) -> RouteTable:
    return RouteTable(
        [
            *oauth_routes(ctx),
            *account_routes(ctx),
            *search_routes(ctx),
            *batch_routes(ctx),
            *association_routes(ctx),
            *object_routes(ctx),
            *group_routes(ctx),
            *property_batch_routes(ctx),
            *property_routes(ctx),
            *schema_routes(ctx),
        ]
    )


def not_found(request: Request) -> Response:
    return ResourceNotFound("resource not found").response()
