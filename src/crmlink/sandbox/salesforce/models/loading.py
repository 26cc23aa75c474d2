"""Fast loads for seeding: no field rules, server fields filled, chunks of executemany."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import islice

from crmlink.sandbox.salesforce.models.describes import ObjectMeta, quote_ident
from crmlink.sandbox.salesforce.models.rules import has_compound_name
from crmlink.sandbox.salesforce.models.values import format_datetime

SYSTEM_FIELDS: tuple[str, ...] = ("Id", "IsDeleted", "CreatedDate", "CreatedById")
SYSTEM_FIELDS += ("LastModifiedDate", "LastModifiedById", "SystemModstamp", "OwnerId", "Name")


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
    shape = _RowShape(obj, columns, org.system_defaults(obj, stamp), stamp)
    with org.store.transaction() as conn:
        ids = org.next_ids(conn, obj, len(batch))
        conn.executemany(sql, [shape.row(i, raw) for i, raw in zip(ids, batch, strict=True)])
    return len(batch)


class _RowShape:
    """What every row of one chunk shares, worked out once (seeding is a hot path)."""

    def __init__(self, obj: ObjectMeta, columns: list[str], defaults: dict, stamp: str) -> None:
        self.columns, self.defaults, self.stamp = columns, defaults, stamp
        typed = {"date", "datetime", "boolean"}
        self.convert = {f.name for f in obj.stored_fields() if f.type in typed}
        self.compound_name = has_compound_name(obj)
        self.keeps_stamp = "SystemModstamp" in defaults

    def row(self, new_id: str, raw: dict) -> list:
        values = {**self.defaults, **raw}
        for name in self.convert.intersection(raw):
            values[name] = _stored(raw[name])
        for name, default in self.defaults.items():
            if values[name] is None:
                values[name] = default
        values["Id"] = new_id
        if self.keeps_stamp and raw.get("LastModifiedDate") is not None:
            values["SystemModstamp"] = values["LastModifiedDate"]  # backdated history
        if self.compound_name:
            first, last = values.get("FirstName"), values.get("LastName")
            values["Name"] = " ".join(p for p in (first, last) if p)
        values["_sbx_visible_at"] = values.get("SystemModstamp") or self.stamp
        return [values.get(c) for c in self.columns]
