"""The Salesforce sandbox: wires the org, auth, queries and bulk jobs to HTTP routes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crmlink.sandbox.core.base import SandboxBase
from crmlink.sandbox.core.faults import FaultSpec
from crmlink.sandbox.core.store import SqliteStore
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.auth import AuthService
from crmlink.sandbox.salesforce.describes import Catalog, ObjectMeta
from crmlink.sandbox.salesforce.org import DEFAULT_API_LIMIT, SalesforceOrg
from crmlink.sandbox.salesforce.queries import QueryEngine
from crmlink.sandbox.salesforce.routes import composite, oauth, rest
from crmlink.sandbox.salesforce.values import format_datetime

# Keys of a describeGlobal entry, taken from an object's full describe.
_SUMMARY_KEYS = [
    "activateable",
    "associateEntityType",
    "associateParentEntity",
    "createable",
    "custom",
    "customSetting",
    "deepCloneable",
    "deletable",
    "deprecatedAndHidden",
    "feedEnabled",
    "hasSubtypes",
    "isInterface",
    "isSubtype",
    "keyPrefix",
    "label",
    "labelPlural",
    "layoutable",
    "mergeable",
    "mruEnabled",
    "name",
    "queryable",
    "replicateable",
    "retrieveable",
    "searchable",
    "triggerable",
    "undeletable",
    "updateable",
    "urls",
]


class SalesforceSandbox(SandboxBase):
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
        self.org = SalesforceOrg(self.store, catalog, self.faults, api_limit)
        self.auth = AuthService(self.org, self.client_keys.certificate)
        self.queries = QueryEngine(self.org)
        self.bulk = _make_bulk(self)
        if records and self.org.count(_first_object(catalog)) == 0:
            self.seed(records, seed)

    # -- SandboxBase ------------------------------------------------------------------
    def build_routes(self):
        routes = [*oauth.routes(self), *rest.routes(self), *composite.routes(self)]
        routes.append(Route("/__sandbox__/clock", self._clock_endpoint, methods=["GET", "POST"]))
        routes += _bulk_routes(self)
        return routes

    def classify(self, method: str, path: str) -> str:
        from crmlink.sandbox.salesforce.routes.classify import endpoint_name

        return endpoint_name(method, path)

    def render_fault(self, kind: str, spec: FaultSpec) -> Response:
        if kind == "limit":
            return errors.RequestLimitExceeded("TotalRequests Limit exceeded.").response()
        if kind == "429":
            body = [
                {
                    "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                    "errorCode": "REQUEST_LIMIT_EXCEEDED",
                }
            ]
            return JSONResponse(
                body, status_code=429, headers={"Retry-After": str(spec.retry_after)}
            )
        body = [{"message": "Server temporarily unavailable.", "errorCode": "SERVER_UNAVAILABLE"}]
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(spec.retry_after)})

    async def _clock_endpoint(self, request: Request) -> JSONResponse:
        """Move the org's clock forward (`?advance=SECONDS`): late commits show up,
        getUpdated windows close, tokens keep their real-time expiry."""
        if request.method == "POST":
            try:
                seconds = float(request.query_params.get("advance", "0"))
            except ValueError:
                return JSONResponse({"error": "advance must be a number of seconds"}, 400)
            self.org.clock_offset += timedelta(seconds=seconds)
        return JSONResponse({"now": format_datetime(self.org.now())})

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
        self.org.reset()

    def seed(self, records: int, seed: int) -> dict:
        from crmlink.sandbox.salesforce.seed import seed_org

        return seed_org(self.org, records, seed)

    def close(self) -> None:
        self.store.close()
        super().close()

    # -- describes ----------------------------------------------------------------------
    def global_describe(self) -> dict:
        loaded = self.org.catalog.global_describe
        if loaded is not None:
            return loaded
        sobjects = [self.object_summary(o) for o in self.org.catalog.objects()]
        return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}

    def object_summary(self, obj: ObjectMeta) -> dict:
        loaded = self.org.catalog.global_describe
        for entry in (loaded or {}).get("sobjects", []):
            if entry.get("name") == obj.name:
                return entry
        return {key: obj.raw.get(key) for key in _SUMMARY_KEYS}


def _first_object(catalog: Catalog) -> str:
    names = [o.name for o in catalog.objects()]
    return "Contact" if "Contact" in names else names[0]


def _make_bulk(sandbox):
    try:
        from crmlink.sandbox.salesforce.bulk import BulkService
    except ImportError:  # the bulk package lands separately
        return None
    return BulkService(sandbox)


def _bulk_routes(sandbox) -> list:
    try:
        from crmlink.sandbox.salesforce.routes import bulk1, bulk2
    except ImportError:
        return []
    return [*bulk2.routes(sandbox), *bulk1.routes(sandbox)]
