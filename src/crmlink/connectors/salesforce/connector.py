"""`SalesforceConnector`: the Connector protocol over Salesforce's REST, sObject
Collections and Bulk API 2.0, with a planner that picks the API per call."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterable, Iterator

from crmlink.connectors._http import RetryPolicy
from crmlink.connectors.batches import Batches
from crmlink.connectors.describe_guard import named
from crmlink.connectors.salesforce import chunks, soql, values
from crmlink.connectors.salesforce import describe as describes
from crmlink.connectors.salesforce.bulk import BulkJobFailed, BulkQuery, PollPolicy
from crmlink.connectors.salesforce.bulk_ranges import BulkRanges
from crmlink.connectors.salesforce.http import SalesforceHttp
from crmlink.connectors.salesforce.ingest import BulkIngest
from crmlink.connectors.salesforce.planner import Choice, Thresholds, choose
from crmlink.connectors.salesforce.ranges import RangeReader
from crmlink.connectors.salesforce.read import (
    IDS_PER_QUERY,
    ReadPlan,
    RestReader,
    has_compound,
    plan,
)
from crmlink.connectors.salesforce.spec import SPEC
from crmlink.connectors.salesforce.write import Writer
from crmlink.errors import NotFoundError, RemoteError
from crmlink.filters import ast
from crmlink.filters.ast import Expr
from crmlink.filters.render.soql import render as render_filter
from crmlink.model import (
    AccountSettings,
    DeletedRecord,
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


def _get_deleted_window() -> dt.timedelta:
    """How far back getDeleted answers (older deletions come from queryAll): the spec's."""
    window = SPEC.capabilities.deleted_retention
    if window is None:
        raise RuntimeError("the Salesforce spec must say how long getDeleted reports deletions")
    return window


GET_DELETED_WINDOW = _get_deleted_window()


class SalesforceConnector:
    """One Salesforce org, opened for an external account.

    `plan_limits`: where the read planner switches API (`planner.Thresholds`);
    `bulk_read_threshold`, when given, is one Bulk threshold for every link: a read whose
    COUNT() is above it uses a Bulk 2.0 query job. `bulk_write_threshold`: a write or
    delete of at least this many rows uses Bulk 2.0 ingest. `retry` and `poll` bound the
    retries and the Bulk waits.
    """

    def __init__(
        self,
        account: AccountSettings,
        *,
        bulk_read_threshold: int | None = None,
        plan_limits: Thresholds | None = None,
        bulk_write_threshold: int = 10_000,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        timeout: float = 120.0,
        bulk_job_rows: int = 100_000,
    ) -> None:
        self.account = account
        self.http = SalesforceHttp(account, retry, timeout)
        self.poll = poll or PollPolicy()
        self.limits = plan_limits or Thresholds()
        if bulk_read_threshold is not None:
            self.bulk_read_threshold = bulk_read_threshold
        self.rest = RestReader(self.http)
        self.ranges = RangeReader(self.rest)
        self.bulk = BulkQuery(self.http, self.poll)
        self.bulk_ranges = BulkRanges(
            self.http, self.poll, self.ranges, self.rest, streams=self.limits.result_streams
        )
        ingest = BulkIngest(self.http, self.poll, bulk_job_rows)
        self.writer = Writer(self.http, ingest, bulk_write_threshold)
        self._describes: dict[str, RemoteTable] = {}
        self.last_read_api: str | None = None  # 'rest' or 'bulk': what the planner chose
        self.last_read_plan: Choice | None = None  # …in full: why, and the calls spent
        self.round_trip = float("inf")  # the shortest call seen (seconds): a WAN's is long

    def __enter__(self) -> SalesforceConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def bulk_read_threshold(self) -> int:
        return self.limits.bulk

    @bulk_read_threshold.setter
    def bulk_read_threshold(self, rows: int) -> None:
        self.limits = Thresholds.bulk_above(rows)

    # -- metadata ---------------------------------------------------------------------
    def identity(self) -> Identity:
        session = self.http.session
        user, org_id = session.username, session.org_id
        if session.id_url:
            info = self.http.json("GET", session.id_url)
            user, org_id = info.get("username", user), info.get("organization_id", org_id)
        return Identity(org_id, user, self.http.version, session.instance_url)

    def list_tables(self) -> list[TableSummary]:
        body = self.http.json("GET", self.http.data("sobjects"))
        return [describes.summary(entry) for entry in named(body.get("sobjects"), "name")]

    def describe(self, table: str) -> RemoteTable:
        cached = self._describes.get(table.lower())
        if cached is not None:
            return cached
        try:
            self.http.session  # noqa: B018 - log in first: the login is no round trip
            started = time.monotonic()
            raw = self.http.json("GET", self.http.data("sobjects", table, "describe"))
            self._timed(time.monotonic() - started)
        except NotFoundError:
            raise describes.not_found(table, [t.name for t in self.list_tables()]) from None
        remote = describes.remote_table(raw)
        self._describes[table.lower()] = remote
        return remote

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
        """Batches of rows (a `Batches`: `total` is the planner's COUNT() once asked)."""
        # by ids, a LIMIT would cut each query of ids, not the read
        limit = None if ids is not None else limit
        planned = functools.partial(
            plan, fields=fields, where=where, order=order, cursor=cursor,
            include_deleted=include_deleted, limit=limit, fewest_calls=fewest_calls,
        )  # fmt: skip
        return Batches(lambda batches: self._read(batches, table, planned, ids))

    def _read(
        self,
        batches: Batches,
        table: str,
        planned: Callable[[RemoteTable], ReadPlan],
        ids: list[str] | None,
    ) -> Iterator[list[dict]]:
        read = planned(self.describe(table))  # here: a describe's error at the first batch
        before, self.last_read_plan = self.http.calls, None
        try:
            wide = chunks.groups(read, self.http.data(read.endpoint), ids is not None)
            if wide is not None:  # too long for one REST query: field chunks (chunks.py)
                yield from self._wide(read, wide, ids, batches)
                return
            if read.order and ids is None and not has_compound(read):
                yield from self._probed(read, batches)
                return
            self.last_read_plan = self._choose(read, ids, batches)
            yield from self._rows(read, self.last_read_plan, ids)
        finally:
            if (choice := self.last_read_plan) is not None:
                choice.calls = self.http.calls - before
                self.last_read_api = "bulk" if choice.api.startswith("bulk") else "rest"

    def _wide(
        self, read: ReadPlan, wide: list[list[str]], ids: list[str] | None, batches: Batches
    ) -> Iterator[list[dict]]:
        """A wide read: one Bulk job when the planner picks Bulk (its SOQL goes in a body),
        else REST field chunks joined by Id."""
        if ids is None and not read.order and chunks.fits_bulk(read):
            self.last_read_plan = self._choose(read, None, batches)
            if self.last_read_plan.api == "bulk":
                yield from self._bulk(read, self.last_read_plan)
                return
        self.last_read_plan = chunks.choice(read, wide, self.last_read_plan)
        yield from chunks.WideReader(self.rest).read(read, wide, ids)

    def _timed(self, seconds: float) -> float:
        """The shortest call seen so far: the link's round trip, as free of server work
        as this connector can tell (a COUNT() of a big table also counts it)."""
        self.round_trip = min(self.round_trip, seconds)
        return self.round_trip

    def _choose(self, read: ReadPlan, ids: list[str] | None, batches: Batches) -> Choice:
        """The plan: by ids, or from a COUNT() (timed: its round trip tells a WAN)."""
        if ids is not None:
            return Choice("rest-ids", f"{len(ids):,} ids, {IDS_PER_QUERY} per query")
        if has_compound(read):
            return choose(None, 0.0, self.limits, False)
        small = read.limit is not None and read.limit <= self.limits.rest_single_slow
        if small and self.limits.force is None:
            # a set this small is one REST chain on any link: no COUNT() to ask
            most = f"{read.limit:,} row{'s' * (read.limit != 1)}"
            return Choice("rest", f"at most {most} (the limit): REST pages")
        limits, splittable = self._limits(read)
        if read.where is None and read.limit is None and limits.force is None:
            known = self._by_record_count(read, limits, splittable, batches)
            if known is not None:
                return known
        started = time.monotonic()
        batches.total = self.rest.count(read)
        took = self._timed(time.monotonic() - started)
        if read.limit is None or read.limit >= batches.total:  # a limit that cuts nothing
            return _said(choose(batches.total, took, limits, splittable), read)
        # a LIMIT holds for one query: no split read
        choice = choose(read.limit, took, limits, splittable=False)
        choice.reason += f" (the limit {read.limit:,} of {batches.total:,})"
        batches.total = read.limit
        return _said(choice, read)

    def _by_record_count(
        self, read: ReadPlan, limits: Thresholds, splittable: bool, batches: Batches
    ) -> Choice | None:
        """The plan of a whole object from the org's record count, when that says it is
        large (`record_count_trusted`): approximate, but a large object is read by Bulk
        (or Bulk ranges) whatever its exact count, and a count that is stale the other
        way (records deleted since) costs a Bulk job for a small set, never a lost row.
        None (then a COUNT()) for a smaller, missing or refused count."""
        started = time.monotonic()
        count = self.rest.record_count(read.table.name)
        took = self._timed(time.monotonic() - started)
        if count is None or count < limits.record_count_trusted:
            return None
        batches.total = count
        choice = choose(count, took, limits, splittable)
        choice.reason += " (the org's record count: no COUNT() asked)"
        return _said(choice, read)

    def _limits(self, read: ReadPlan) -> tuple[Thresholds, bool]:
        """The thresholds of this read's plan, and whether it may be split."""
        if read.fewest_calls:
            return self.limits.fewest_calls(), False
        return self.limits, not read.order

    def _probed(self, read: ReadPlan, batches: Batches) -> Iterator[list[dict]]:
        """An ordered read (a cursor's, an order_by) cannot be split: its first REST page
        is asked at once, and its `totalSize` is the count (no COUNT() call: an
        incremental read that finds nothing costs one query). A set above the Bulk
        threshold drops that page and becomes a Bulk job. The rows still to read decide:
        the first page is paid for, so a set just above the threshold stays on REST."""
        started = time.monotonic()
        body = self.rest.first(read.endpoint, read.soql())
        batches.total = int(body.get("totalSize") or 0)
        took = self._timed(time.monotonic() - started)
        still = max(0, batches.total - len(body.get("records") or []))
        choice = choose(still, took, self._limits(read)[0], False)
        choice.count = batches.total
        choice.reason += f" (the rows after the first page of {batches.total:,})"
        _said(choice, read)
        self.last_read_plan = choice
        if choice.api == "bulk":
            yield from self._bulk(read, choice)
        else:
            yield from self.rest.following(body, values.row_reader(read.table, read.fields))

    def _rows(self, read: ReadPlan, choice: Choice, ids: list[str] | None) -> Iterator[list[dict]]:
        if ids is not None:
            yield from self.rest.by_ids(read, list(ids))
        elif choice.api == "rest-ranges":
            yield from self.ranges.rows(read, choice.count or 0, choice.ranges)
        elif choice.api == "bulk":
            yield from self._bulk(read, choice)
        elif choice.api == "bulk-ranges":
            yield from self.bulk_ranges.rows(read, choice)
        else:
            yield from self.rest.rows(read)

    def _bulk(self, read: ReadPlan, choice: Choice) -> Iterator[list[dict]]:
        try:
            yield from self.bulk.rows(read, choice.count)
        except BulkJobFailed as exc:  # fails before any row is given: REST pages still work
            choice.api, choice.reason = "rest", f"{choice.reason}; the Bulk job failed ({exc})"
            self.last_read_api = "rest"
            yield from self.rest.rows(read)

    def read_deleted(self, table: str, start: dt.datetime, end: dt.datetime) -> DeletedWindow:
        remote = self.describe(table)
        oldest = dt.datetime.now(dt.UTC) - GET_DELETED_WINDOW
        if start < oldest:
            return self._deleted_by_query(remote, start, end)
        params = {"start": _iso(start), "end": _iso(end)}
        try:
            body = self.http.json(
                "GET", self.http.data("sobjects", remote.name, "deleted"), params=params
            )
        except RemoteError as exc:
            if exc.code != "INVALID_REPLICATION_DATE":
                raise
            return self._deleted_by_query(remote, start, end)
        records = [
            DeletedRecord(r["id"], values._datetime(r["deletedDate"]))
            for r in body.get("deletedRecords", [])
        ]
        earliest = body.get("earliestDateAvailable")
        return DeletedWindow(
            records,
            values._datetime(earliest) if earliest else None,
            values._datetime(body["latestDateCovered"]),
        )

    def _deleted_by_query(
        self, table: RemoteTable, start: dt.datetime, end: dt.datetime
    ) -> DeletedWindow:
        """Past getDeleted's 30 days: the recycle bin through queryAll (IsDeleted)."""
        stamp = table.modified_field or "SystemModstamp"
        where = ast.And(
            (
                ast.Comparison("IsDeleted", ast.Op.EQ, ast.Boolean(True)),
                ast.Comparison(stamp, ast.Op.GE, ast.DateTime(start)),
                ast.Comparison(stamp, ast.Op.LT, ast.DateTime(end)),
            )
        )
        text = soql.select(table.name, ["Id", stamp], [render_filter(where)], [(stamp, False)])
        convert = values.row_reader(table, ["Id", stamp])
        records = [
            DeletedRecord(row["Id"], row[stamp])
            for batch in self.rest.pages("queryAll", text, convert)
            for row in batch
        ]
        covered = min(end, dt.datetime.now(dt.UTC))
        return DeletedWindow(records, None, covered)

    # -- writes -----------------------------------------------------------------------
    def write(
        self, table: str, rows: Iterable[dict], mode: WriteMode, key: str | None = None
    ) -> Iterator[WriteResult]:
        return self.writer.write(self.describe(table), rows, WriteMode(mode), key)

    def delete(self, table: str, ids: Iterable[str]) -> Iterator[WriteResult]:
        return self.writer.delete(self.describe(table), ids)

    @property
    def api_calls(self) -> int:
        return self.http.calls

    def usage(self) -> Usage:
        body = self.http.json("GET", self.http.data("limits"))
        daily = body.get("DailyApiRequests", {})
        limit = int(daily.get("Max", 0))
        return Usage(limit - int(daily.get("Remaining", 0)), limit, body)

    def close(self) -> None:
        self.http.close()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _said(choice: Choice, read: ReadPlan) -> Choice:
    """The choice, its reason naming the workflow's `read_plan` when it is not the default."""
    if read.fewest_calls:
        choice.reason += " (read_plan: fewest_calls)"
    return choice
