"""Attribute values: JSON → SQLite on write, SQLite → JSON (in SQL) on read, and the
formatted values of `odata.include-annotations`.

Storage: GUIDs as lowercase text, datetimes as `YYYY-MM-DDTHH:MM:SSZ` (date-only as
`YYYY-MM-DD`), booleans as 0/1, money/decimal/double as REAL rounded to the attribute's
precision, option sets as integers, multi-select as `"1,2,3"`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from crmlink.sandbox.dynamics.errors import InvalidPayload, OutOfRange, ValidationFailed
from crmlink.sandbox.dynamics.models.metadata.model import AttributeDef

INTEGER_BOUNDS = {"Integer": (-(2**31), 2**31 - 1), "BigInt": (-(2**63), 2**63 - 1)}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def type_column(attr: AttributeDef) -> str:
    """The hidden column holding a polymorphic lookup's target entity."""
    return quote_ident(f"{attr.logical_name}@type")


def sql_type(attr: AttributeDef) -> str:
    kind = attr.attribute_type
    if kind in ("Integer", "BigInt", "Boolean", "Picklist", "State", "Status"):
        return "INTEGER"
    if kind in ("Double", "Decimal", "Money"):
        return "REAL"
    return "TEXT"


def json_value_sql(attr: AttributeDef) -> str:
    """SQL giving the attribute's JSON value inside `json_object(...)`."""
    col = quote_ident(attr.logical_name)
    kind = attr.attribute_type
    if kind == "Boolean":
        return f"json(CASE {col} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)"
    if kind in ("Money", "Decimal"):
        places = max(0, min(int(attr.precision if attr.precision is not None else 2), 10))
        return f"CASE WHEN {col} IS NULL THEN NULL ELSE json(printf('%.{places}f', {col})) END"
    return col


def _guid(value, attr: AttributeDef) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidPayload(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.Guid'."
        ) from None


def _datetime(value, attr: AttributeDef) -> str:
    if not isinstance(value, str):
        raise InvalidPayload(f"Cannot convert the literal '{value}' to 'Edm.DateTimeOffset'.")
    try:
        if attr.date_only:
            return dt.date.fromisoformat(value[:10]).isoformat()
        return normalise_datetime(value)
    except ValueError:
        raise InvalidPayload(
            f"Cannot convert the literal '{value}' to 'Edm.DateTimeOffset'."
        ) from None


def normalise_datetime(value: str | dt.datetime | dt.date) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value, attr: AttributeDef):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidPayload(
            f"Cannot convert the literal '{value}' to the expected type for '{attr.logical_name}'."
        )
    kind = attr.attribute_type
    if kind in INTEGER_BOUNDS:
        if not float(value).is_integer():
            raise InvalidPayload(f"Cannot convert the literal '{value}' to 'Edm.Int32'.")
        low, high = INTEGER_BOUNDS[kind]
        if not low <= int(value) <= high:
            raise OutOfRange(f"A validation error occurred. '{attr.logical_name}' is out of range.")
        return int(value)
    return round(float(value), attr.precision if attr.precision is not None else 10)


def _option(value, attr: AttributeDef) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidPayload(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.Int32'."
        )
    if attr.options and attr.option_label(value) is None:
        accepted = ",".join(str(o.value) for o in attr.options)
        raise OutOfRange(
            f"A validation error occurred. The value {value} of '{attr.logical_name}' on record "
            f"of type '{attr.entity}' is outside the valid range. Accepted Values: {accepted}"
        )
    return value


def _multi(value, attr: AttributeDef) -> str:
    if not isinstance(value, str):
        raise InvalidPayload(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.String'."
        )
    try:
        numbers = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise InvalidPayload(
            f"Cannot convert the literal '{value}' to a multi-select value."
        ) from None
    return ",".join(str(_option(v, attr)) for v in numbers)


def _text(value, attr: AttributeDef) -> str:
    if not isinstance(value, str):
        raise InvalidPayload(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.String'."
        )
    if attr.max_length and len(value) > attr.max_length:
        raise ValidationFailed(
            f"A validation error occurred. The length of the '{attr.logical_name}' attribute of "
            f"the '{attr.entity}' entity exceeded the maximum allowed length of "
            f"'{attr.max_length}'."
        )
    return value


def _boolean(value, attr: AttributeDef) -> int:
    if not isinstance(value, bool):
        raise InvalidPayload(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.Boolean'."
        )
    return int(value)


_CONVERTERS = {
    "Uniqueidentifier": _guid,
    "DateTime": _datetime,
    "Boolean": _boolean,
    "MultiSelectPicklist": _multi,
    "Picklist": _option,
    "State": _option,
    "Status": _option,
}


def to_storage(attr: AttributeDef, value):
    """Validate and convert one JSON property value for its column."""
    if value is None:
        return None
    kind = attr.attribute_type
    if kind in _CONVERTERS:
        return _CONVERTERS[kind](value, attr)
    if kind in ("Integer", "BigInt", "Double", "Decimal", "Money"):
        return _number(value, attr)
    return _text(value, attr)
