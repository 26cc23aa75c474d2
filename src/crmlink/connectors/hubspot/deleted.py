"""Deletions from archived records: `GET /crm/v3/objects/{type}?archived=true`, paged with
`after`, kept when `archivedAt` is in [start, end).

HubSpot keeps an archived record 90 days (it can be restored until then), so:
- `deleted_at` is the record's `archivedAt`;
- `earliest_available` is the time of the read less the retention;
- `latest_covered` is `end`, or the time of the read when `end` is later (a record
  archived after the read shows up in the next window).
"""

from __future__ import annotations

import datetime as dt

from crmlink.connectors._http import url
from crmlink.connectors.hubspot import values
from crmlink.connectors.hubspot.describe import KEY, ObjectInfo
from crmlink.connectors.hubspot.http import HubSpotHttp
from crmlink.connectors.hubspot.spec import SPEC
from crmlink.model import DeletedRecord, DeletedWindow

PAGE_SIZE = SPEC.capabilities.max_read_page  # `limit` of the objects list API
RETENTION = SPEC.capabilities.deleted_retention or dt.timedelta(days=90)


def read_deleted(
    http: HubSpotHttp, info: ObjectInfo, start: dt.datetime, end: dt.datetime
) -> DeletedWindow:
    read_at = dt.datetime.now(dt.UTC)
    path = url("/crm/v3/objects", info.path)
    params: dict[str, str] = {"archived": "true", "limit": str(PAGE_SIZE), "properties": KEY}
    records: dict[str, DeletedRecord] = {}
    while True:
        body = http.json("GET", path, params=params) or {}
        for item in body.get("results") or []:
            found = _archived(item)
            if found is not None and start <= found.deleted_at < end:
                records.setdefault(found.id, found)
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if not after or str(after) == params.get("after"):
            break
        params["after"] = str(after)
    return DeletedWindow(list(records.values()), read_at - RETENTION, min(end, read_at))


def _archived(item: object) -> DeletedRecord | None:
    """The deletion of one archived record (None when the answer lacks its id or time)."""
    if not isinstance(item, dict) or not item.get("id") or not item.get("archivedAt"):
        return None
    try:
        stamp = values.READERS[values.K.DATETIME](str(item["archivedAt"]))
    except ValueError:
        return None
    return DeletedRecord(str(item["id"]), stamp)
