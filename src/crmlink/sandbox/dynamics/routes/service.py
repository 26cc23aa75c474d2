"""The Web API behind the routes: authentication, service-protection limits, dispatch of
a resource path to its handler, and error rendering. `$batch` parts come through here too.

With the `late_commit` fault a write is checked and answered now, and committed when it
falls due on the sandbox clock (`models.late_commits`).
"""

from __future__ import annotations

import threading

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.dynamics.errors import (
    DataverseError,
    MethodNotAllowed,
    RequestLimit,
    unknown_segment,
)
from crmlink.sandbox.dynamics.models.data.tables import OrgStore
from crmlink.sandbox.dynamics.models.data.writes import Writer
from crmlink.sandbox.dynamics.models.late_commits import LateCommits
from crmlink.sandbox.dynamics.models.limits import RateLimiter
from crmlink.sandbox.dynamics.models.sdkmessages import MESSAGE_SETS
from crmlink.sandbox.dynamics.models.users import ADMIN_USER_ID
from crmlink.sandbox.dynamics.routes import (
    entity_writes_api,
    functions,
    metadata_api,
    property_api,
    records_api,
    relationships_api,
    sdkmessages_api,
)
from crmlink.sandbox.dynamics.routes.functions import FUNCTIONS
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse, split_path
from crmlink.sandbox.dynamics.routes.service_document import service_document

CRM = "Microsoft.Dynamics.CRM."
_ACTIONS = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")
_METADATA = {
    "$metadata": lambda svc, req, segments: metadata_api.metadata_document(svc, req),
    "EntityDefinitions": metadata_api.entity_definitions,
    "CreateEntities": lambda svc, req, segments: entity_writes_api.create_entities(svc, req),
    "GlobalOptionSetDefinitions": metadata_api.global_option_sets,
    "RelationshipDefinitions": lambda svc, req, segments: (
        relationships_api.relationship_definitions(svc.org.schema, req, segments)
    ),
}


class DynamicsService:
    def __init__(
        self, org: OrgStore, tokens, faults, limiter: RateLimiter, clock: SandboxClock
    ) -> None:
        self.org, self.tokens, self.faults, self.limiter = org, tokens, faults, limiter
        self.late_commits = LateCommits(clock)

    def late_commit(self) -> float:
        return float(self.faults.spec.late_commit or 0)

    # -- entry points --------------------------------------------------------------------
    def handle(self, req: ApiRequest, authenticate: bool = True) -> ApiResponse:
        try:
            if authenticate:
                self.authenticate(req)
            return self.dispatch(req)
        except DataverseError as exc:
            headers = dict(getattr(exc, "extra", {}))
            if exc.status == 401:
                headers["WWW-Authenticate"] = (
                    f"Bearer authorization_uri={req.base}/{self.tokens.identity.tenant_id}"
                    f"/oauth2/authorize, resource_id={req.base}/"
                )
            return ApiResponse.json(exc.body(), exc.status, headers)

    def authenticate(self, req: ApiRequest) -> None:
        claims = self.tokens.check(req.header("Authorization"))
        req.user = claims
        wait = self.limiter.hit(claims.get("oid", ""))
        if wait is not None:
            err = RequestLimit(
                f"Number of requests exceeded the limit of {self.limiter.limit} over time window "
                f"of {int(self.limiter.window)} seconds."
            )
            raise _WithHeaders(err, {"Retry-After": str(wait)})

    def dispatch(self, req: ApiRequest) -> ApiResponse:
        if not req.path.strip("/"):
            return service_document(self.org.schema, req)
        segments = split_path(req.path)
        name, key = segments[0]
        if name in _METADATA:
            return _METADATA[name](self, req, segments)
        if len(segments) == 1 and name.removeprefix(CRM) in FUNCTIONS:
            return functions.call(req, name.removeprefix(CRM), key)
        if name in MESSAGE_SETS and len(segments) == 1:
            return sdkmessages_api.query(self, req, name, key)
        entity = self.org.schema.by_set(name)
        if entity is None:
            raise unknown_segment(name)
        if len(segments) > 1:
            return self._below(req, entity, key, segments[1:])
        return self._entity_call(req, entity, key)

    def _below(self, req: ApiRequest, entity, key: str | None, rest: list) -> ApiResponse:
        """A segment under an entity set: a *Multiple action, or a record's property."""
        if key is not None:
            return property_api.handle(self, req, entity, key, rest)
        action = rest[0][0].removeprefix(CRM)
        if len(rest) == 1 and action in _ACTIONS and req.method == "POST":
            return records_api.multiple(self, req, entity, action)
        raise unknown_segment(rest[0][0])

    def _entity_call(self, req: ApiRequest, entity, key: str | None) -> ApiResponse:
        method = req.method
        if key is None:
            if method == "GET":
                return records_api.query(self, req, entity)
            if method == "POST":
                return records_api.create(self, req, entity)
        elif method == "GET":
            return records_api.retrieve(self, req, entity, key)
        elif method in ("PATCH", "PUT"):
            return records_api.update(self, req, entity, key)
        elif method == "DELETE":
            return records_api.delete(self, req, entity, key)
        raise MethodNotAllowed(f"The HTTP method '{method}' is not allowed on this resource.")

    # -- writes --------------------------------------------------------------------------
    def write(self, fn, req: ApiRequest):
        """Run `fn(conn, writer)` in a transaction. With a late-commit fault the work is
        checked now (and rolled back), answered, and committed again after the delay with
        the same ids and timestamps, as a replica that lags would show it."""
        writer = Writer(self.org, req.user.get("oid") or ADMIN_USER_ID)
        delay = self.late_commit()
        if not delay or _batch.active:
            with self.org.write() as conn:
                return fn(conn, writer)
        try:
            with self.org.write() as conn:
                raise _DryRun(fn(conn, writer))
        except _DryRun as dry:
            result = dry.result
        writer.replay()
        self.late_commits.add(delay, fn, writer)
        return result

    def land_due_commits(self) -> None:
        """Commit the late writes due on the sandbox clock (before every call, at ticks)."""
        self.late_commits.land_due(self.org)

    def drop_pending_commits(self) -> None:
        """Forget the late writes not landed yet (a reset)."""
        self.late_commits.clear()


class _BatchFlag(threading.local):
    active = False


_batch = _BatchFlag()


class _DryRun(Exception):
    def __init__(self, result) -> None:
        self.result = result


class _WithHeaders(DataverseError):
    def __init__(self, inner: DataverseError, headers: dict) -> None:
        super().__init__(inner.message)
        self.code, self.status, self.extra = inner.code, inner.status, headers
