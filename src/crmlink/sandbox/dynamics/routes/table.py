"""The Dynamics sandbox's route table: thin endpoints that turn HTTP into `ApiRequest`s for
the service, `$batch`, and the Azure AD endpoints (token v1/v2, OpenID configuration, user
realm), each declared once for dispatch and stats (`core.routing`).

Web API calls are counted by their resource: `GET contacts`, `POST $batch`,
`GET EntityDefinitions`. A path no route serves answers the Dataverse 404 envelope.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from crmlink.sandbox.core.routing import RouteSpec, RouteTable, route
from crmlink.sandbox.dynamics.errors import AadError, unknown_segment
from crmlink.sandbox.dynamics.routes.batch import run_batch
from crmlink.sandbox.dynamics.routes.context import SandboxContext
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse

METHODS = "GET POST PATCH PUT DELETE"
API = "/api/data/{version}"


class ResourceConvertor(Convertor[str]):
    """The first segment's name of an OData resource path: `contacts` of `contacts(…)/x`."""

    regex = r"[^/(]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("odata_resource", ResourceConvertor())


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def to_response(result: ApiResponse) -> Response:
    return Response(result.body, status_code=result.status, headers=result.headers)


def api_request(request: Request, body: bytes) -> ApiRequest:
    """The transport-neutral request of a Web API call (its path after the version)."""
    version = request.path_params["version"]
    return ApiRequest(
        request.method,
        request.scope["path"][len(f"/api/data/{version}/") :],
        dict(request.query_params),
        {k.lower(): v for k, v in request.headers.items()},
        body,
        base_url(request),
        version,
    )


def api_routes(ctx: SandboxContext) -> list[RouteSpec]:
    async def api(request: Request) -> Response:
        req = api_request(request, await request.body())
        ctx.service.land_due_commits()
        return to_response(await run_in_threadpool(ctx.service.handle, req))

    async def batch(request: Request) -> Response:
        req = api_request(request, await request.body())
        ctx.service.land_due_commits()
        return to_response(await run_in_threadpool(run_batch, ctx.service, req))

    return [
        route("POST", f"{API}/$batch", batch, "$batch"),
        route("GET", API, api, "service document", trailing_slash=True),
        route(METHODS, f"{API}/$metadata", api, "$metadata"),
        route(METHODS, f"{API}/WhoAmI", api, "WhoAmI"),
        route(METHODS, f"{API}/EntityDefinitions{{rest:path}}", api, "EntityDefinitions"),
        route(
            METHODS,
            f"{API}/GlobalOptionSetDefinitions{{rest:path}}",
            api,
            "GlobalOptionSetDefinitions",
        ),
        route(
            METHODS,
            f"{API}/RelationshipDefinitions{{rest:path}}",
            api,
            "RelationshipDefinitions",
        ),
        route(METHODS, f"{API}/{{resource:odata_resource}}{{rest:path}}", api, "{resource}"),
    ]


def auth_routes(ctx: SandboxContext) -> list[RouteSpec]:
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        tenant = request.path_params["tenant"]
        v2 = "/v2.0/" in request.url.path
        token_url = f"{base_url(request)}{request.url.path}"
        try:
            body = ctx.tokens.issue(tenant, form, token_url, v2)
        except AadError as exc:
            return exc.response()
        return JSONResponse(
            body, headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
        )

    async def openid(request: Request) -> Response:
        tenant, base = request.path_params["tenant"], base_url(request)
        v2 = "/v2.0/" in request.url.path
        prefix = f"{base}/{tenant}/oauth2" + ("/v2.0" if v2 else "")
        issuer = f"{base}/{tenant}/v2.0" if v2 else f"https://sts.windows.net/{tenant}/"
        return JSONResponse(
            {
                "token_endpoint": f"{prefix}/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": issuer,
                "request_uri_parameter_supported": False,
                "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
                "authorization_endpoint": f"{prefix}/authorize",
                "device_authorization_endpoint": f"{prefix}/devicecode",
                "http_logout_supported": True,
                "frontchannel_logout_supported": True,
                "end_session_endpoint": f"{prefix}/logout",
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": "graph.microsoft.com",
                "rbac_url": "https://pas.windows.net",
            }
        )

    async def user_realm(request: Request) -> Response:
        username = request.path_params["username"]
        domain = username.split("@")[-1]
        return JSONResponse(
            {
                "ver": "1.0",
                "account_type": "Managed",
                "domain_name": domain,
                "cloud_instance_name": "microsoftonline.com",
                "cloud_audience_urn": "urn:federation:MicrosoftOnline",
            }
        )

    well_known = ".well-known/openid-configuration"
    return [
        route("GET", "/common/userrealm/{username}", user_realm, "user realm"),
        route("POST", "/{tenant}/oauth2/v2.0/token", token, "token"),
        route("POST", "/{tenant}/oauth2/token", token, "token"),
        route("GET", f"/{{tenant}}/v2.0/{well_known}", openid, "openid configuration"),
        route("GET", f"/{{tenant}}/{well_known}", openid, "openid configuration"),
    ]


def route_table(ctx: SandboxContext) -> RouteTable:
    """The Web API first, then Azure AD (whose `/{tenant}/...` patterns are broad)."""
    return RouteTable([*api_routes(ctx), *auth_routes(ctx)])


def not_found(request: Request) -> Response:
    """A path the sandbox does not serve, in the Dataverse error envelope."""
    segment = request.url.path.strip("/").split("/")[0] or "/"
    return unknown_segment(segment).response()
