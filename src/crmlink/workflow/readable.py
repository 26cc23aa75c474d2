"""Values as people read them in run logs and tables, never as Python reprs.

readable(datetime(2024, 5, 1, 10, tzinfo=UTC))  ->  "2024-05-01 10:00:00 UTC"
readable({"since": "2024-01-01", "owner": ""})  ->  'since=2024-01-01, owner=""'
readable(ReadCursor(modified, "003…"))          ->  "2024-05-01 10:00:00 UTC / 003…"
readable(None)                                  ->  ""
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any

from crmlink.model import ReadCursor


def readable(value: Any) -> str:
    """`value` as text for a log line or a table cell."""
    if value is None:
        return ""
    if isinstance(value, ReadCursor):
        return cursor_text(value)
    if isinstance(value, dt.datetime):
        return when(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return readable(value.value)
    if isinstance(value, dict):
        return ", ".join(f"{key}={_item(item)}" for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(readable(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return readable(dataclasses.asdict(value))
    return str(value)


def _item(value: Any) -> str:
    """A dict's value: an empty or missing one is shown as such, not as nothing."""
    if value is None:
        return "(none)"
    text = readable(value)
    return text if text else '""'


def when(value: dt.datetime) -> str:
    """A datetime in UTC to the second: `2024-05-01 10:00:00 UTC` (naive = already UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{value:%Y-%m-%d %H:%M:%S} UTC"


def cursor_text(cursor: ReadCursor | None) -> str:
    """An incremental cursor: its modified time and the record id after which it resumes."""
    if cursor is None:
        return "(none)"
    return f"{when(cursor.modified)} / {cursor.id}" if cursor.id else when(cursor.modified)
