"""Fast loads for seeding: no field rules, server fields filled, chunks of executemany."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import islice

from crmlink.sandbox.salesforce.describes import ObjectMeta, quote_ident
from crmlink.sandbox.salesforce.rules import fill_compound_name, has_compound_name
from crmlink.sandbox.salesforce.values import format_datetime

SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate")
SYSTEM_FIELDS += ("LastModifiedById", "SystemModstamp", "OwnerId", "Name")


def _chunks(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _columns(obj: ObjectMeta, batch: list[dict]) -> list[str]:
    names = {f.name for f in obj.stored_fields()}
    seen: dict[str, None] = {"Id": None}
    for name in SYSTEM_FIELDS:
        if name in names:
            seen[name] = None
    for row in batch:
        for key in row:
            if key in names:
                seen[key] = None
    return [*seen, "_sbx_visible_at"]


def _stored(value):
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def bulk_load(org, obj: ObjectMeta, rows: Iterable[dict], chunk: int = 5000) -> int:
    total = 0
    for batch in _chunks(rows, chunk):
        total += _load_chunk(org, obj, batch)
    return total


def _load_chunk(org, obj: ObjectMeta, batch: list[dict]) -> int:
    stamp, _ = org.stamps()
    columns = _columns(obj, batch)
    sql = (
        f"INSERT INTO {quote_ident(obj.table)} ({', '.join(quote_ident(c) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    defaults = org.system_defaults(obj, stamp)
    compound_name = has_compound_name(obj)
    with org.store.transaction() as conn:
        ids = org.next_ids(conn, obj, len(batch))
        params = [_row(obj, columns, defaults, compound_name, new_id, raw, stamp)
                  for new_id, raw in zip(ids, batch, strict=True)]  # fmt: skip
        conn.executemany(sql, params)
    return len(batch)


def _row(obj, columns, defaults, compound_name, new_id, raw: dict, stamp: str) -> list:
    values = {**defaults, **{k: _stored(v) for k, v in raw.items() if v is not None}}
    values["Id"] = new_id
    modified = values.get("LastModifiedDate")
    if raw.get("LastModifiedDate") is not None and "SystemModstamp" in defaults:
        values["SystemModstamp"] = modified  # backdated history keeps its stamps
    if compound_name:
        fill_compound_name(obj, values)
    values["_sbx_visible_at"] = values.get("SystemModstamp") or stamp
    return [values.get(c) for c in columns]
