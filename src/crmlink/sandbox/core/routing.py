"""One route table per sandbox, used for dispatch AND for the call counters.

Each route is declared once (`RouteSpec`): its methods, its Starlette path pattern, its
endpoint and its stats name. The name may use the path's parameters (`bulk2 ingest {kind}`,
Dataverse's `{resource}`), never ids or values. A request the table does not know is
answered by the sandbox's own not-found response (in the CRM's error shape; a served path
asked with another method: 405 with `Allow`), counted as `unknown <METHOD> <path shape>`,
the shape folding API versions and ids away, and named once in the log (`log_unknown`), so
what a client needs and the sandbox lacks is visible.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

Endpoint = Callable[[Request], Awaitable[Response]]

_VERSION = re.compile(r"^(v\d+(\.\d+)*|\d+\.\d+)$")
_PARAM = re.compile(r"{([a-zA-Z_]\w*)(?::(\w+))?}")
_LOG = logging.getLogger("crmlink.sandbox")


@dataclass(frozen=True)
class RouteSpec:
    """One route: `methods` on `path` (a Starlette pattern) served by `endpoint`, counted
    as `<METHOD> <name>` (`name` formatted with the path parameters)."""

    methods: tuple[str, ...]
    path: str
    endpoint: Endpoint
    name: str
    trailing_slash: bool = False  # also serve `path + "/"`, as the CRM does

    def paths(self) -> tuple[str, ...]:
        return (self.path, f"{self.path}/") if self.trailing_slash else (self.path,)

    def serves(self, method: str) -> bool:
        """Whether the route answers `method` (Starlette serves HEAD wherever GET)."""
        return method in self.methods or (method == "HEAD" and "GET" in self.methods)

    def params(self) -> list[tuple[str, str]]:
        """The path's parameters as (name, convertor) pairs, in order."""
        return [(m.group(1), m.group(2) or "str") for m in _PARAM.finditer(self.path)]


def route(
    methods: str, path: str, endpoint: Endpoint, name: str, *, trailing_slash: bool = False
) -> RouteSpec:
    """A `RouteSpec`; `methods` is space-separated (`"GET POST"`)."""
    return RouteSpec(tuple(methods.split()), path, endpoint, name, trailing_slash)


def path_shape(path: str) -> str:
    """`/services/data/v59.0/foo/003000000000001` → `/services/data/{version}/foo/{id}`."""
    parts = []
    for part in path.split("/"):
        if _VERSION.match(part):
            parts.append("{version}")
        elif any(ch.isdigit() for ch in part) or len(part) > 40:
            parts.append("{id}")
        else:
            parts.append(part)
    return "/".join(parts)


class RouteTable:
    """The routes of one sandbox, in match order (the first full match wins)."""

    def __init__(self, specs: Sequence[RouteSpec]) -> None:
        self.specs = list(specs)
        self._unknown: set[tuple[str, str]] = set()  # (method, path shape) already logged
        self._lock = threading.Lock()
        self._routes = [
            (Route(path, spec.endpoint, methods=list(spec.methods)), spec)
            for spec in self.specs
            for path in spec.paths()
        ]

    def __iter__(self) -> Iterator[RouteSpec]:
        return iter(self.specs)

    def starlette_routes(self) -> list[Route]:
        return [r for r, _ in self._routes]

    def match(self, method: str, path: str) -> tuple[RouteSpec, dict[str, Any]] | None:
        """The route serving `method path` and its parameters, as Starlette dispatches it:
        a full match first, else the first route of that path (which answers 405)."""
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        partial = None
        for starlette_route, spec in self._routes:
            found, child = starlette_route.matches(scope)
            if found is Match.FULL:
                return spec, child["path_params"]
            if found is Match.PARTIAL and partial is None:
                partial = spec, child["path_params"]
        return partial

    def log_unknown(self, sandbox: str, method: str, path: str) -> None:
        """One warning line per unimplemented operation (method and path shape)."""
        key = (method, path_shape(path))
        with self._lock:
            if key in self._unknown:
                return
            self._unknown.add(key)
        _LOG.warning("%s: unimplemented operation %s %s", sandbox, *key)

    def stats_name(self, method: str, path: str) -> str:
        """The call counter's name for a request: `<METHOD> <route name>`, or
        `unknown <METHOD> <path shape>` when no route serves the path."""
        found = self.match(method, path)
        if found is None or not found[0].serves(method):
            return f"unknown {method} {path_shape(path)}"
        spec, params = found
        return f"{method} {spec.name.format(**params)}"
