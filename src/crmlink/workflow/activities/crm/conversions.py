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

from sqlalchemy import Date, DateTime, Text
from sqlalchemy.types import TypeEngine

from crmlink.errors import UsageError
from crmlink.model import FieldKind, RemoteField
from crmlink.wizard.mapping import local_type

K = FieldKind
TEMPORAL = frozenset({K.DATE, K.DATETIME})


class ConversionFailed(ValueError):
    """A value that cannot be converted: its row is rejected, the export goes on."""


def check(field: RemoteField, mode: str) -> None:
    if mode in ("date_only", "without_time_offset") and field.kind not in TEMPORAL:
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
    if mode == "without_time_offset" and field.kind == K.DATETIME:
        return DateTime(timezone=False)
    local = local_type(field)
    if local is None:
        raise UsageError(
            f"{field.name} ({field.remote_type}) cannot be stored in a column", field=field.name
        )
    return local.sqlalchemy()


def zone(name: str) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(name)


def to_campaign(value, mode: str, tz: dt.tzinfo):
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


def wire_text(value) -> str:
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


def to_crm(value, field: RemoteField, mode: str, tz: dt.tzinfo, aware_column: bool):
    """A population value as the connector sends it to `field`."""
    if value is None:
        return None
    if mode == "copy":
        return value if isinstance(value, str) else wire_text(value)
    if field.kind not in TEMPORAL:
        return value
    moment = _temporal(value, field)
    if isinstance(moment, dt.datetime):
        if mode == "without_time_offset":
            return moment.replace(tzinfo=dt.UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC if aware_column else tz)
        if mode == "date_only":
            return _date_to(moment.astimezone(tz).date(), field, dt.UTC)
        return moment if field.kind == K.DATETIME else moment.astimezone(tz).date()
    return _date_to(moment, field, dt.UTC if mode == "date_only" else tz)


def _date_to(day: dt.date, field: RemoteField, tz: dt.tzinfo):
    if field.kind == K.DATE:
        return day
    return dt.datetime.combine(day, dt.time(), tz)


def _temporal(value, field: RemoteField):
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConversionFailed(f"{field.name}: {text!r} is not a date or datetime") from None
