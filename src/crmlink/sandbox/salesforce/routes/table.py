"""The Salesforce sandbox's route table: every route of every API, declared once.

The same table dispatches the requests and names them for `/__sandbox__/stats`
(`core.routing`). A path no route serves answers 404 `NOT_FOUND` in the REST shape.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteTable
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.routes import bulk1, bulk2, composite, oauth, organization, rest
from crmlink.sandbox.salesforce.routes.context import SandboxContext


def route_table(ctx: SandboxContext) -> RouteTable:
    """Logins, REST, sObject Collections, Bulk 2.0 and Bulk 1.0, in match order."""
    return RouteTable(
        [
            *oauth.routes(ctx),
            *organization.routes(ctx),
            *rest.routes(ctx),
            *composite.routes(ctx),
            *bulk2.routes(ctx),
            *bulk1.routes(ctx),
        ]
    )


def not_found(request: Request) -> Response:
    """A path the sandbox does not serve, as Salesforce answers one."""
    return errors.NotFound("The requested resource does not exist").response()
