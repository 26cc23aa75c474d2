"""`@OData.Community.Display.V1.FormattedValue` texts, as an en-US org writes them."""

from __future__ import annotations

import datetime as dt

from crmlink.sandbox.dynamics.models.metadata.model import AttributeDef


def _date(value: str, date_only: bool) -> str:
    if date_only or len(value) == 10:
        day = dt.date.fromisoformat(value[:10])
        return f"{day.month}/{day.day}/{day.year}"
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    hour = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d} {suffix}"


def formatted(attr: AttributeDef, value) -> str | None:
    """The display text of a stored JSON value, or None when the type has none."""
    if value is None:
        return None
    kind = attr.attribute_type
    places = attr.precision if attr.precision is not None else 2
    if kind in ("Picklist", "State", "Status"):
        return attr.option_label(int(value)) or str(value)
    if kind == "MultiSelectPicklist":
        values = [int(v) for v in str(value).split(",") if v]
        return "; ".join(attr.option_label(v) or str(v) for v in values)
    if kind == "Boolean":
        return (
            (attr.option_label(int(value)) or ("Yes" if value else "No"))
            if attr.options
            else ("Yes" if value else "No")
        )
    if kind == "Money":
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value):,.{places}f}"
    if kind in ("Decimal", "Double"):
        return f"{value:,.{places}f}"
    if kind in ("Integer", "BigInt"):
        return f"{value:,}"
    if kind == "DateTime":
        return _date(value, attr.date_only)
    return None
