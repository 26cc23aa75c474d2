"""Date and datetime handling: literal parsing, storage formats and relative date ranges.

Storage formats (shared with the store): date `YYYY-MM-DD`; datetime
`YYYY-MM-DDTHH:MM:SS.mmm+0000` in UTC, fixed width so text order is time order.
Relative literals (`TODAY`, `LAST_N_DAYS:3`, ...) become half-open ranges [start, end) of
whole days, computed from `now` in UTC; weeks start on Sunday (Salesforce's en_US locale).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

# name -> whether it takes `:n`
RANGE_LITERALS: dict[str, bool] = {
    **dict.fromkeys(
        [
            "TODAY",
            "YESTERDAY",
            "TOMORROW",
            "LAST_WEEK",
            "THIS_WEEK",
            "NEXT_WEEK",
            "LAST_MONTH",
            "THIS_MONTH",
            "NEXT_MONTH",
            "LAST_90_DAYS",
            "NEXT_90_DAYS",
            "THIS_QUARTER",
            "LAST_QUARTER",
            "NEXT_QUARTER",
            "THIS_YEAR",
            "LAST_YEAR",
            "NEXT_YEAR",
        ],
        False,
    ),
    **dict.fromkeys(
        [
            "LAST_N_DAYS",
            "NEXT_N_DAYS",
            "N_DAYS_AGO",
            "LAST_N_WEEKS",
            "NEXT_N_WEEKS",
            "N_WEEKS_AGO",
            "LAST_N_MONTHS",
            "NEXT_N_MONTHS",
            "N_MONTHS_AGO",
            "LAST_N_QUARTERS",
            "NEXT_N_QUARTERS",
            "LAST_N_YEARS",
            "NEXT_N_YEARS",
            "N_YEARS_AGO",
        ],
        True,
    ),
}

_DT_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):?(\d{2}))$"
)


def parse_datetime_literal(text: str) -> datetime:
    """`2024-01-31T10:00:00Z`, `...+02:00`, `...+0200`, `....123Z` -> aware UTC datetime."""
    m = _DT_RE.match(text)
    if not m:
        raise ValueError(text)
    y, mo, d, h, mi, s, frac, zone, sign, zh, zm = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=UTC)
    if zone != "Z":
        offset = timedelta(hours=int(zh), minutes=int(zm))
        value -= offset if sign == "+" else -offset
    return value


def format_datetime(value: datetime) -> str:
    """The storage format: `2024-01-31T10:00:00.000+0000` (UTC, milliseconds)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def format_date(value: date) -> str:
    return value.isoformat()


def day_start(value: date) -> datetime:
    return datetime.combine(value, time(0), tzinfo=UTC)


def _add_months(value: date, months: int) -> date:
    """The first day of the month `months` after `value`'s month."""
    index = value.year * 12 + value.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def date_range(name: str, n: int | None, now: datetime) -> tuple[date, date]:
    """The half-open day range [start, end) that a relative date literal denotes."""
    today = (now if now.tzinfo is None else now.astimezone(UTC)).date()
    n = n or 0
    week = today - timedelta(days=(today.weekday() + 1) % 7)  # Sunday
    month = today.replace(day=1)
    quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    year = date(today.year, 1, 1)
    day = timedelta(days=1)
    ranges = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "LAST_WEEK": (week - 7 * day, week),
        "THIS_WEEK": (week, week + 7 * day),
        "NEXT_WEEK": (week + 7 * day, week + 14 * day),
        "LAST_MONTH": (_add_months(month, -1), month),
        "THIS_MONTH": (month, _add_months(month, 1)),
        "NEXT_MONTH": (_add_months(month, 1), _add_months(month, 2)),
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
        "THIS_QUARTER": (quarter, _add_months(quarter, 3)),
        "LAST_QUARTER": (_add_months(quarter, -3), quarter),
        "NEXT_QUARTER": (_add_months(quarter, 3), _add_months(quarter, 6)),
        "THIS_YEAR": (year, year.replace(year=year.year + 1)),
        "LAST_YEAR": (year.replace(year=year.year - 1), year),
        "NEXT_YEAR": (year.replace(year=year.year + 1), year.replace(year=year.year + 2)),
        "LAST_N_DAYS": (today - n * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": (today - n * day, today - (n - 1) * day),
        "LAST_N_WEEKS": (week - 7 * n * day, week),
        "NEXT_N_WEEKS": (week + 7 * day, week + 7 * (n + 1) * day),
        "N_WEEKS_AGO": (week - 7 * n * day, week - 7 * (n - 1) * day),
        "LAST_N_MONTHS": (_add_months(month, -n), month),
        "NEXT_N_MONTHS": (_add_months(month, 1), _add_months(month, n + 1)),
        "N_MONTHS_AGO": (_add_months(month, -n), _add_months(month, 1 - n)),
        "LAST_N_QUARTERS": (_add_months(quarter, -3 * n), quarter),
        "NEXT_N_QUARTERS": (_add_months(quarter, 3), _add_months(quarter, 3 * (n + 1))),
        "LAST_N_YEARS": (year.replace(year=year.year - n), year),
        "NEXT_N_YEARS": (year.replace(year=year.year + 1), year.replace(year=year.year + n + 1)),
        "N_YEARS_AGO": (year.replace(year=year.year - n), year.replace(year=year.year - n + 1)),
    }
    return ranges[name]
