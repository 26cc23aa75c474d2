"""Property values as HubSpot checks and stores them: every value is text on the wire.

`check(prop, value)` gives the stored text (None: the value is cleared) or raises
`InvalidValue(code, message)` with HubSpot's validation code: INVALID_OPTION,
INVALID_EMAIL, INVALID_DOUBLE (number), INVALID_DATE (a date not at midnight UTC),
INVALID_LONG (a datetime that is neither ISO 8601 nor epoch milliseconds), INVALID_BOOLEAN.
Datetimes are stored as `YYYY-MM-DDTHH:MM:SS.mmmZ` (text order is time order), dates as
`YYYY-MM-DD`, numbers as plain decimal text, multiple checkboxes as `a;b`.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from crmlink.sandbox.hubspot.models.properties import PropertyDef

_EMAIL = re.compile(r"^[^@\s\"]+@[^@\s\"]+\.[A-Za-z]{2,63}$")
_EPOCH = re.compile(r"^-?\d{1,15}$")


class InvalidValue(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def wire_datetime(moment: dt.datetime) -> str:
    """`2024-01-02T03:04:05.678Z`."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def ms_to_wire(ms: int) -> str:
    """Epoch milliseconds as wire text (`time.gmtime`: a seed formats millions of these)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def wire_to_ms(text: str) -> int:
    return int(parse_datetime(text).timestamp() * 1000)


def parse_datetime(text: str) -> dt.datetime:
    """ISO 8601 (no zone: UTC), a bare date (midnight UTC) or epoch milliseconds."""
    if _EPOCH.match(text):
        return dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _number(text: str) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidValue("INVALID_DOUBLE", f"{text} was not a valid number.") from None
    if not number.is_finite() or text != text.strip():
        raise InvalidValue("INVALID_DOUBLE", f"{text} was not a valid number.")
    return format(number.normalize(), "f")


def _date(text: str) -> str:
    try:
        moment = parse_datetime(text)
    except ValueError:
        raise InvalidValue("INVALID_DATE", f"{text} was not a valid date.") from None
    utc = moment.astimezone(dt.UTC)
    if (utc.hour, utc.minute, utc.second, utc.microsecond) != (0, 0, 0, 0):
        clock = f"{utc.hour}:{utc.minute}:{utc.second}.{utc.microsecond // 1000}"
        raise InvalidValue("INVALID_DATE", f"{text} is at {clock} UTC, not midnight!")
    return utc.date().isoformat()


def _datetime(text: str) -> str:
    try:
        return wire_datetime(parse_datetime(text))
    except (ValueError, OverflowError):
        raise InvalidValue("INVALID_LONG", f"{text} was not a valid long.") from None


def _bool(text: str) -> str:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise InvalidValue("INVALID_BOOLEAN", f"{text} was not a valid boolean.")
    return lowered


def _options_text(prop: PropertyDef) -> str:
    """The option list as HubSpot quotes it in an INVALID_OPTION message."""
    return ", ".join(f'label: "{o.label}"\nvalue: "{o.value}"\n' for o in prop.options)


def _enumeration(prop: PropertyDef, text: str) -> str:
    if prop.field_type == "booleancheckbox":
        return _bool(text)
    values = [v for v in text.split(";") if v] if prop.multiple else [text]
    allowed = prop.option_values()
    for value in values:
        if allowed and value not in allowed:
            raise InvalidValue(
                "INVALID_OPTION",
                f"{value} was not one of the allowed options: [{_options_text(prop)}]",
            )
    return ";".join(values)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return format(value, "f") if isinstance(value, Decimal) else repr(value)
    if isinstance(value, str):
        return value
    raise InvalidValue("INVALID_STRING", f"{value!r} was not a valid value.")


def check(prop: PropertyDef, value: Any) -> str | None:
    """The text HubSpot stores for `value` on `prop`; None or "": cleared."""
    if value is None:
        return None
    text = _text(value)
    if text == "":
        return None
    if prop.type == "number":
        return _number(text)
    if prop.type == "bool":
        return _bool(text)
    if prop.type == "date":
        return _date(text)
    if prop.type == "datetime":
        return _datetime(text)
    if prop.type == "enumeration":
        return _enumeration(prop, text)
    if prop.name == "email":
        if not _EMAIL.match(text):
            raise InvalidValue("INVALID_EMAIL", f"Email address {text} is invalid")
        return text.lower()
    return text
