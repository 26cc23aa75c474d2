"""What every sandbox CRM shares: a state folder, TLS files, a client key pair, faults,
call stats, the sandbox clock, the control API (`core.control`), and a server run
in-process or in the foreground.

A concrete sandbox (Salesforce, Dynamics) subclasses `SandboxBase` and provides
`route_table()` (its own HTTP API, declared once for dispatch and stats: `core.routing`),
`render_not_found(request)` (a path no route serves, in the CRM's error shape),
`render_method_not_allowed(request, allow)` (a served path, another method: 405 with `Allow`),
`header_names()` (how the CRM spells its response header names: `core.header_names`),
`render_fault(kind, spec, path)` (its own 503/429/quota answers), `concurrency_limit` and
`render_concurrency_limit(limit)` (its documented limit, put in force by the network
profile, `core.network`, and its answer over it), `credentials()` (what the
ready line prints besides url and ca_bundle), `reset()` (back to the freshly seeded state),
`seed()` and `tick()` (the clock moved: what fell due moves on).

Started, a sandbox writes its ready line to `state_dir/ready.json` (removed at close) and
remembers its port in the state folder: `port=None` reuses it (else any free port).
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.core.control import control_routes
from crmlink.sandbox.core.faults import FaultInjector, FaultMiddleware, FaultSpec
from crmlink.sandbox.core.header_names import HeaderNames, HeaderNamesMiddleware
from crmlink.sandbox.core.network import NetworkMiddleware
from crmlink.sandbox.core.ready import remove_ready, store_port, stored_port, write_ready
from crmlink.sandbox.core.routing import RouteTable
from crmlink.sandbox.core.server import PortInUse, SandboxServer
from crmlink.sandbox.core.spec import ConcurrencyLimit
from crmlink.sandbox.core.stats import CallStats
from crmlink.sandbox.core.store import remove_tree, resolve_state_dir
from crmlink.sandbox.core.tls import ClientKeyPair, TlsFiles, ensure_client_keypair, ensure_tls


class SandboxBase:
    concurrency_limit: ConcurrencyLimit | None = None  # the CRM's, from its spec
    crm_type: str = ""  # the connector type its accounts take (`account add --type`)

    def __init__(
        self,
        state_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int | None = 0,
        faults: FaultSpec | str | None = None,
    ) -> None:
        self.state_dir, self._temporary = resolve_state_dir(state_dir)
        self.host, self.port = host, port
        self.tls: TlsFiles = ensure_tls(self.state_dir / "tls")
        self.client_keys: ClientKeyPair = ensure_client_keypair(self.state_dir / "tls")
        spec = FaultSpec.parse(faults) if isinstance(faults, str) or faults is None else faults
        self.faults = FaultInjector(spec)
        self.stats = CallStats()
        self.clock = SandboxClock()
        self._table: RouteTable | None = None
        self._server: SandboxServer | None = None

    # -- what a concrete sandbox provides -------------------------------------------
    def route_table(self) -> RouteTable:
        raise NotImplementedError

    def render_not_found(self, request: Request) -> Response:
        raise NotImplementedError

    def render_method_not_allowed(self, request: Request, allow: str) -> Response:
        response = self.render_not_found(request)
        response.status_code = 405
        response.headers["Allow"] = allow
        return response

    def header_names(self) -> HeaderNames:
        return HeaderNames()

    def render_fault(self, kind: str, spec: FaultSpec, path: str):
        raise NotImplementedError

    def render_concurrency_limit(self, limit: int) -> Response:
        raise NotImplementedError

    def credentials(self) -> dict:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError

    def seed(self, records: int, seed: int) -> dict:
        raise NotImplementedError

    def tick(self) -> None:
        """The clock moved (`/__sandbox__/clock`): move on the work that fell due."""

    # -- shared machinery -------------------------------------------------------------
    @property
    def routes(self) -> RouteTable:
        """The sandbox's route table (built once)."""
        if self._table is None:
            self._table = self.route_table()
        return self._table

    def asgi_app(self):
        async def not_found(request: Request, exc: Exception) -> Response:
            self.routes.log_unknown(type(self).__name__, request.method, request.url.path)
            return self.render_not_found(request)

        async def not_allowed(request: Request, exc: Exception) -> Response:
            self.routes.log_unknown(type(self).__name__, request.method, request.url.path)
            allow = (getattr(exc, "headers", None) or {}).get("Allow", "")
            return self.render_method_not_allowed(request, _method_order(allow))

        app = Starlette(
            routes=[*control_routes(self), *self.routes.starlette_routes()],
            exception_handlers={404: not_found, 405: not_allowed},
        )
        faulty = FaultMiddleware(
            app, self.faults, self.stats, self.routes.stats_name, self.render_fault
        )
        paced = NetworkMiddleware(faulty, self.faults, self.concurrency_limit, self._refuse)
        return HeaderNamesMiddleware(paced, self.header_names())

    def _refuse(self, scope: dict, limit: int) -> Response:
        """A request over the concurrency limit: counted, then answered as the CRM does."""
        self.stats.count(self.routes.stats_name(scope["method"], scope["path"]))
        return self.render_concurrency_limit(limit)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return self._server.url

    def info(self) -> dict:
        """The ready line's content: the CRM type, url, CA bundle and credentials."""
        info = {"type": self.crm_type} if self.crm_type else {}
        return {**info, "url": self.url, "ca_bundle": str(self.tls.ca_bundle), **self.credentials()}

    def ready_line(self) -> str:
        return json.dumps(self.info())

    def start(self) -> SandboxBase:
        """Serve in a background thread (tests, demo, benchmarks)."""
        self._server = self._bind()
        self._server.start()
        write_ready(self.state_dir, self.info())
        return self

    def serve_forever(self, on_ready=None) -> None:
        """Serve in this thread until interrupted (the CLI)."""
        self._server = self._bind()

        def ready() -> None:
            write_ready(self.state_dir, self.info())
            if on_ready is not None:
                on_ready()

        self._server.serve_forever(ready)

    def _bind(self) -> SandboxServer:
        """The server on `port`; None: the port of the last start in the state folder."""
        kept = stored_port(self.state_dir) if self.port is None else None
        try:
            server = SandboxServer(self.asgi_app(), self.tls, self.host, kept or self.port or 0)
        except PortInUse:
            if kept is None:
                raise
            raise PortInUse(
                f"port {kept} on {self.host} (kept from the last start in {self.state_dir}) "
                "is in use: choose another --port (or 0 for any free one)"
            ) from None
        if not self._temporary:
            store_port(self.state_dir, server.port)
        return server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.close()

    def close(self) -> None:
        """Release storage; the ready file goes, a temporary state folder is removed."""
        remove_ready(self.state_dir)
        if self._temporary:
            remove_tree(self.state_dir)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _method_order(allow: str) -> str:
    """Starlette's `Allow` lists a set (any order): list it in one order, GET first."""
    methods = {m.strip() for m in allow.split(",") if m.strip()}
    known = [m for m in _METHODS if m in methods]
    return ", ".join(known + sorted(methods - set(known)))
