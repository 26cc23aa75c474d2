"""`DynamicsConnector`: the Connector protocol over the Dataverse Web API v9.2 —
EntityDefinitions, entity-set queries, `$batch` writes and change tracking."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from crmlink.connectors._http import RetryPolicy
from crmlink.connectors.batches import Batches
from crmlink.connectors.describe_guard import named
from crmlink.connectors.dynamics import describe as describes
from crmlink.connectors.dynamics import paths
from crmlink.connectors.dynamics.chunks import WidePlan
from crmlink.connectors.dynamics.deleted import read_deleted
from crmlink.connectors.dynamics.describe import Entity
from crmlink.connectors.dynamics.http import DataverseHttp
from crmlink.connectors.dynamics.ranges import RangePlan
from crmlink.connectors.dynamics.read import Reader, plan
from crmlink.connectors.dynamics.write import Writer
from crmlink.connectors.parallel import ordered
from crmlink.errors import NotFoundError
from crmlink.filters.ast import Expr
from crmlink.model import (
    AccountSettings,
    DeletedWindow,
    Identity,
    OrderBy,
    ReadCursor,
    RemoteTable,
    TableSummary,
    Usage,
    WriteMode,
    WriteResult,
)

# Service protection (per user, per 5-minute sliding window): Dataverse's documented
# default of 6,000 requests. There is no daily quota and no endpoint that reports usage.
SERVICE_PROTECTION_LIMIT = 6000


class DynamicsConnector:
    """One Dataverse environment, opened for an external account.

    `authority` overrides the Azure AD authority (default: see `auth.authority_for`);
    `retry` bounds the retries; `batch_size` is the operations per `$batch` (≤ 1,000).
    """

    def __init__(
        self,
        account: AccountSettings,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        authority: str | None = None,
        batch_size: int = 1000,
    ) -> None:
        self.account = account
        self.http = DataverseHttp(account, retry, timeout, authority)
        self.reader = Reader(self.http)
        self.writer = Writer(self.http, batch_size)
        self._entities: dict[str, Entity] = {}
        self._sets: dict[str, str] | None = None  # logical name -> entity set

    def __enter__(self) -> DynamicsConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- metadata ---------------------------------------------------------------------
    def identity(self) -> Identity:
        who = self.http.json("GET", "WhoAmI")
        user = self.account.username if self.account.auth == "password" else None
        return Identity(
            org_id=str(who.get("OrganizationId", "")),
            user=user or str(who.get("UserId", "")),
            api_version=self.http.version,
            instance_url=self.account.url,
        )

    def list_tables(self) -> list[TableSummary]:
        return [describes.summary(e) for e in self._definitions()]

    def _definitions(self) -> list[dict]:
        params = {"$select": describes.ENTITY_SELECT}
        body = self.http.json("GET", "EntityDefinitions", params=params)
        entries = list(named(body.get("value"), "LogicalName"))  # untrusted: text names only
        self._sets = {e["LogicalName"]: e.get("EntitySetName") or "" for e in entries}
        return entries

    def describe(self, table: str) -> RemoteTable:
        return self.entity(table).table

    def entity(self, table: str) -> Entity:
        cached = self._entities.get(table.lower())
        if cached is None:
            cached = self._describe(table)
            self._entities[table.lower()] = cached
        return cached

    def _describe(self, table: str) -> Entity:
        """The entity, its keys, its option sets and the entity sets of what it looks up:
        seven calls, sent at once (on a WAN they were a second in a row)."""
        path = paths.entity_definition(table)
        sets_known = self._sets
        calls: list[Callable[[], Any]] = [
            lambda: self.http.json("GET", path, params={"$expand": "Attributes"}),
            lambda: self.http.json("GET", f"{path}/Keys").get("value") or [],
            lambda: sets_known if sets_known is not None else self._entity_sets(),
            *(functools.partial(self._options, path, cast) for cast in describes.OPTION_CASTS),
        ]
        try:
            raw, keys, sets, *found_options = list(ordered(calls, len(calls)))
        except NotFoundError:
            raise describes.not_found(table, [t.name for t in self.list_tables()]) from None
        options = {name: values for part in found_options for name, values in part.items()}
        found = describes.entity(raw, options, keys)
        targets = {t for ts in found.lookups.values() for t in ts}
        wanted = {t: sets[t] for t in targets if sets.get(t)}
        return Entity(found.table, found.entity_set, found.lookups, found.unreadable, wanted)

    def _entity_sets(self) -> dict[str, str]:
        self._definitions()
        return self._sets or {}

    def _options(self, path: str, cast: str) -> dict[str, tuple]:
        options: dict[str, tuple] = {}
        select = "LogicalName" + (",DefaultFormValue" if cast.startswith("Picklist") else "")
        params = {"$select": select, "$expand": "OptionSet,GlobalOptionSet"}
        url = f"{path}/Attributes/Microsoft.Dynamics.CRM.{cast}"
        for body in self.http.json("GET", url, params=params).get("value") or []:
            name, values = describes.option_values(body)
            options[name] = values
        return options

    # -- reads ------------------------------------------------------------------------
    def read(  # noqa: PLR0913 - the protocol's keyword-only options
        self,
        table: str,
        fields: list[str],
        *,
        where: Expr | None = None,
        order: list[OrderBy] | None = None,
        cursor: ReadCursor | None = None,
        include_deleted: bool = False,
        ids: list[str] | None = None,
        limit: int | None = None,
        fewest_calls: bool = False,
    ) -> Iterator[list[dict]]:
        """Batches of rows (a `Batches`: `total` is `@odata.count`, when below its cap)."""

        def produce(batches: Batches) -> Iterator[list[dict]]:
            self.reader.last_plan = None
            entity = self.entity(table)
            # by ids, a `$top` would cut each query of ids, not the read
            limited = None if ids is not None else limit
            read = plan(
                entity, fields, where, order, cursor, include_deleted, limited, fewest_calls
            )
            if ids is not None:
                yield from self.reader.by_ids(read, list(ids))
                return
            yield from self.reader.rows(read, counted=batches)

        return Batches(produce)

    @property
    def last_read_plan(self) -> WidePlan | RangePlan | None:
        """A wide read's plan (column chunks) or a split one's (id ranges), for the run
        log; None for a read of one page chain."""
        return self.reader.last_plan

    def read_deleted(self, table: str, start: dt.datetime, end: dt.datetime) -> DeletedWindow:
        return read_deleted(self.http, self.entity(table), start)

    # -- writes -----------------------------------------------------------------------
    def write(
        self, table: str, rows: Iterable[dict], mode: WriteMode, key: str | None = None
    ) -> Iterator[WriteResult]:
        return self.writer.write(self.entity(table), rows, WriteMode(mode), key)

    def delete(self, table: str, ids: Iterable[str]) -> Iterator[WriteResult]:
        return self.writer.delete(self.entity(table), ids)

    @property
    def api_calls(self) -> int:
        return self.http.calls

    def usage(self) -> Usage:
        """Calls this connector made, against the service-protection window's limit;
        the `x-ms-ratelimit-*` headers, when the service sends them, are in `details`."""
        details = {"window_seconds": 300, **self.http.rate}
        remaining = self.http.rate.get("x-ms-ratelimit-burst-remaining-xrm-requests")
        used = self.http.calls
        if remaining is not None and remaining.isdigit():
            used = max(used, SERVICE_PROTECTION_LIMIT - int(remaining))
        return Usage(used, SERVICE_PROTECTION_LIMIT, details)

    def close(self) -> None:
        self.http.close()
