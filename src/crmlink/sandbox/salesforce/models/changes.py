"""getUpdated / getDeleted: ids changed or deleted in a window (at most 30 days back).

`latestDateCovered` is the window's end, capped at now and rounded down to the minute,
as Salesforce does; a record whose commit becomes visible late (the `late_commit`
fault) is missed by a window that has already been covered — what a sync must survive.
"""

from __future__ import annotations

import datetime as dt

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.describes import ObjectMeta, quote_ident
from crmlink.sandbox.salesforce.models.values import format_datetime, parse_datetime

WINDOW = dt.timedelta(days=30)


def _window(org, start: str | None, end: str | None) -> tuple[dt.datetime, dt.datetime]:
    if not start or not end:
        raise errors.SalesforceError("Both start and end date parameters are required")
    try:
        begin, finish = parse_datetime(start), parse_datetime(end)
    except ValueError:
        raise errors.SalesforceError(f"Invalid date: {start} / {end}") from None
    now = org.now()
    if begin >= finish:
        raise errors.InvalidReplicationDate("startDate must chronologically precede endDate")
    if begin < now - WINDOW:
        raise errors.InvalidReplicationDate("startDate cannot be more than 30 days ago")
    covered = min(finish, now).replace(second=0, microsecond=0)
    return begin, covered


def updated_ids(org, obj: ObjectMeta, start: str | None, end: str | None) -> dict:
    begin, covered = _window(org, start, end)
    stamp = "SystemModstamp" if obj.field("SystemModstamp") else "LastModifiedDate"
    sql = (
        f'SELECT "Id" FROM {quote_ident(obj.table)} WHERE {quote_ident(stamp)} >= ? '
        f'AND {quote_ident(stamp)} < ? AND "_sbx_deleted_at" IS NULL '
        f'AND "_sbx_visible_at" <= ? ORDER BY {quote_ident(stamp)}, rowid'
    )
    params = (format_datetime(begin), format_datetime(covered), format_datetime(org.now()))
    with org.store.reader() as conn:
        ids = [row[0] for row in conn.execute(sql, params)]
    return {"ids": ids, "latestDateCovered": format_datetime(covered)}


def deleted_records(org, obj: ObjectMeta, start: str | None, end: str | None) -> dict:
    begin, covered = _window(org, start, end)
    table = quote_ident(obj.table)
    sql = (
        f'SELECT "Id", "_sbx_deleted_at" FROM {table} WHERE "_sbx_deleted_at" >= ? '
        'AND "_sbx_deleted_at" < ? AND "_sbx_visible_at" <= ? ORDER BY "_sbx_deleted_at", rowid'
    )
    params = (format_datetime(begin), format_datetime(covered), format_datetime(org.now()))
    with org.store.reader() as conn:
        rows = conn.execute(sql, params).fetchall()
        oldest = conn.execute(f'SELECT MIN("_sbx_deleted_at") FROM {table}').fetchone()[0]
    earliest = oldest or format_datetime(org.now() - WINDOW)
    return {
        "deletedRecords": [{"id": rid, "deletedDate": when} for rid, when in rows],
        "earliestDateAvailable": earliest,
        "latestDateCovered": format_datetime(covered),
    }
