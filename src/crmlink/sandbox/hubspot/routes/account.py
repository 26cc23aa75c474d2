"""`/account-info/v3/details` (the portal) and `/account-info/v3/api-usage/daily/
private-apps` (today's calls against the daily limit)."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.hubspot.models.values import wire_datetime
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.http import guarded, json_response


def account_routes(ctx: SandboxContext) -> list[RouteSpec]:
    def details(request: Request, body: bytes) -> Response:
        return json_response(
            {
                "portalId": ctx.portal.portal_id,
                "accountType": "STANDARD",
                "timeZone": "Etc/UTC",
                "companyCurrency": "USD",
                "additionalCurrencies": ["EUR", "GBP"],
                "utcOffset": "+00:00",
                "utcOffsetMilliseconds": 0,
                "uiDomain": "app.hubspot.com",
                "dataHostingLocation": "na1",
            }
        )

    def usage(request: Request, body: bytes) -> Response:
        figures = ctx.limits.usage()
        resets = dt.datetime.fromtimestamp(figures["resets_at_s"], dt.UTC)
        return json_response(
            {
                "results": [
                    {
                        "name": "private-apps-api-calls-daily",
                        "usageLimit": figures["limit"],
                        "currentUsage": figures["used"],
                        "collectedAt": wire_datetime(ctx.clock.now()),
                        "fetchStatus": "SUCCESS",
                        "resetsAt": wire_datetime(resets),
                    }
                ]
            }
        )

    return [
        route("GET", "/account-info/v3/details", guarded(ctx, details), "account details"),
        route(
            "GET",
            "/account-info/v3/api-usage/daily/private-apps",
            guarded(ctx, usage),
            "account api usage",
        ),
    ]
