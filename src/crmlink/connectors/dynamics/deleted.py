"""Deletions through change tracking — the only way Dataverse reports them.

A query never returns deleted rows; a delta request (`$deltatoken`, `Prefer:
odata.track-changes`) returns the rows changed since its token and a `$deletedEntity`
tombstone (id only, no time) for each row deleted since. crmlink keeps no token between
runs, so `read_deleted(start, end)` builds the token for `start`: Dataverse's delta tokens
are `<row version>!<UTC time>`, and the highest `versionnumber` among the table's rows
last modified before `start` is a version every later change exceeds. So the answer is:

- every row deleted after `start` and before the read — possibly a few deleted a little
  before `start` (after that row's change) and some after `end`: the delta cannot stop
  at a time. Both are harmless to a caller that deletes or flags by id;
- `deleted_at` is the time of the read (Dataverse does not say when a row was deleted);
- `earliest_available` is when the token starts (that row's `modifiedon`), or None when no
  row is older than `start` (the token then starts at the beginning of tracking);
- `latest_covered` is the time of the read.

The table must have change tracking enabled, and the service forgets changes older than
the org's retention (`ExpireChangeTrackingInDays`): an expired token is a UsageError.
"""

from __future__ import annotations

import datetime as dt

from crmlink.connectors.dynamics import paths
from crmlink.connectors.dynamics.describe import Entity
from crmlink.connectors.dynamics.http import DataverseHttp
from crmlink.connectors.dynamics.spec import SPEC
from crmlink.errors import UsageError
from crmlink.filters import ast
from crmlink.filters.render.odata import render as render_filter
from crmlink.model import DeletedRecord, DeletedWindow

PAGE_SIZE = SPEC.capabilities.max_read_page  # odata.maxpagesize


def read_deleted(http: DataverseHttp, entity: Entity, start: dt.datetime) -> DeletedWindow:
    table = entity.table
    if table.field("versionnumber") is None or not table.modified_field:
        raise UsageError(
            f"{table.name} has no versionnumber/modifiedon: its deletions cannot be tracked",
            object=table.name,
        )
    version, since = _start_version(http, entity, start)
    read_at = dt.datetime.now(dt.UTC)
    token = f"{version}!{(since or read_at).strftime('%m/%d/%Y %H:%M:%S')}"
    ids = _tombstones(http, entity, token)
    records = [DeletedRecord(record_id, read_at) for record_id in ids]
    return DeletedWindow(records, since, read_at)


def _start_version(
    http: DataverseHttp, entity: Entity, start: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """(version, its modifiedon) of the newest row last changed before `start`."""
    params = {
        "$select": "versionnumber,modifiedon",
        "$filter": render_filter(
            ast.Comparison("modifiedon", ast.Op.LT, ast.DateTime(start)), entity.table
        ),
        "$orderby": "versionnumber desc",
        "$top": "1",
    }
    body = http.json("GET", paths.identifier(entity.entity_set), params=params)
    rows = body.get("value") or []
    if not rows:
        return 0, None
    stamp = dt.datetime.fromisoformat(rows[0]["modifiedon"].replace("Z", "+00:00"))
    return int(rows[0]["versionnumber"]), stamp.astimezone(dt.UTC)


def _tombstones(http: DataverseHttp, entity: Entity, token: str) -> list[str]:
    headers = {"Prefer": f"odata.track-changes,odata.maxpagesize={PAGE_SIZE}"}
    params = {"$select": entity.table.key_field, "$deltatoken": token}
    body = http.json("GET", paths.identifier(entity.entity_set), params=params, headers=headers)
    ids: list[str] = []
    while True:
        for item in body.get("value") or []:
            if _is_tombstone(item):
                ids.append(str(item["id"]).lower())
        next_url = body.get("@odata.nextLink")
        if not next_url:
            return list(dict.fromkeys(ids))
        body = http.json("GET", next_url, headers=headers)


def _is_tombstone(item: dict) -> bool:
    return str(item.get("@odata.context", "")).endswith("$deletedEntity") or (
        item.get("reason") == "deleted" and "id" in item
    )
