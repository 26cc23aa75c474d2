"""Logins: the OAuth 2.0 token endpoint and the SOAP partner `login()`."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce.errors import OAuthError, SalesforceError
from crmlink.sandbox.salesforce.routes import soap
from crmlink.sandbox.salesforce.routes.context import SandboxContext


def routes(ctx: SandboxContext) -> list[RouteSpec]:
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        form.update(request.query_params)
        try:
            body = await run_in_threadpool(ctx.auth.token_response, form, ctx.url)
        except OAuthError as exc:
            return exc.response()
        return JSONResponse(body)

    async def soap_login(request: Request) -> Response:
        version = request.path_params["version"]
        try:
            username, password = soap.parse_login(await request.body())
            session = await run_in_threadpool(ctx.auth.soap_login, username, password)
        except soap.SoapRequestError as exc:
            return _xml(soap.fault("INVALID_REQUEST", str(exc)), 500)
        except SalesforceError:
            message = "Invalid username, password, security token; or user locked out."
            return _xml(soap.fault("INVALID_LOGIN", message), 500)
        org = ctx.org
        body = soap.login_response(ctx.url, version, session, org.org_id, org.user_id, username)
        return _xml(body, 200)

    async def identity(request: Request) -> Response:
        org, creds = ctx.org, ctx.auth.credentials
        return JSONResponse(
            {
                "id": str(request.url),
                "user_id": org.user_id,
                "organization_id": org.org_id,
                "username": creds.username,
                "display_name": "Sandbox Admin",
                "active": True,
            }
        )

    return [
        route("POST", "/services/oauth2/token", token, "oauth token"),
        route("POST", "/services/Soap/u/{version}", soap_login, "soap login"),
        route("GET", "/id/{org_id}/{user_id}", identity, "identity"),
    ]


def _xml(body: str, status: int) -> Response:
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")
