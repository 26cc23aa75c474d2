"""Values made to fit a target column's type, or `Invalid` saying why not.

    converter(column)(value) -> the value as the column stores it

Empty strings become null for non-text columns. Text is checked against the column's
length; numbers against the integer's range or the decimal's precision; dates and
datetimes are parsed from ISO 8601 text (a datetime without offset is UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Column
from sqlalchemy.types import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Time,
    TypeDecorator,
    TypeEngine,
)

_TRUE, _FALSE = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f"}
_RANGES = ((SmallInteger, 2**15), (BigInteger, 2**63), (Integer, 2**31))


class Invalid(ValueError):
    pass


def converter(column: Column[Any]) -> Callable[[Any], Any]:
    type_ = column.type
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    convert = _base(type_)

    def run(value: Any) -> Any:
        if value is None or (value == "" and not isinstance(type_, String)):
            return None
        return convert(value)

    return run


def _base(type_: TypeEngine[Any]) -> Callable[[Any], Any]:
    if isinstance(type_, Boolean):
        return _boolean
    if isinstance(type_, Integer):
        limit = integer_limit(type_)
        return lambda v: _integer(v, limit)
    if isinstance(type_, Float):
        return _float
    if isinstance(type_, Numeric):
        return lambda v: _decimal(v, type_.precision, type_.scale)
    if isinstance(type_, DateTime):
        return _datetime
    if isinstance(type_, Date):
        return _date
    if isinstance(type_, Time):
        return _time
    if isinstance(type_, String):
        return lambda v: _text(v, type_.length)
    return lambda v: v


def integer_limit(type_: Integer) -> int:
    """The integer column holds -limit <= n < limit."""
    return next(n for cls, n in _RANGES if isinstance(type_, cls))


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise Invalid(f"{value!r} is not a boolean (true or false)")


def _integer(value: Any, limit: int) -> int:
    if isinstance(value, bool):
        return int(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid(f"{_shown(value)} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise Invalid(f"{_shown(value)} is not a whole number")
    if not -limit <= number < limit:
        raise Invalid(f"{_shown(value)} is out of the column's range")
    return int(number)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Invalid(f"{_shown(value)} is not a number") from None


def _decimal(value: Any, precision: int | None, scale: int | None) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid(f"{_shown(value)} is not a number") from None
    if precision is not None and number.is_finite():
        whole = max(number.adjusted() + 1, 0) if number else 0  # never int(): 1e999999 is valid
        if whole > precision - (scale or 0):
            shown = _shown(value)
            raise Invalid(f"{shown} has too many digits for decimal({precision},{scale or 0})")
    return number


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid(
                f"{value!r} is not a datetime (ISO 8601, e.g. 2024-01-31T10:00:00Z)"
            ) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return (
            dt.date.fromisoformat(text[:10])
            if len(text) > 10 and text[10] in "T "
            else dt.date.fromisoformat(text)
        )
    except ValueError:
        raise Invalid(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(f"{value!r} is not a time (HH:MM:SS)") from None


def _text(value: Any, length: int | None) -> str:
    if isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    if length is not None and len(text) > length:
        raise Invalid(f"{len(text)} characters, more than the column's {length}")
    if "\x00" in text:  # PostgreSQL text cannot hold it; SQLite would cut the value there
        raise Invalid(
            f"a NUL character at position {text.index(chr(0)) + 1}, which no text column holds"
        )
    return text


def _shown(value: Any) -> str:
    """`value` for a message: its repr, cut short (a reject message has a size too)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text)} characters)"
