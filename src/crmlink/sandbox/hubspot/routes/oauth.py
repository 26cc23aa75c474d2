"""OAuth 2.0 as HubSpot serves it: `GET /oauth/authorize` (the user consents at once: 302
to `redirect_uri?code=…`), `POST /oauth/v1/token` (authorization-code and refresh-token
grants, form-encoded), access- and refresh-token introspection, refresh-token deletion."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.hubspot.errors import HubSpotError
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.http import json_response

NO_STORE = {"Cache-Control": "no-store"}


def oauth_routes(ctx: SandboxContext) -> list[RouteSpec]:
    async def authorize(request: Request) -> Response:
        params = request.query_params
        redirect = params.get("redirect_uri", "")
        try:
            code = ctx.tokens.authorize(
                params.get("client_id", ""), redirect, params.get("scope", "")
            )
        except HubSpotError as exc:
            return exc.response()
        query = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        joiner = "&" if "?" in redirect else "?"
        return RedirectResponse(f"{redirect}{joiner}{urlencode(query)}", status_code=302)

    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        try:
            body = ctx.tokens.token(form)
        except HubSpotError as exc:
            return exc.response()
        response = json_response(body)
        response.headers.update(NO_STORE)
        return response

    async def access_token(request: Request) -> Response:
        try:
            return json_response(ctx.tokens.access_token_info(request.path_params["token"]))
        except HubSpotError as exc:
            return exc.response()

    async def refresh_token(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            if request.method == "DELETE":
                ctx.tokens.delete_refresh_token(token)
                return Response(status_code=204)
            return json_response(ctx.tokens.refresh_token_info(token))
        except HubSpotError as exc:
            return exc.response()

    return [
        route("GET", "/oauth/authorize", authorize, "oauth authorize"),
        route("POST", "/oauth/v1/token", token, "oauth token"),
        route("GET", "/oauth/v1/access-tokens/{token}", access_token, "oauth access token"),
        route(
            "GET DELETE", "/oauth/v1/refresh-tokens/{token}", refresh_token, "oauth refresh token"
        ),
    ]
