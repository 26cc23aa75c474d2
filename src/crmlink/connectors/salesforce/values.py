"""Salesforce values to Python and back: one converter per `FieldKind`.

Reads: JSON (REST) and CSV text (Bulk) become bool, int, float, Decimal (currency),
`datetime.date`, aware UTC `datetime.datetime`, `datetime.time`, str; null or an empty
Bulk cell is None. Writes: Python values become JSON values, or Bulk CSV text where
None is `#N/A` (set to null) and a missing key is an empty cell (left unchanged).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from crmlink.model import FieldKind, RemoteTable

K = FieldKind
BULK_NULL = "#N/A"


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() == "true"


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(Decimal(str(value)))


def _datetime(value: Any) -> dt.datetime:
    text = str(value).replace("Z", "+00:00")
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _time(value: Any) -> dt.time:
    return dt.time.fromisoformat(str(value).rstrip("Z"))


def _same(value: Any) -> Any:
    return value


# kind -> the converter of its JSON / CSV values; every kind is here (text kinds, binary
# (base64 text) and compounds (JSON objects) pass through).
READERS: dict[FieldKind, Callable] = {
    K.ID: _same,
    K.STRING: _same,
    K.TEXT: _same,
    K.EMAIL: _same,
    K.PHONE: _same,
    K.URL: _same,
    K.PICKLIST: _same,
    K.MULTIPICKLIST: _same,
    K.REFERENCE: _same,
    K.BOOLEAN: _bool,
    K.INTEGER: _int,
    K.BIGINT: _int,
    K.DECIMAL: lambda v: Decimal(str(v)),
    K.DOUBLE: float,
    K.DATE: lambda v: dt.date.fromisoformat(str(v)[:10]),
    K.DATETIME: _datetime,
    K.TIME: _time,
    K.BINARY: _same,
    K.COMPOUND: _same,
    K.UNSUPPORTED: _same,
}


def reader(kind: FieldKind) -> Callable:
    """The converter of one field kind; a kind without one is an error, never passed on."""
    try:
        return READERS[kind]
    except KeyError:
        raise ValueError(f"no Salesforce value reader for field kind {kind!r}") from None


def row_reader(table: RemoteTable, fields: list[str]) -> Callable[[dict], dict]:
    """Convert one REST record (keys as in the query) into a row keyed by `fields`. A
    page's fractions come as Decimals of their text (`RestReader`): a decimal field
    keeps its digits, any other takes the float `json.loads` would have made."""
    convert = [
        (name, reader(kind), kind != K.DECIMAL)
        for name in fields
        for kind in [table.require_field(name).kind]
    ]

    def read(record: dict) -> dict:
        out = {}
        for name, conv, floats in convert:
            value = record.get(name)
            if floats and type(value) is Decimal:
                value = float(value)
            out[name] = None if value is None else conv(value)
        return out

    return read


def csv_reader(table: RemoteTable, header: list[str]) -> Callable[[list[str]], dict]:
    """Convert one Bulk CSV row (cells under `header`) into a row; "" is None."""
    convert = []
    for name in header:
        field = table.field(name)
        convert.append((field.name if field else name, reader(field.kind) if field else _same))

    def read(cells: list[str]) -> dict:
        return {
            name: (None if cell == "" else conv(cell))
            for (name, conv), cell in zip(convert, cells, strict=True)
        }

    return read


def to_json(value: Any) -> Any:
    """A Python value as Salesforce's JSON takes it."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value.isoformat()} has no time zone")
        utc = value.astimezone(dt.UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):  # sent as the number it is (`json_text.dumps`)
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    return value


def to_csv(value: Any) -> str:
    """A Python value as a Bulk CSV cell: None is `#N/A`, booleans true/false, a Decimal
    every digit of it (`decimal_text`)."""
    if value is None:
        return BULK_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    converted = to_json(value)
    return converted if isinstance(converted, str) else str(converted)


def decimal_text(value: Decimal) -> str:
    """A Decimal as a Bulk CSV number, every digit kept and no exponent
    (`1234567890123456.78`, `150000000` for `1.5E+8`): a float keeps 15–17 digits, which
    would round a currency(18,2), and `str()` may write an exponent."""
    return format(value, "f")
