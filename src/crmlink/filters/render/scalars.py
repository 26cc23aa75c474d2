"""The literals SOQL and OData write alike: booleans, numbers, dates, null.

Text and datetimes differ per target (quoting, zone format), so each renderer passes its
own `datetime_literal` and handles `String` itself; an unbound variable is refused here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from crmlink.filters import ast


def scalar_literal(value: ast.Value, datetime_literal: Callable[[dt.datetime], str]) -> str:
    match value:
        case ast.Boolean(flag):
            return "true" if flag else "false"
        case ast.Number(number):
            return format(number, "f") if isinstance(number, Decimal) else str(int(number))
        case ast.Date(day):
            return day.isoformat()
        case ast.DateTime(moment):
            return datetime_literal(moment)
        case ast.Null():
            return "null"
        case ast.Param() | ast.Template():
            raise ast.unbound(value)
    raise TypeError(f"not a scalar literal: {value!r}")
