"""HubSpot's wire strings to Python values and back: one converter per `FieldKind`.

Every property value travels as a string (or null): datetimes ISO 8601 in UTC with
milliseconds (`2024-01-02T03:04:05.678Z`, epoch milliseconds accepted on the way in),
dates `YYYY-MM-DD`, booleans `true`/`false`, numbers as decimal text, multiple-checkbox
enumerations as their values joined by `;` (as Salesforce multi-picklists, so campaign
enumerations work the same for every CRM). An empty string is HubSpot's "no value": it
reads as None, and None is written as "" (which clears the property).

    read_value(field, "2024-01-02T03:04:05.678Z") -> datetime(2024, 1, 2, 3, 4, 5, 678000, UTC)
    write_value(field, Decimal("12.50"))            -> "12.50"
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from crmlink.model import FieldKind, RemoteField

K = FieldKind
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


# -- reads: wire string -> Python ----------------------------------------------------------
def _epoch_ms(text: str) -> dt.datetime | None:
    if text.lstrip("-").isdigit():
        return dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
    return None


def _read_datetime(text: str) -> dt.datetime:
    stamp = _epoch_ms(text)
    if stamp is not None:
        return stamp
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:  # HubSpot's datetimes are UTC
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _read_date(text: str) -> dt.date:
    stamp = _epoch_ms(text)
    return stamp.date() if stamp is not None else dt.date.fromisoformat(text[:10])


def _read_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE or lowered in _FALSE:
        return lowered in _TRUE
    raise ValueError(f"{text!r} is not a HubSpot boolean")


def _read_multi(text: str) -> str:
    return ";".join(part.strip() for part in text.split(";") if part.strip())


def _same(text: str) -> str:
    return text


# kind -> the converter of its wire strings; every kind is here.
READERS: dict[FieldKind, Callable[[str], Any]] = {
    K.ID: _same,
    K.STRING: _same,
    K.TEXT: _same,
    K.EMAIL: _same,
    K.PHONE: _same,
    K.URL: _same,
    K.PICKLIST: _same,
    K.MULTIPICKLIST: _read_multi,
    K.REFERENCE: _same,
    K.BOOLEAN: _read_bool,
    K.INTEGER: lambda text: int(Decimal(text)),
    K.BIGINT: lambda text: int(Decimal(text)),
    K.DECIMAL: Decimal,
    K.DOUBLE: float,
    K.DATE: _read_date,
    K.DATETIME: _read_datetime,
    K.TIME: lambda text: dt.time.fromisoformat(text.rstrip("Z")),
    K.BINARY: _same,
    K.COMPOUND: _same,
    K.UNSUPPORTED: _same,
}


def _converter(table: dict[FieldKind, Callable], kind: FieldKind) -> Callable:
    """The converter of `kind` in `table`; a kind without one is an error, never passed on."""
    try:
        return table[kind]
    except KeyError:
        raise ValueError(f"no HubSpot value converter for field kind {kind!r}") from None


def read_value(field: RemoteField, text: Any) -> Any:
    """The Python value of a property's wire value (None for null and "")."""
    if text is None or text == "":
        return None
    return _converter(READERS, field.kind)(str(text))


# -- writes: Python -> wire string ---------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise ValueError(f"{value!r} is a date or time, not text")
    return str(value)


def _write_bool(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal) and value in (0, 1):
        return "true" if value else "false"
    return "true" if _read_bool(str(value)) else "false"


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean, not a number")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _write_decimal(value: Any) -> str:
    return format(_number(value), "f")


def _write_whole(value: Any) -> str:
    number = _number(value)
    if number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return str(int(number))


def _write_datetime(value: Any) -> str:
    if isinstance(value, str):
        value = _read_datetime(value.strip())
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if not isinstance(value, dt.datetime):
        raise ValueError(f"{value!r} is not a datetime")
    if value.tzinfo is None:
        raise ValueError(f"datetime {value.isoformat()} has no time zone")
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _write_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value.isoformat()} has no time zone")
        return value.astimezone(dt.UTC).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _read_date(str(value).strip()).isoformat()


def _write_multi(value: Any) -> str:
    parts = value if isinstance(value, list | tuple | set | frozenset) else str(value).split(";")
    return ";".join(str(part).strip() for part in parts if str(part).strip())


def _write_time(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.time) else str(value)


# kind -> how a Python value is sent to a property of that kind; every kind is here.
WRITERS: dict[FieldKind, Callable[[Any], str]] = {
    K.ID: _write_whole,
    K.STRING: _text,
    K.TEXT: _text,
    K.EMAIL: _text,
    K.PHONE: _text,
    K.URL: _text,
    K.PICKLIST: _text,
    K.MULTIPICKLIST: _write_multi,
    K.REFERENCE: _text,
    K.BOOLEAN: _write_bool,
    K.INTEGER: _write_whole,
    K.BIGINT: _write_whole,
    K.DECIMAL: _write_decimal,
    K.DOUBLE: _write_decimal,
    K.DATE: _write_date,
    K.DATETIME: _write_datetime,
    K.TIME: _write_time,
    K.BINARY: _text,
    K.COMPOUND: _text,
    K.UNSUPPORTED: _text,
}


def write_value(field: RemoteField, value: Any) -> str:
    """A Python value as the wire string of a property of `field`'s kind ("" clears it);
    a value the kind cannot take is a ValueError."""
    if value is None:
        return ""
    return str(_converter(WRITERS, field.kind)(value))
