"""Per-field conversions (the original's "Conversion" column), import and export.

The connector already gives typed Python values (aware UTC datetimes, dates, Decimals…)
and takes them back; a conversion decides what happens between that and the campaign
column. `timezone` (an IANA name, default UTC) is the campaign side's zone. The table of
what each mode does is in docs/workflows.md ("The crm activity"):

- `default`: import keeps the field's type, a datetime keeps its instant (stored as aware
  UTC; one without an offset is wall-clock time in `timezone`); export keeps the instant,
  a naive value being UTC in a time-zone-aware column, else wall-clock in `timezone`.
- `date_only`: the instant's date in `timezone` (a DATE column; a date, or midnight UTC,
  to the CRM).
- `without_time_offset`: the wall-clock value, no zone conversion either way.
- `copy`: the value's text, unconverted (a TEXT column on import).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Date, DateTime, Text
from sqlalchemy.types import TypeEngine

from crmlink.errors import UsageError
from crmlink.model import FieldKind, RemoteField
from crmlink.wizard.mapping import local_type

K = FieldKind


class Crossing(Enum):
    """How a kind's values cross between campaign columns and the CRM."""

    AS_IS = "as is"  # the connector's typed value, unchanged (only `copy` applies)
    DATE = "date"  # a day: time zones and `date_only` / `without_time_offset` apply
    DATETIME = "datetime"  # an instant: likewise


CROSSINGS: dict[FieldKind, Crossing] = {
    K.ID: Crossing.AS_IS,
    K.STRING: Crossing.AS_IS,
    K.TEXT: Crossing.AS_IS,
    K.EMAIL: Crossing.AS_IS,
    K.PHONE: Crossing.AS_IS,
    K.URL: Crossing.AS_IS,
    K.PICKLIST: Crossing.AS_IS,
    K.MULTIPICKLIST: Crossing.AS_IS,
    K.REFERENCE: Crossing.AS_IS,
    K.BOOLEAN: Crossing.AS_IS,
    K.INTEGER: Crossing.AS_IS,
    K.BIGINT: Crossing.AS_IS,
    K.DECIMAL: Crossing.AS_IS,
    K.DOUBLE: Crossing.AS_IS,
    K.DATE: Crossing.DATE,
    K.DATETIME: Crossing.DATETIME,
    K.TIME: Crossing.AS_IS,  # a wall-clock time has no zone to convert
    K.BINARY: Crossing.AS_IS,
    K.COMPOUND: Crossing.AS_IS,
    K.UNSUPPORTED: Crossing.AS_IS,
}


def crossing(field: RemoteField) -> Crossing:
    """How `field`'s values cross; a kind without an entry is an error, never passed on."""
    try:
        return CROSSINGS[field.kind]
    except KeyError:
        raise ValueError(
            f"no conversion rule for field kind {field.kind!r} ({field.name})"
        ) from None


class ConversionFailed(ValueError):
    """A value that cannot be converted: its row is rejected, the export goes on."""


def check(field: RemoteField, mode: str) -> None:
    temporal = crossing(field) is not Crossing.AS_IS
    if mode in ("date_only", "without_time_offset") and not temporal:
        raise UsageError(
            f"conversion {mode} applies to date and datetime fields; {field.name} is {field.kind}",
            field=field.name,
        )


def column_type(field: RemoteField, mode: str) -> TypeEngine:
    """The population column type of an imported field under `mode`."""
    check(field, mode)
    if mode == "copy":
        return Text()
    if mode == "date_only":
        return Date()
    if mode == "without_time_offset" and crossing(field) is Crossing.DATETIME:
        return DateTime(timezone=False)
    local = local_type(field)
    if local is None:
        raise UsageError(
            f"{field.name} ({field.remote_type}) cannot be stored in a column", field=field.name
        )
    return local.sqlalchemy()


def zone(name: str) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(name)


def to_campaign(value: Any, mode: str, tz: dt.tzinfo) -> Any:
    """An imported value as its column stores it."""
    if value is None:
        return None
    if mode == "copy":
        return wire_text(value)
    if not isinstance(value, dt.datetime):
        return value
    aware = value if value.tzinfo else value.replace(tzinfo=tz)
    if mode == "date_only":
        return aware.astimezone(tz).date()
    if mode == "without_time_offset":
        return value.replace(tzinfo=None)
    return aware.astimezone(dt.UTC)


def wire_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC) if value.tzinfo else value
        suffix = "Z" if value.tzinfo else ""
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}{suffix}"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def to_crm(value: Any, field: RemoteField, mode: str, tz: dt.tzinfo, aware_column: bool) -> Any:
    """A population value as the connector sends it to `field`."""
    if value is None:
        return None
    if mode == "copy":
        return value if isinstance(value, str) else wire_text(value)
    crosses = crossing(field)
    if crosses is Crossing.AS_IS:
        return value
    moment = _temporal(value, field)
    if isinstance(moment, dt.datetime):
        if mode == "without_time_offset":
            return moment.replace(tzinfo=dt.UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC if aware_column else tz)
        if mode == "date_only":
            return _date_to(moment.astimezone(tz).date(), field, dt.UTC)
        return moment if crosses is Crossing.DATETIME else moment.astimezone(tz).date()
    return _date_to(moment, field, dt.UTC if mode == "date_only" else tz)


def _date_to(day: dt.date, field: RemoteField, tz: dt.tzinfo) -> dt.date:
    if crossing(field) is Crossing.DATE:
        return day
    return dt.datetime.combine(day, dt.time(), tz)


def _temporal(value: Any, field: RemoteField) -> dt.date:
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConversionFailed(f"{field.name}: {text!r} is not a date or datetime") from None
