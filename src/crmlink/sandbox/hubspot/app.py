"""`HubSpotSandbox`: an emulated HubSpot portal on loopback HTTPS.

OAuth 2.0 and private-app tokens, account info, CRM v3 objects (basic, batch, search),
properties, schemas (custom objects) and v4 associations over the shared sandbox machinery
(TLS, faults, network profile, stats, control API, clock).
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.base import SandboxBase
from crmlink.sandbox.core.credentials import stored_credentials
from crmlink.sandbox.core.faults import FaultSpec
from crmlink.sandbox.core.header_names import HeaderNames
from crmlink.sandbox.core.routing import RouteTable
from crmlink.sandbox.core.store import SqliteStore
from crmlink.sandbox.hubspot.errors import (
    HubSpotError,
    MethodNotAllowed,
    RateLimited,
    ServiceUnavailable,
)
from crmlink.sandbox.hubspot.models.auth import Portal, TokenService
from crmlink.sandbox.hubspot.models.definitions import Definitions
from crmlink.sandbox.hubspot.models.limits import TIERS, LimitFigures, RateLimits
from crmlink.sandbox.hubspot.models.objects import ObjectRegistry
from crmlink.sandbox.hubspot.models.properties import PropertyCatalog
from crmlink.sandbox.hubspot.models.records import RecordStore
from crmlink.sandbox.hubspot.models.schemas import SchemaService
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.http import Authorizer
from crmlink.sandbox.hubspot.routes.table import not_found, route_table
from crmlink.sandbox.hubspot.seed import Seeder
from crmlink.sandbox.hubspot.spec import CONCURRENCY

HUB_DOMAIN = "crmlink-sandbox.hubspot.example"
USER = "admin@crmlink-sandbox.example"
REDIRECT_URI = "https://localhost/crmlink/oauth-callback"
# Header names as HubSpot writes them: `X-HubSpot-RateLimit-…`, `X-HubSpot-Correlation-Id`.
HEADER_NAMES = HeaderNames.of(
    [
        "X-HubSpot-RateLimit-Daily",
        "X-HubSpot-RateLimit-Daily-Remaining",
        "X-HubSpot-RateLimit-Interval-Milliseconds",
        "X-HubSpot-RateLimit-Max",
        "X-HubSpot-RateLimit-Remaining",
        "X-HubSpot-RateLimit-Secondly",
        "X-HubSpot-RateLimit-Secondly-Remaining",
        "X-HubSpot-Correlation-Id",
    ]
)


class HubSpotSandbox(SandboxBase):
    crm_type = "hubspot"
    concurrency_limit = CONCURRENCY

    def __init__(  # noqa: PLR0913 - the CLI's options, the limits keyword-only
        self,
        state_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int | None = 0,
        records: int = 2000,
        seed: int = 42,
        faults: FaultSpec | str | None = None,
        *,
        token_lifetime: int = 1800,
        tier: int = 190,
        daily_limit: int = 250_000,
        search_per_second: int = 5,
        oauth_per_ten_seconds: int = 110,
    ) -> None:
        super().__init__(state_dir, host, port, faults)
        if tier < 1:  # HubSpot's tiers are 100 and 190 (`TIERS`); tests may set others
            raise ValueError(f"tier is requests per ten seconds, as HubSpot's {sorted(TIERS)}")
        self.token_lifetime = token_lifetime
        self.portal = self._portal()
        self.sqlite = SqliteStore(self.state_dir / "hubspot.sqlite3")
        self.objects = ObjectRegistry(self.portal.portal_id)
        self.catalog = PropertyCatalog()
        self.records = RecordStore(self.sqlite, self.objects, self.catalog, self.clock)
        self.schemas = SchemaService(self.objects, self.catalog, self.records)
        self.schemas.install_builtin()
        self.definitions = Definitions(self.sqlite)
        self._restore_definitions()
        self.catalog.on_change = self._keep_definitions
        self.tokens = TokenService(self.portal, self.clock, self._lifetime)
        figures = LimitFigures(tier, daily_limit, oauth_per_ten_seconds, search_per_second)
        pid, app = self.portal.portal_id, self.portal.app_id
        self.limits = RateLimits(
            self.clock,
            figures,
            {
                "private": f"private-app-api:{app}:{pid}",
                "oauth": f"publicapi:app-id:{app}:portal-id:{pid}",
                "search": f"publicapi:crm-search:portal-id:{pid}",
            },
        )
        self._seed_args = (records, seed)
        if records and self.records.count(self.objects.resolve("contacts")) == 0:
            self.seed(records, seed)

    def _restore_definitions(self) -> None:
        """Properties, groups and custom objects made through the API in an earlier run."""
        kept = self.definitions.load()
        if kept is None:
            return
        custom, catalog = kept
        self.schemas.restore(custom)
        for name, (props, groups) in catalog.items():
            self.catalog.add_object_type(name, props, groups)

    def _keep_definitions(self) -> None:
        self.definitions.save(self.objects, self.catalog)

    def _lifetime(self) -> int:
        return self.faults.spec.token_lifetime or self.token_lifetime

    def _portal(self) -> Portal:
        saved = stored_credentials(self.state_dir, _new_credentials)
        return Portal(
            portal_id=int(saved["portal_id"]),
            hub_domain=HUB_DOMAIN,
            user=USER,
            user_id=int(saved["user_id"]),
            app_id=int(saved["app_id"]),
            access_token=saved["access_token"],
            client_id=saved["client_id"],
            client_secret=saved["client_secret"],
            redirect_uri=REDIRECT_URI,
            refresh_token=saved["refresh_token"],
        )

    def context(self) -> SandboxContext:
        return SandboxContext(
            records=self.records,
            catalog=self.catalog,
            objects=self.objects,
            auth=Authorizer(self.tokens),
            clock=self.clock,
            limits=self.limits,
            tokens=self.tokens,
            portal=self.portal,
            schemas=self.schemas,
        )

    # -- SandboxBase hooks ---------------------------------------------------------------
    def route_table(self) -> RouteTable:
        return route_table(self.context())

    def render_not_found(self, request: Request) -> Response:
        return not_found(request)

    def render_method_not_allowed(self, request: Request, allow: str) -> Response:
        message = f"HTTP method {request.method} is not supported by this resource"
        return MethodNotAllowed(message).response({"Allow": allow})

    def header_names(self) -> HeaderNames:
        return HEADER_NAMES

    def render_fault(self, kind: str, spec: FaultSpec, path: str) -> Response:
        if kind == "503":
            return ServiceUnavailable("Service Unavailable").response()
        policy = "DAILY" if kind == "limit" else "TEN_SECONDLY_ROLLING"
        group = self.limits.group_of["private"]
        err: HubSpotError = RateLimited(policy, group)
        return err.response({"Retry-After": str(spec.retry_after)})

    def render_concurrency_limit(self, limit: int) -> Response:
        # No documented concurrency limit; one set with `concurrency=N` answers as the
        # ten-second limit does.
        err = RateLimited("TEN_SECONDLY_ROLLING", self.limits.group_of["private"])
        return err.response({"Retry-After": str(self.faults.spec.retry_after)})

    def credentials(self) -> dict:
        portal = self.portal
        return {
            "access_token": portal.access_token,
            "portal_id": portal.portal_id,
            "client_id": portal.client_id,
            "client_secret": portal.client_secret,
            "refresh_token": portal.refresh_token,
            "redirect_uri": portal.redirect_uri,
        }

    def reset(self) -> None:
        """Back to the freshly seeded state: records, custom objects and properties made
        through the API, issued tokens and rate-limit windows go; then the seed again."""
        self.records.drop_all()
        self.schemas.install_builtin()
        self.definitions.clear()
        self.tokens.reset()
        self.limits.reset()
        records, seed = self._seed_args
        if records:
            self.seed(records, seed)

    def seed(self, records: int, seed: int) -> dict:
        return {"seeded": Seeder(self.records, seed).run(records)}

    def close(self) -> None:
        self.sqlite.close()
        super().close()


def _new_credentials() -> dict[str, str]:
    rng = secrets.SystemRandom()
    return {
        "portal_id": str(rng.randint(20_000_000, 49_999_999)),
        "user_id": str(rng.randint(1_000_000, 9_999_999)),
        "app_id": str(rng.randint(1_000_000, 4_999_999)),
        "access_token": f"pat-na1-{uuid.uuid4()}",
        "client_id": str(uuid.uuid4()),
        "client_secret": str(uuid.uuid4()),
        "refresh_token": str(uuid.uuid4()),
    }
