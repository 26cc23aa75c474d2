"""`HubSpotConnector`: the Connector protocol over HubSpot's CRM API v3 — properties,
objects, search, batch writes and archived records."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator

import httpx

from crmlink.connectors._http import RetryPolicy, url
from crmlink.connectors.batches import Batches
from crmlink.connectors.hubspot import describe as describes
from crmlink.connectors.hubspot.auth import OAUTH, access_token
from crmlink.connectors.hubspot.deleted import read_deleted
from crmlink.connectors.hubspot.describe import ObjectInfo
from crmlink.connectors.hubspot.http import API_VERSION, RATE_PREFIX, HubSpotHttp
from crmlink.connectors.hubspot.read import Reader
from crmlink.connectors.hubspot.write import Writer
from crmlink.errors import CrmlinkError, NotFoundError
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

DAILY_USAGE = "/account-info/v3/api-usage/daily/private-apps"
# The daily limit when neither the headers nor the usage endpoint said (Free/Starter).
DEFAULT_DAILY_LIMIT = 250_000


class HubSpotConnector:
    """One HubSpot account (portal), opened for an external account.

    `retry` bounds the retries; `transport`, `sleep` and `clock` replace the network and
    time (unit tests); `batch_size` is the inputs per batch write (≤ 100).
    """

    def __init__(
        self,
        account: AccountSettings,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        batch_size: int = 100,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account = account
        self.http = HubSpotHttp(account, retry, timeout, sleep, transport, clock)
        self.reader = Reader(self.http)
        self.writer = Writer(self.http, batch_size)
        self._objects: dict[str, ObjectInfo] = {}
        self._tables: list[TableSummary] | None = None
        self._paths: dict[str, str] = {}  # table name -> `{objectType}` segment

    def __enter__(self) -> HubSpotConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- metadata ---------------------------------------------------------------------
    def identity(self) -> Identity:
        details = self.http.json("GET", "/account-info/v3/details") or {}
        return Identity(
            org_id=str(details.get("portalId", "")),
            user=self._user(),
            api_version=API_VERSION,
            instance_url=self.account.url,
        )

    def _user(self) -> str:
        """The OAuth user (token introspection); a private app has no user of its own."""
        if self.account.auth != OAUTH:
            return "private app"
        auth = self.http.client.auth  # identity's first call logged in
        token = access_token(auth) if auth is not None else None
        if not token:
            return "oauth app"
        info = self.http.json("GET", url("/oauth/v1/access-tokens", token)) or {}
        return str(info.get("user") or info.get("user_id") or "oauth app")

    def list_tables(self) -> list[TableSummary]:
        schemas = self.http.json("GET", "/crm/v3/schemas") or {}
        customs = describes.custom_objects(schemas.get("results"))
        self._paths = {name: name for name in describes.STANDARD}
        self._paths |= {entry["name"]: entry["objectTypeId"] for entry in customs}
        self._tables = describes.summaries(customs)
        return list(self._tables)

    def describe(self, table: str) -> RemoteTable:
        return self.object_info(table).table

    def object_info(self, table: str) -> ObjectInfo:
        cached = self._objects.get(table.lower())
        if cached is None:
            cached = self._describe(table)
            self._objects[table.lower()] = cached
        return cached

    def _describe(self, table: str) -> ObjectInfo:
        summary = self._summary(table)
        path = self._paths[summary.name]
        try:
            body = self.http.json("GET", url("/crm/v3/properties", path)) or {}
        except NotFoundError:
            raise describes.not_found(table, [t.name for t in self.list_tables()]) from None
        return describes.object_info(summary, path, body.get("results"))

    def _summary(self, table: str) -> TableSummary:
        tables = self._tables if self._tables is not None else self.list_tables()
        wanted = table.lower()
        found = next((t for t in tables if t.name.lower() == wanted), None)
        if found is None:
            raise describes.not_found(table, [t.name for t in tables])
        return found

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
        """Batches of rows (a `Batches`: `total` is the search's total, when it searched).
        `limit` and `fewest_calls` need nothing of their own: pages hold at most 100
        records and are asked for one at a time, never split, so the caller's cut already
        stops the calls."""

        def produce(batches: Batches) -> Iterator[list[dict]]:
            info = self.object_info(table)
            yield from self.reader.read(
                info, fields, where, order, cursor, include_deleted, ids, counted=batches
            )

        return Batches(produce)

    def read_deleted(self, table: str, start: dt.datetime, end: dt.datetime) -> DeletedWindow:
        return read_deleted(self.http, self.object_info(table), start, end)

    # -- writes -----------------------------------------------------------------------
    def write(
        self, table: str, rows: Iterable[dict], mode: WriteMode, key: str | None = None
    ) -> Iterator[WriteResult]:
        return self.writer.write(self.object_info(table), rows, WriteMode(mode), key)

    def delete(self, table: str, ids: Iterable[str]) -> Iterator[WriteResult]:
        return self.writer.delete(self.object_info(table), ids)

    @property
    def api_calls(self) -> int:
        return self.http.calls

    def usage(self) -> Usage:
        """The account's calls today against its daily limit: from the
        `X-HubSpot-RateLimit-Daily*` headers of the last answer, else the private apps'
        daily usage endpoint; never fewer than this connector's own calls."""
        daily = self._daily_from_headers() or self._daily_from_endpoint()
        details: dict[str, object] = dict(self.http.rate)
        used, limit = daily if daily is not None else (0, DEFAULT_DAILY_LIMIT)
        return Usage(max(used, self.http.calls), limit, details)

    def _daily_from_headers(self) -> tuple[int, int] | None:
        limit = self.http.rate.get(RATE_PREFIX + "daily", "")
        remaining = self.http.rate.get(RATE_PREFIX + "daily-remaining", "")
        if limit.isdigit() and remaining.isdigit() and int(limit) > 0:
            return int(limit) - int(remaining), int(limit)
        return None

    def _daily_from_endpoint(self) -> tuple[int, int] | None:
        try:
            body = self.http.json("GET", DAILY_USAGE) or {}
        except CrmlinkError:  # OAuth apps may not read it: the fallback below
            return None
        for entry in body.get("results") or []:
            if isinstance(entry, dict) and isinstance(entry.get("usageLimit"), int):
                current = entry.get("currentUsage")
                return (current if isinstance(current, int) else 0), entry["usageLimit"]
        return None

    def close(self) -> None:
        self.http.close()
