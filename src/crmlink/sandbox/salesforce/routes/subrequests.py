"""Subrequests of `/composite` and `/composite/batch`, run in-process by the sandbox's own
REST routes: the route table finds the handler, which runs in the calling thread (so an
all-or-none composite shares one SQLite transaction). No session check or API call is
spent per subrequest: the outer request did both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteSpec, RouteTable
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.composite import Subrequest
from crmlink.sandbox.salesforce.routes.common import Call
from crmlink.sandbox.salesforce.routes.context import SandboxContext

# printable ASCII stays as written; spaces and other bytes are percent-encoded
_QUERY_SAFE = "".join(chr(c) for c in range(33, 127))


@dataclass
class SubResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status >= 400

    @classmethod
    def error(cls, exc: errors.SalesforceError) -> SubResponse:
        return cls(exc.status, exc.rest_body())


class Dispatcher:
    """Runs one subrequest against `table` (routes whose endpoints came from `api()`)."""

    def __init__(self, ctx: SandboxContext, table: RouteTable) -> None:
        self.ctx, self.table = ctx, table

    def send(self, sub: Subrequest) -> SubResponse:
        parts = urlsplit(sub.url)
        path = unquote(parts.path)
        found = self.table.match(sub.method, path)
        handler = getattr(found[0].endpoint, "handler", None) if found else None
        if found is None or handler is None:
            return SubResponse.error(errors.NotFound("The requested resource does not exist"))
        spec, params = found
        if sub.method not in spec.methods:
            return SubResponse.error(_not_allowed(sub.method, spec))
        request = _request(sub, path, parts.query, params)
        call = Call(request, _encode(sub.body), self.ctx)
        try:
            result = handler(call)
        except errors.SalesforceError as exc:
            return SubResponse.error(exc)
        obj = self.ctx.org.catalog.get(params.get("sobject") or "")
        return _response(result, obj.name if obj else None, call.version)


def _not_allowed(method: str, spec: RouteSpec) -> errors.SalesforceError:
    allowed = ",".join(spec.methods)
    return errors.MethodNotAllowed(f"HTTP Method '{method}' not allowed. Allowed are {allowed}")


def _request(sub: Subrequest, path: str, query: str, params: dict) -> Request:
    headers = [(b"content-type", b"application/json")]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in sub.headers.items()]
    scope = {
        "type": "http",
        "method": sub.method,
        "scheme": "https",
        "server": ("sandbox", 443),
        "root_path": "",
        "path": path,
        "raw_path": quote(path).encode(),
        "query_string": quote(query, safe=_QUERY_SAFE).encode(),
        "headers": headers,
        "path_params": params,
    }
    return Request(scope)


def _encode(body: Any) -> bytes:
    return b"" if body is None else json.dumps(body).encode()


def _response(result: Any, sobject: str | None, version: str) -> SubResponse:
    """The handler's answer; a created record gets its `Location`, as on Salesforce."""
    if isinstance(result, Response):
        return SubResponse(result.status_code, _decoded(result))
    status, body = result
    if status == 204:
        return SubResponse(204, None)
    headers = {}
    if status == 201 and isinstance(body, dict) and body.get("id") and sobject:
        headers["Location"] = f"/services/data/v{version}/sobjects/{sobject}/{body['id']}"
    return SubResponse(status, body, headers)


def _decoded(response: Response) -> Any:
    raw = bytes(response.body or b"")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")
