"""Field values between the wire (JSON, CSV) and storage, with the org's field rules.

Storage: text-like types as TEXT, boolean 0/1, int/long INTEGER, double/currency/percent
REAL, date `YYYY-MM-DD`, datetime `YYYY-MM-DDTHH:MM:SS.000+0000` (UTC, fixed width, so
text order is time order), time `HH:MM:SS.000Z`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.describes import FieldMeta
from crmlink.sandbox.salesforce.models.ids import normalize_id

INTEGER_TYPES = frozenset({"int", "long"})
REAL_TYPES = frozenset({"double", "currency", "percent"})
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z")


def format_datetime(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> dt.datetime:
    """Parse Salesforce datetime text ('Z', '+0000', '+00:00'; a date alone is midnight UTC)."""
    text = text.strip()
    if len(text) == 10:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    norm = text[:-1] + "+0000" if text.endswith("Z") else text
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(norm.replace("+00:00", "+0000"), fmt).astimezone(dt.UTC)
        except ValueError:
            continue
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def sql_type(field: FieldMeta) -> str:
    if field.type in INTEGER_TYPES or field.type == "boolean":
        return "INTEGER"
    return "REAL" if field.type in REAL_TYPES else "TEXT"


def to_storage(field: FieldMeta, value):
    """Convert a wire value (JSON or CSV text) for `field` to its stored form, or raise."""
    if value is None or value == "":
        return None
    try:
        return _CONVERTERS.get(field.type, _to_text)(field, value)
    except (ValueError, TypeError):
        raise _invalid_type(field, value) from None


def _invalid_type(field: FieldMeta, value) -> errors.SalesforceError:
    return errors.InvalidTypeOnFieldInRecord(
        f"{field.name}: value not of required type: {value}", [field.name]
    )


def storer(field: FieldMeta) -> Callable[[Any], Any]:
    """`to_storage` then `check_rules` for one field, its describe read once: a batch
    write converts a column's every value the same way."""
    convert = _CONVERTERS.get(field.type, _to_text)
    length = field.raw.get("length") or 0
    more = field.type == "email" or _restricted(field)  # the rarer rules: check_rules's

    def store(value):
        if value is None or value == "":
            return None
        try:
            stored = convert(field, value)
        except (ValueError, TypeError):
            raise _invalid_type(field, value) from None
        if length and isinstance(stored, str) and len(stored) > length:
            raise _too_long(field, stored, length)
        if more:
            check_rules(field, stored)
        return stored

    return store


def _to_text(field: FieldMeta, value) -> str:
    if isinstance(value, dict | list):
        raise ValueError(value)
    return value if isinstance(value, str) else str(value)


def _to_bool(field: FieldMeta, value) -> int:
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return 1
    if text in ("false", "0"):
        return 0
    raise ValueError(value)


def _to_int(field: FieldMeta, value) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value)
    if number != int(number):
        raise ValueError(value)
    return int(number)


def _to_real(field: FieldMeta, value) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    return float(value)


def _to_date(field: FieldMeta, value) -> str:
    return dt.date.fromisoformat(str(value)[:10]).isoformat()


def _to_datetime(field: FieldMeta, value) -> str:
    return format_datetime(parse_datetime(str(value)))


def _to_time(field: FieldMeta, value) -> str:
    parsed = dt.time.fromisoformat(str(value).rstrip("Z"))
    return parsed.strftime("%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def _to_reference(field: FieldMeta, value) -> str:
    ident = normalize_id(str(value))
    if ident is None:
        raise errors.MalformedId(
            f"{field.raw.get('label', field.name)}: id value of incorrect type: {value}",
            [field.name],
        )
    return ident


_CONVERTERS = {
    "boolean": _to_bool,
    "int": _to_int,
    "long": _to_int,
    "double": _to_real,
    "currency": _to_real,
    "percent": _to_real,
    "date": _to_date,
    "datetime": _to_datetime,
    "time": _to_time,
    "reference": _to_reference,
    "id": _to_reference,
}


def check_rules(field: FieldMeta, stored) -> None:
    """Enforce the describe's length, e-mail and restricted-picklist rules."""
    if stored is None:
        return
    length = field.raw.get("length") or 0
    if isinstance(stored, str) and length and len(stored) > length:
        raise _too_long(field, stored, length)
    if field.type == "email" and not _EMAIL_RE.match(stored):
        raise _invalid_email(field, stored)
    if _restricted(field):
        _check_restricted(field, stored)


def _restricted(field: FieldMeta) -> bool:
    return field.type in ("picklist", "multipicklist") and field.flag("restrictedPicklist")


def _too_long(field: FieldMeta, stored: str, length: int) -> errors.SalesforceError:
    return errors.StringTooLong(
        f"{field.raw.get('label', field.name)}: data value too large: "
        f"{stored[:40]} (max length={length})",
        [field.name],
    )


def _invalid_email(field: FieldMeta, stored: str) -> errors.SalesforceError:
    err = errors.SalesforceError(f"{field.name}: invalid email address: {stored}", [field.name])
    err.error_code = "INVALID_EMAIL_ADDRESS"
    return err


def _check_restricted(field: FieldMeta, stored: str) -> None:
    allowed = {v["value"] for v in field.raw.get("picklistValues", []) if v.get("active")}
    chosen = stored.split(";") if field.type == "multipicklist" else [stored]
    for value in chosen:
        if value not in allowed:
            raise errors.InvalidOrNullForRestrictedPicklist(
                f"{field.raw.get('label', field.name)}: bad value for restricted picklist field: "
                f"{value}",
                [field.name],
            )


def to_json(field: FieldMeta, stored):
    """The JSON value of a stored value (booleans back to true/false)."""
    if field.type == "boolean":
        return None if stored is None else bool(stored)
    return stored
