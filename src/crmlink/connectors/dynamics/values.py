"""Dataverse values to Python and back: one converter per `FieldKind`.

Reads: JSON becomes bool, int, float, Decimal (money, decimal), `datetime.date`
(date-only columns), aware UTC `datetime.datetime`, str. A lookup is read from
`_x_value` and given under its logical name `x`. Choices (picklist, state, status) are
their integer value as a string (`"1"`); multi-select choices are their values joined
by `;` (`"100000000;100000002"`, Dataverse sends `"100000000,100000002"`), like
Salesforce multi-picklists, so campaign enumerations work the same for both CRMs.
Writes: the reverse; a lookup becomes `<nav>@odata.bind: "/<set>(<guid>)"`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from crmlink.model import FieldKind, RemoteTable

K = FieldKind


def _datetime(value) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(dt.UTC)


def _multi(value) -> str:
    return ";".join(part.strip() for part in str(value).split(",") if part.strip())


READERS: dict[FieldKind, Callable] = {
    K.BOOLEAN: bool,
    K.INTEGER: int,
    K.BIGINT: int,
    K.DOUBLE: float,
    K.DECIMAL: lambda v: Decimal(str(v)),
    K.DATE: lambda v: dt.date.fromisoformat(str(v)[:10]),
    K.DATETIME: _datetime,
    K.PICKLIST: lambda v: str(int(v)),
    K.MULTIPICKLIST: _multi,
    K.ID: lambda v: str(v).lower(),
    K.REFERENCE: lambda v: str(v).lower(),
}


def wire_name(table: RemoteTable, name: str) -> str:
    field = table.require_field(name)
    return f"_{field.name}_value" if field.kind == K.REFERENCE else field.name


def row_reader(table: RemoteTable, fields: list[str]) -> Callable[[dict], dict]:
    """Convert one Web API record into a row keyed by the fields' logical names."""
    convert = [
        (name, wire_name(table, name), READERS.get(table.require_field(name).kind, _same))
        for name in fields
    ]

    def read(record: dict) -> dict:
        out = {}
        for name, wire, conv in convert:
            value = record.get(wire)
            out[name] = None if value is None else conv(value)
        return out

    return read


def _same(value):
    return value


def to_json(value, kind: FieldKind):
    """A Python value as the Web API takes it for a column of `kind`."""
    if value is None:
        return None
    if kind == K.PICKLIST:
        return int(str(value).strip())
    if kind == K.MULTIPICKLIST:
        parts = [p for p in str(value).replace(",", ";").split(";") if p.strip()]
        return ",".join(str(int(p)) for p in parts) or None
    if kind == K.BOOLEAN and isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value.isoformat()} has no time zone")
        if kind == K.DATE:
            return value.date().isoformat()
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if kind in (K.INTEGER, K.BIGINT) and isinstance(value, str):
        return int(value)
    if kind in (K.DECIMAL, K.DOUBLE) and isinstance(value, str):
        return float(value)
    return value
