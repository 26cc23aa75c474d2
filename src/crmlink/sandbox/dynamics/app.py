"""`DynamicsSandbox`: an emulated Dynamics 365 / Dataverse environment on loopback HTTPS.

Azure AD token endpoints, the Web API (metadata, records, `$batch`, change tracking,
WhoAmI) over the shared sandbox machinery (TLS, faults, stats, control API).
"""

from __future__ import annotations

import json
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
from crmlink.sandbox.core.tls import load_certificate
from crmlink.sandbox.dynamics.errors import (
    ConcurrentRequestLimit,
    DataverseError,
    ExecutionTimeLimit,
    MethodNotAllowed,
    RequestLimit,
    ServiceUnavailable,
    aad_busy,
)
from crmlink.sandbox.dynamics.models.auth.tokens import Identity, TokenService
from crmlink.sandbox.dynamics.models.data.tables import OrgStore
from crmlink.sandbox.dynamics.models.limits import RateLimiter
from crmlink.sandbox.dynamics.models.metadata.builtin import builtin_schema
from crmlink.sandbox.dynamics.models.metadata.loader import load_schema
from crmlink.sandbox.dynamics.models.users import ADMIN_USER_ID, APP_USER_ID
from crmlink.sandbox.dynamics.routes.context import SandboxContext
from crmlink.sandbox.dynamics.routes.service import DynamicsService
from crmlink.sandbox.dynamics.routes.table import not_found, route_table
from crmlink.sandbox.dynamics.seed import Seeder
from crmlink.sandbox.dynamics.spec import CONCURRENCY

USERNAME = "admin@crmlinksandbox.onmicrosoft.com"
# Header names as Dataverse writes them where plain Title-Case differs; `x-ms-…` stay lower.
HEADER_NAMES = HeaderNames.of(
    ["OData-Version", "OData-MaxVersion", "OData-EntityId", "ETag", "WWW-Authenticate", "REQ_ID"],
    lower_prefixes=("x-ms-",),
)


class DynamicsSandbox(SandboxBase):
    crm_type = "dynamics"
    concurrency_limit = CONCURRENCY

    def __init__(  # noqa: PLR0913 - the CLI's options, the limits keyword-only
        self,
        state_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int | None = 0,
        records: int = 2000,
        seed: int = 42,
        metadata_dir: Path | str | None = None,
        faults: FaultSpec | str | None = None,
        *,
        token_lifetime: int = 3599,
        requests_per_window: int = 6000,
        window_seconds: float = 300,
    ) -> None:
        super().__init__(state_dir, host, port, faults)
        self.token_lifetime = token_lifetime
        self.schema = load_schema(Path(metadata_dir)) if metadata_dir else builtin_schema()
        self.sqlite = SqliteStore(self.state_dir / "dynamics.sqlite3")
        self.org = OrgStore(self.sqlite, self.schema)
        self.identity = self._identity()
        self.tokens = TokenService(self.identity, self._lifetime)
        self.limiter = RateLimiter(requests_per_window, window_seconds)
        self.service = DynamicsService(self.org, self.tokens, self.faults, self.limiter, self.clock)
        self._seed_args = (records, seed)
        with self.org.read() as conn:
            untouched = self.org.current_version(conn) == 1000
        if untouched and records:
            self.seed(records, seed)

    def _lifetime(self) -> int:
        return self.faults.spec.token_lifetime or self.token_lifetime

    def _identity(self) -> Identity:
        saved = stored_credentials(self.state_dir, _new_credentials, self._legacy_credentials)
        cert = load_certificate(self.client_keys.certificate)
        return Identity(
            **saved, certificate=cert, app_user_id=APP_USER_ID, admin_user_id=ADMIN_USER_ID
        )

    def _legacy_credentials(self) -> dict[str, str] | None:
        """Where older sandboxes kept them: `dynamics-credentials.json`."""
        path = self.state_dir / "dynamics-credentials.json"
        if not path.exists():
            return None
        saved: dict[str, str] = json.loads(path.read_text())
        return saved

    # -- SandboxBase hooks ---------------------------------------------------------------
    def route_table(self) -> RouteTable:
        return route_table(SandboxContext(self.service, self.tokens))

    def render_not_found(self, request: Request) -> Response:
        return not_found(request)

    def render_method_not_allowed(self, request: Request, allow: str) -> Response:
        message = f"The requested resource does not support http method '{request.method}'."
        return MethodNotAllowed(message).response({"Allow": allow})

    def header_names(self) -> HeaderNames:
        return HEADER_NAMES

    def render_fault(self, kind: str, spec: FaultSpec, path: str) -> Response:
        if not path.startswith("/api/"):  # Azure AD: OAuth 2.0 error bodies, `error` a string
            return aad_busy(kind, spec.retry_after)
        if kind == "503":
            err: DataverseError = ServiceUnavailable(
                "The service is temporarily unavailable. Retry the request later."
            )
            return err.response()
        headers = {"Retry-After": str(spec.retry_after)}
        if kind == "limit":
            err = ExecutionTimeLimit(
                "Combined execution time of incoming requests exceeded limit of 1,200,000 "
                "milliseconds over time window of 300 seconds. Decrease number of concurrent "
                "requests or reduce the duration of requests and try again later."
            )
            return err.response(headers)
        err = RequestLimit(
            f"Number of requests exceeded the limit of {self.limiter.limit} over time window of "
            f"{int(self.limiter.window)} seconds."
        )
        return err.response(headers)

    def render_concurrency_limit(self, limit: int) -> Response:
        message = f"Number of concurrent requests exceeded the limit of {limit}."
        retry = {"Retry-After": str(self.faults.spec.retry_after)}
        return ConcurrentRequestLimit(message).response(retry)

    def credentials(self) -> dict:
        ident = self.identity
        return {
            "authority": f"{self.url}/{ident.tenant_id}",
            "tenant_id": ident.tenant_id,
            "client_id": ident.client_id,
            "client_secret": ident.client_secret,
            "username": ident.username,
            "password": ident.password,
            "private_key": str(self.client_keys.private_key),
            "certificate": str(self.client_keys.certificate),
        }

    def reset(self) -> None:
        """Back to the freshly seeded state: every row, pending late commit and rate-limit
        window goes, then the environment is seeded again as at start."""
        self.service.drop_pending_commits()
        self.org.drop_all()
        self.limiter.reset()
        records, seed = self._seed_args
        if records:
            self.seed(records, seed)

    def tick(self) -> None:
        """Late commits due on the advanced clock land."""
        self.service.land_due_commits()

    def seed(self, records: int, seed: int) -> dict:
        counts = Seeder(self.org, seed).run(records)
        return {"seeded": counts}

    def close(self) -> None:
        self.sqlite.close()
        super().close()


def _new_credentials() -> dict[str, str]:
    return {
        "tenant_id": str(uuid.uuid4()),
        "client_id": str(uuid.uuid4()),
        "client_secret": secrets.token_urlsafe(30),
        "username": USERNAME,
        "password": secrets.token_urlsafe(18),
    }
