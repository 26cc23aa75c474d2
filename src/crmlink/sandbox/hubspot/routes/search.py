"""`POST /crm/v3/objects/{objectType}/search`: HubSpot's CRM search.

Search calls have their own limit (5 per second per portal: `limits.search`, a SECONDLY
429) and are exempt from the ten-secondly one, so they skip `guarded`'s counting and carry
no rate-limit headers, as HubSpot's answers do. The answer is
`{"total", "results": [SimplePublicObject…], "paging": {"next": {"after"}}}`.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.hubspot.errors import HubSpotError
from crmlink.sandbox.hubspot.models.objects import ObjectType
from crmlink.sandbox.hubspot.models.search.compile import Compiler
from crmlink.sandbox.hubspot.models.search.request import parse_request
from crmlink.sandbox.hubspot.models.search.run import run_search
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.http import json_response, parse_json

# The properties `query` searches (developers.hubspot.com, "Search the CRM": default
# searchable properties); custom objects: their own searchable properties, else their
# string properties (HubSpot: up to 20 selected).
SEARCHABLE = {
    "contacts": (
        "firstname",
        "lastname",
        "email",
        "phone",
        "hs_additional_emails",
        "fax",
        "mobilephone",
        "company",
        "hs_marketable_until_renewal",
    ),
    "companies": ("website", "phone", "name", "domain"),
    "deals": ("dealname", "pipeline", "dealstage", "description", "dealtype"),
}


def compiler_for(ctx: SandboxContext, object_type: ObjectType) -> Compiler:
    props = ctx.catalog.of(object_type.name)
    searchable = SEARCHABLE.get(object_type.name) or object_type.searchable_properties
    if not searchable:
        searchable = tuple(n for n, p in props.items() if p.type == "string")[:20]
    return Compiler(props, searchable, object_type.name)


def _modified(object_type: ObjectType) -> str:
    return "lastmodifieddate" if object_type.name == "contacts" else "hs_lastmodifieddate"


def search(ctx: SandboxContext, request: Request, body: bytes) -> Response:
    object_type = ctx.objects.resolve(request.path_params["objectType"])
    search_request = parse_request(parse_json(body) if body.strip() else {})
    with ctx.records.store.reader() as conn:
        page = run_search(conn, object_type.name, search_request, compiler_for(ctx, object_type))
    properties = None
    if search_request.properties:  # the server-kept stamps come with any requested list
        kept = ("createdate", _modified(object_type), "hs_object_id")
        properties = [
            *search_request.properties,
            *(k for k in kept if k not in search_request.properties),
        ]
    out: dict[str, Any] = {
        "total": page.total,
        "results": [ctx.records.render(row, properties) for row in page.rows],
    }
    if page.next_after is not None:
        out["paging"] = {"next": {"after": str(page.next_after)}}
    return json_response(out)


def search_routes(ctx: SandboxContext) -> list[RouteSpec]:
    async def endpoint(request: Request) -> Response:
        try:
            ctx.auth.authorize(request)
            ctx.limits.search(request)
        except HubSpotError as exc:
            return exc.response()
        body = await request.body()
        try:
            return await run_in_threadpool(search, ctx, request, body)
        except HubSpotError as exc:
            return exc.response()

    return [route("POST", "/crm/v3/objects/{objectType}/search", endpoint, "search {objectType}")]
