"""The Salesforce sandbox: wires the org, auth, queries and bulk jobs to HTTP routes."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.base import SandboxBase
from crmlink.sandbox.core.faults import FaultSpec
from crmlink.sandbox.core.header_names import HeaderNames
from crmlink.sandbox.core.routing import RouteTable
from crmlink.sandbox.core.store import SqliteStore
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.auth import AuthService
from crmlink.sandbox.salesforce.models.bulk import BulkService
from crmlink.sandbox.salesforce.models.describes import Catalog
from crmlink.sandbox.salesforce.models.org import DEFAULT_API_LIMIT, SalesforceOrg
from crmlink.sandbox.salesforce.models.queries import QueryEngine
from crmlink.sandbox.salesforce.routes.context import SandboxContext
from crmlink.sandbox.salesforce.routes.table import not_found, route_table
from crmlink.sandbox.salesforce.seed import seed_org
from crmlink.sandbox.salesforce.spec import CONCURRENCY

# Header names Salesforce does not write in plain Title-Case (the rest are: `Content-Type`,
# `Sforce-Limit-Info`, `Sforce-Locator`, `Location`, `Retry-After`).
HEADER_NAMES = HeaderNames.of(["Sforce-NumberOfRecords", "ETag", "WWW-Authenticate"])


class SalesforceSandbox(SandboxBase):
    crm_type = "salesforce"
    concurrency_limit = CONCURRENCY

    def __init__(
        self,
        state_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int | None = 0,
        records: int = 2000,
        seed: int = 42,
        describe_dir: Path | str | None = None,
        faults: FaultSpec | str | None = None,
        api_limit: int = DEFAULT_API_LIMIT,
    ) -> None:
        super().__init__(state_dir, host, port, faults)
        catalog = Catalog.load_dir(Path(describe_dir)) if describe_dir else Catalog.default()
        if not catalog.objects():
            raise ValueError(f"no describe JSON files found in {describe_dir}")
        self.store = SqliteStore(self.state_dir / "org.sqlite3")
        self.org = SalesforceOrg(self.store, catalog, self.faults, api_limit, self.clock)
        self.auth = AuthService(self.org, self.client_keys.certificate, self.state_dir)
        self.queries = QueryEngine(self.org)
        self.bulk = BulkService(self.org, self.faults, self.state_dir / "bulk", self.clock)
        self._seed_args = (records, seed)
        if records and self.org.count(_first_object(catalog)) == 0:
            self.seed(records, seed)

    # -- SandboxBase ------------------------------------------------------------------
    def route_table(self) -> RouteTable:
        ctx = SandboxContext(
            self.org, self.auth, self.queries, self.bulk, self.clock, lambda: self.url
        )
        return route_table(ctx)

    def render_not_found(self, request: Request) -> Response:
        return not_found(request)

    def render_method_not_allowed(self, request: Request, allow: str) -> Response:
        allowed = ",".join(m.strip() for m in allow.split(","))
        message = f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
        return errors.MethodNotAllowed(message).response({"Allow": allowed})

    def header_names(self) -> HeaderNames:
        return HEADER_NAMES

    def render_fault(self, kind: str, spec: FaultSpec, path: str) -> Response:
        if kind == "limit":
            return errors.RequestLimitExceeded("TotalRequests Limit exceeded.").response()
        retry = {"Retry-After": str(spec.retry_after)}
        if kind == "429":
            limit = errors.ConcurrentRequestLimit("ConcurrentPerOrgLongTxn Limit exceeded.")
            return limit.response(retry)
        return errors.ServerUnavailable("Server temporarily unavailable.").response(retry)

    def render_concurrency_limit(self, limit: int) -> Response:
        message = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
        return errors.RequestLimitExceeded(message).response()

    def credentials(self) -> dict:
        creds = self.auth.credentials
        return {
            "username": creds.username,
            "password": creds.password,
            "security_token": creds.security_token,
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "refresh_token": creds.refresh_token,
            "private_key": str(self.client_keys.private_key),
            "certificate": str(self.client_keys.certificate),
            "login_url": self.url,
        }

    def reset(self) -> None:
        """Back to the freshly seeded state: every record, session, cursor and Bulk job
        goes, then the org is seeded again as at start."""
        self.org.reset()
        self.bulk.clear()
        records, seed = self._seed_args
        if records:
            self.seed(records, seed)

    def seed(self, records: int, seed: int) -> dict:
        return seed_org(self.org, records, seed)

    def tick(self) -> None:
        """Bulk jobs due on the advanced clock complete (late commits need no tick: their
        visibility is computed from the clock at each query)."""
        self.bulk.jobs.settle_due()

    def close(self) -> None:
        self.store.close()
        super().close()


def _first_object(catalog: Catalog) -> str:
    names = [o.name for o in catalog.objects()]
    return "Contact" if "Contact" in names else names[0]
