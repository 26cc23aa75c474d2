"""Starlette routes: thin wrappers that turn HTTP into `ApiRequest`s for the service,
the Azure AD endpoints (token v1/v2, OpenID configuration, user realm) and `$batch`."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crmlink.sandbox.dynamics.errors import AadError
from crmlink.sandbox.dynamics.web.batch import run_batch
from crmlink.sandbox.dynamics.web.http import ApiRequest, ApiResponse

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def to_response(result: ApiResponse) -> Response:
    return Response(result.body, status_code=result.status, headers=result.headers)


def api_routes(sandbox) -> list[Route]:
    async def api(request: Request) -> Response:
        body = await request.body()
        req = ApiRequest(
            request.method,
            request.path_params["rest"],
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
            body,
            base_url(request),
            request.path_params["version"],
        )
        if req.path == "$batch" and req.method == "POST":
            result = await run_in_threadpool(run_batch, sandbox.service, req)
        else:
            result = await run_in_threadpool(sandbox.service.handle, req)
        return to_response(result)

    return [Route("/api/data/{version}/{rest:path}", api, methods=METHODS)]


def auth_routes(sandbox) -> list[Route]:
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        tenant = request.path_params["tenant"]
        v2 = "/v2.0/" in request.url.path
        token_url = f"{base_url(request)}{request.url.path}"
        try:
            body = sandbox.tokens.issue(tenant, form, token_url, v2)
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

    return [
        Route("/common/userrealm/{username}", user_realm, methods=["GET"]),
        Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
        Route("/{tenant}/oauth2/token", token, methods=["POST"]),
        Route("/{tenant}/v2.0/.well-known/openid-configuration", openid, methods=["GET"]),
        Route("/{tenant}/.well-known/openid-configuration", openid, methods=["GET"]),
    ]
