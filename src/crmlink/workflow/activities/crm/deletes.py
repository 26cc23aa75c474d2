"""`operation: delete` (records whose ids are in an upstream column) and
`operation: import_deleted` (records the CRM reports deleted in a window)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import DateTime, String

from crmlink.connectors.registry import spec_of
from crmlink.errors import UsageError
from crmlink.model import DeletedWindow, ReadCursor, Reject
from crmlink.model import WriteResult as Result
from crmlink.workflow.activities.crm.common import source_column, substitute, upstream
from crmlink.workflow.activities.crm.config import CrmActivityConfig
from crmlink.workflow.activities.crm.dates import iso, parse_date
from crmlink.workflow.activities.crm.sink import Sink
from crmlink.workflow.base import OK, ActivityResult, ColumnSpec, Population, RunContext

APPEND_ROWS = 5000


# -- delete -----------------------------------------------------------------------------
def run_delete(
    config: CrmActivityConfig, ctx: RunContext, source: Population | None
) -> ActivityResult:
    source = upstream(source, "ids_from")
    if config.ids_from is None:  # the config's validation requires it
        raise UsageError("a delete needs ids_from: the upstream column holding the record ids")
    column = source_column(source, config.ids_from, "ids_from")
    connector = ctx.connector(config.account)
    calls = connector.api_calls
    table = connector.describe(config.object).name

    def send(rows: list[dict]) -> Iterator[Result]:
        ids = [(i, str(r[column]).strip()) for i, r in enumerate(rows) if _has_id(r[column])]
        for index, row in enumerate(rows):
            if not _has_id(row[column]):
                yield Result(index, None, False, error=Reject("MISSING_ID", f"{column} is empty"))
        if ids:
            for result in connector.delete(table, [record_id for _, record_id in ids]):
                yield Result(ids[result.index][0], result.id, result.success, False, result.error)

    rejects_file = substitute(config.rejects_file, ctx.variables, "rejects_file")
    result = Sink(ctx, source, rejects_file).run(send, config.batch_size)
    result.api_calls = connector.api_calls - calls
    return result


def _has_id(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


# -- import_deleted ---------------------------------------------------------------------
def run_import_deleted(
    config: CrmActivityConfig, ctx: RunContext, source: Population | None
) -> ActivityResult:
    connector = ctx.connector(config.account)
    calls = connector.api_calls
    table = connector.describe(config.object).name
    start, end = _window(config, ctx, table, spec_of(connector).capabilities.first_deleted_lookback)
    ctx.checkpoint()
    window = connector.read_deleted(table, start, end)
    writer = ctx.new_population(
        OK, [ColumnSpec("id", String(255)), ColumnSpec("deleted_at", DateTime(timezone=True))]
    )
    rows = [{"id": r.id, "deleted_at": r.deleted_at.astimezone(dt.UTC)} for r in window.records]
    for begin in range(0, len(rows), APPEND_ROWS):
        writer.append(rows[begin : begin + APPEND_ROWS])
    population = writer.finish()
    _report(ctx, table, start, end, window)
    ctx.cursor(_scope(config, table)).stage(ReadCursor(window.latest_covered, ""))
    variables = {
        "crmStartDate": iso(start),
        "crmEndDate": iso(end),
        "crmLatestCovered": iso(window.latest_covered),
        "crmEarliestAvailable": iso(window.earliest_available) if window.earliest_available else "",
    }
    return ActivityResult(
        outputs={OK: population},
        rows_in=source.count if source else 0,
        rows_out=population.count,
        api_calls=connector.api_calls - calls,
        variables=variables,
    )


def _scope(config: CrmActivityConfig, table: str) -> dict[str, str]:
    """What an import_deleted cursor measures: a change starts a fresh one."""
    return {"account": config.account, "object": table, "operation": "import_deleted"}


def _window(
    config: CrmActivityConfig, ctx: RunContext, table: str, lookback: dt.timedelta
) -> tuple[dt.datetime, dt.datetime]:
    """The window to read: the options', else from the last run's end (or, on a first run,
    the CRM's `first_deleted_lookback`) to the run's start."""
    start = _date(config.start, ctx, "start")
    end = _date(config.end, ctx, "end") or ctx.started_at
    if start is None:
        previous = ctx.cursor(_scope(config, table)).get()
        start = previous.modified if previous else ctx.started_at - lookback
        origin = "the end of the last successful run"
        if previous is None:
            origin = f"first run: {_span(lookback)}"
        ctx.log(f"import_deleted window starts at {iso(start)} ({origin})")
    if start >= end:
        raise UsageError(f"import_deleted: start {iso(start)} is not before end {iso(end)}")
    return start, end


def _span(delta: dt.timedelta) -> str:
    """A look-back as the log says it: "29 days", or seconds when not whole days."""
    if delta % dt.timedelta(days=1):
        return f"{delta.total_seconds():g} seconds"
    return f"{delta.days} days"


def _date(value: str | None, ctx: RunContext, option: str) -> dt.datetime | None:
    text = substitute(value, ctx.variables, option)
    if not text:
        return None
    try:
        return parse_date(text, option)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _misses_deletions(start: dt.datetime, earliest: dt.datetime, window: DeletedWindow) -> bool:
    """Whether the window really starts before what the CRM still reports.

    Only a window starting before `earliest` can miss deletions — and not when the
    CRM's log demonstrably begins inside the window: a deletion it reports at (or
    before) `earliest` means `earliest` is its oldest kept deletion, reported here, not
    a purge point (Salesforce's "last physically deleted", which is never reported).
    """
    if start >= earliest:
        return False
    return not any(record.deleted_at <= earliest for record in window.records)


def _report(
    ctx: RunContext, table: str, start: dt.datetime, end: dt.datetime, window: DeletedWindow
) -> None:
    found = f"{len(window.records)} {table} records deleted between {iso(start)} and {iso(end)}"
    ctx.log(f"{found}; the CRM covered the window up to {iso(window.latest_covered)}")
    earliest = window.earliest_available
    if earliest is None:
        ctx.log(
            "the CRM reports no retention limit for this window: it starts before its "
            "deleted-records log, so deletions were read from what it still keeps (the "
            "recycle bin); older and hard deletions cannot be reported",
            "warning",
        )
        return
    ctx.log(f"the CRM keeps deleted records from {iso(earliest)} on (its retention limit)")
    if _misses_deletions(start, earliest, window):
        ctx.log(
            f"the window starts at {iso(start)}, before {iso(earliest)}: records deleted "
            f"before {iso(earliest)} cannot be reported",
            "warning",
        )
