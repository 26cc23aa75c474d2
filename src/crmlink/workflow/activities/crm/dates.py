"""Dates as the crm activity's options give them, and as its variables print them.

Accepted (the original's `import_deleted` help): ISO 8601 (`2024-06-27`,
`2024-06-27T14:25:00Z`, `2024-06-27T16:25:00+02:00`), and `yyyy.MM.dd[ hh.mm.ss]` where
each `.` may be any separator (`2024/06/27`, `2024/06/27 14:25:00`). A value without a
time zone is UTC. Variables print as ISO 8601 in UTC with milliseconds and a `Z`, which
the filter language reads back (`LastModifiedDate >= {{crmStartImport}}`).
"""

from __future__ import annotations

import datetime as dt
import re

_LOOSE = re.compile(r"^(\d{4})\D(\d{1,2})\D(\d{1,2})(?:[ T](\d{1,2})\D(\d{2})(?:\D(\d{2}))?)?$")


def parse_date(text: str, option: str = "date") -> dt.datetime:
    """An aware UTC datetime, or ValueError with a sentence naming the option."""
    value = text.strip()
    parsed: dt.datetime | None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = _loose(value)
    if parsed is None:
        raise ValueError(
            f"{option} {text!r} is not a date: use ISO 8601 (2024-06-27T14:25:00Z) or "
            "yyyy/MM/dd[ hh:mm:ss]"
        )
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _loose(value: str) -> dt.datetime | None:
    found = _LOOSE.match(value)
    if not found:
        return None
    year, month, day, hour, minute, second = (int(p) for p in found.groups(default="0"))
    try:
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def iso(moment: dt.datetime) -> str:
    """`2024-06-27T14:25:00.000Z` (UTC, milliseconds)."""
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
