"""Logins and the OAuth endpoints around them: the token endpoint, SOAP partner `login()`,
the Identity URL, OpenID Connect userinfo, revoke and introspect."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce.errors import OAuthError, SalesforceError
from crmlink.sandbox.salesforce.routes import soap
from crmlink.sandbox.salesforce.routes.common import bearer_token
from crmlink.sandbox.salesforce.routes.context import SandboxContext

VERSION = "62.0"  # the API version the identity documents' URLs name
DISPLAY_NAME = "Sandbox Admin"


async def _form(request: Request) -> dict[str, str]:
    """The form body, with the query parameters over it (Salesforce reads both)."""
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    form.update(request.query_params)
    return form


def _basic_client(request: Request) -> dict[str, str]:
    """client_id and client_secret of an `Authorization: Basic` header (RFC 7662 allows it)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return {}
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return {}
    return {"client_id": client_id, "client_secret": secret}


def _urls(ctx: SandboxContext) -> dict[str, str]:
    base, org, user = ctx.url, ctx.org.org_id, ctx.org.user_id
    data = f"{base}/services/data/v{VERSION}"
    return {
        "enterprise": f"{base}/services/Soap/c/{VERSION}/{org}",
        "metadata": f"{base}/services/Soap/m/{VERSION}/{org}",
        "partner": f"{base}/services/Soap/u/{VERSION}/{org}",
        "rest": f"{data}/",
        "sobjects": f"{data}/sobjects/",
        "search": f"{data}/search/",
        "query": f"{data}/query/",
        "recent": f"{data}/recent/",
        "tooling_soap": f"{base}/services/Soap/T/{VERSION}/{org}",
        "tooling_rest": f"{data}/tooling/",
        "profile": f"{base}/{user}",
        "feeds": f"{data}/chatter/feeds",
        "groups": f"{data}/chatter/groups",
        "users": f"{data}/chatter/users",
        "feed_items": f"{data}/chatter/feed-items",
        "feed_elements": f"{data}/chatter/feed-elements",
        "custom_domain": base,
    }


def identity_document(ctx: SandboxContext, url: str) -> dict:
    """The Identity URL's answer (`GET /id/{org}/{user}`)."""
    org, username = ctx.org, ctx.auth.credentials.username
    return {
        "id": url,
        "asserted_user": True,
        "user_id": org.user_id,
        "organization_id": org.org_id,
        "username": username,
        "nick_name": username.split("@")[0],
        "display_name": DISPLAY_NAME,
        "email": username,
        "email_verified": True,
        "first_name": "Sandbox",
        "last_name": "Admin",
        "timezone": "GMT",
        "photos": _photos(ctx),
        "urls": _urls(ctx),
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "is_app_installed": True,
    }


def userinfo_document(ctx: SandboxContext) -> dict:
    """OpenID Connect userinfo, with the claims Salesforce adds (`urls`, `user_type`, …)."""
    org, username = ctx.org, ctx.auth.credentials.username
    return {
        "sub": ctx.auth.identity_url(ctx.url),
        "user_id": org.user_id,
        "organization_id": org.org_id,
        "preferred_username": username,
        "nickname": username.split("@")[0],
        "name": DISPLAY_NAME,
        "email": username,
        "email_verified": True,
        "given_name": "Sandbox",
        "family_name": "Admin",
        "zoneinfo": "GMT",
        "photos": _photos(ctx),
        "profile": f"{ctx.url}/{org.user_id}",
        "picture": _photos(ctx)["picture"],
        "address": {},
        "is_salesforce_integration_user": False,
        "urls": _urls(ctx),
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "updated_at": "2024-01-01T00:00:00Z",
        "is_app_installed": True,
    }


def _photos(ctx: SandboxContext) -> dict[str, str]:
    base = f"{ctx.url}/profilephoto/005/"
    return {"picture": f"{base}F", "thumbnail": f"{base}T"}


def _bad_token() -> Response:
    """What the identity endpoints answer a missing or dead token (not the REST shape)."""
    return PlainTextResponse("Bad_OAuth_Token", status_code=403)


class _Handlers:
    """One endpoint per route, over the sandbox's context."""

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx

    async def token(self, request: Request) -> Response:
        form = await _form(request)
        try:
            body = await run_in_threadpool(self.ctx.auth.token_response, form, self.ctx.url)
        except OAuthError as exc:
            return exc.response()
        return JSONResponse(body)

    async def soap_login(self, request: Request) -> Response:
        ctx, version = self.ctx, request.path_params["version"]
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

    async def identity(self, request: Request) -> Response:
        session = bearer_token(request) or request.query_params.get("oauth_token")
        if not await self._live(session):
            return _bad_token()
        url = str(request.url.remove_query_params("oauth_token"))
        return JSONResponse(identity_document(self.ctx, url))

    async def userinfo(self, request: Request) -> Response:
        form = await _form(request) if request.method == "POST" else {}
        if not await self._live(bearer_token(request) or form.get("access_token")):
            return _bad_token()
        return JSONResponse(userinfo_document(self.ctx))

    async def _live(self, token: str | None) -> bool:
        try:
            await run_in_threadpool(self.ctx.auth.check_token, token)
        except SalesforceError:
            return False
        return True

    async def revoke(self, request: Request) -> Response:
        token = (await _form(request)).get("token", "")
        try:
            await run_in_threadpool(self.ctx.auth.revoke, token)
        except OAuthError as exc:
            return exc.response()
        return Response(status_code=200)

    async def introspect(self, request: Request) -> Response:
        form = {**await _form(request), **_basic_client(request)}
        try:
            body = await run_in_threadpool(self.ctx.auth.introspect, form, self.ctx.url)
        except OAuthError as exc:
            return exc.response()
        return JSONResponse(body)


def routes(ctx: SandboxContext) -> list[RouteSpec]:
    h = _Handlers(ctx)
    return [
        route("POST", "/services/oauth2/token", h.token, "oauth token"),
        route("GET POST", "/services/oauth2/userinfo", h.userinfo, "oauth userinfo"),
        route("GET POST", "/services/oauth2/revoke", h.revoke, "oauth revoke"),
        route("POST", "/services/oauth2/introspect", h.introspect, "oauth introspect"),
        route("POST", "/services/Soap/u/{version}", h.soap_login, "soap login"),
        route("GET", "/id/{org_id}/{user_id}", h.identity, "identity"),
    ]


def _xml(body: str, status: int) -> Response:
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")
