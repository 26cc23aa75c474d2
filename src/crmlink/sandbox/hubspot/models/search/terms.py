"""One filter as SQL over the `records` table, every value bound, compared by the
property's type as HubSpot does: numbers numerically, dates and datetimes by time (filter
values as epoch ms or ISO 8601), strings without case (but IN and NOT_IN compare the
lower-cased value with the values as sent, so upper-case values never match: HubSpot
requires them lower-case), enumerations with case, multiple checkboxes by any selected
option, bools as `true`/`false`. NEQ, NOT_IN and NOT_CONTAINS_TOKEN also match records
without a value, as HubSpot's index does; the others never match a missing value.

A property reaches SQL only as a bound JSON path (`json_extract(properties, ?)`); the
server-kept ones map to real columns (`hs_object_id` → id, `createdate` → created_ms,
`hs_lastmodifieddate`/`lastmodifieddate` → updated_ms) so windows and sorts on them use the
`records_modified` index.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from crmlink.sandbox.hubspot.errors import ValidationFailed
from crmlink.sandbox.hubspot.models.properties import PropertyDef
from crmlink.sandbox.hubspot.models.search.request import Filter
from crmlink.sandbox.hubspot.models.values import parse_datetime, wire_datetime

# Server-kept properties stored as columns too: (column, kind).
COLUMNS = {
    "hs_object_id": "id",
    "createdate": "created_ms",
    "hs_createdate": "created_ms",
    "hs_lastmodifieddate": "updated_ms",
    "lastmodifieddate": "updated_ms",
}
_COMPARE = {"EQ": "=", "NEQ": "<>", "LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TOKEN_SPLIT = re.compile(r"[\s;]+")
TOKEN_FUNCTION = "hs_contains_token"
PATH_SAFE = re.compile(r"[A-Za-z0-9_.\-]{1,200}")


@dataclass(frozen=True)
class Sql:
    text: str
    params: tuple[Any, ...] = ()


def joined(parts: Sequence[Sql], operator: str) -> Sql:
    """`(a OP b OP …)` with the parts' parameters in order."""
    return Sql(
        "(" + f" {operator} ".join(p.text for p in parts) + ")",
        tuple(x for p in parts for x in p.params),
    )


def fold(text: str) -> str:
    """Lower-case as SQLite's lower() does (ASCII only), so both sides fold alike."""
    return text.translate(_ASCII_LOWER)


@functools.lru_cache(maxsize=256)
def _token_patterns(pattern: str) -> tuple[re.Pattern[str], ...]:
    parts = [p for p in _TOKEN_SPLIT.split(fold(pattern)) if p]
    return tuple(re.compile(".*".join(re.escape(s) for s in p.split("*"))) for p in parts)


def contains_token(value: str | None, pattern: str) -> int:
    """CONTAINS_TOKEN: every word of the pattern matches a word of the value (`*`: any
    characters), without case. Registered on the search connection as `hs_contains_token`."""
    if value is None or value == "":
        return 0
    tokens = [t for t in _TOKEN_SPLIT.split(fold(value)) if t]
    patterns = _token_patterns(pattern)
    return int(bool(patterns) and all(any(p.fullmatch(t) for t in tokens) for p in patterns))


def _invalid_value(name: str, value: str) -> ValidationFailed:
    return ValidationFailed(
        f"There was a problem with the request: {value!r} is not a valid "
        f"value for the filter on {name}."
    )


def unknown_property(name: str, object_label: str) -> ValidationFailed:
    return ValidationFailed(
        f"There was a problem with the request: property {name!r} does not exist "
        f"for {object_label}."
    )


@dataclass(frozen=True)
class Operand:
    """One filtered or sorted property: its SQL expression and how filter values convert."""

    name: str
    expr: str  # SQL over the records table, `?` for the bound JSON path
    expr_params: tuple[Any, ...]
    convert: Callable[[str], Any]  # a filter value → the bound comparison value
    raw: str  # the property's text, for CONTAINS_TOKEN
    multi: bool = False  # a multiple checkbox: compare with each selected option
    list_convert: Callable[[str], Any] | None = None  # IN / NOT_IN values, when different

    def sql(self, template: str, *params: Any) -> Sql:
        """`template` with `{e}` for the expression (its params bound in order)."""
        count = template.count("{e}")
        return Sql(template.replace("{e}", self.expr), self.expr_params * count + params)


def checked(name: str, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def run(value: str) -> Any:
        try:
            return convert(value)
        except (ValueError, OverflowError):
            raise _invalid_value(name, value) from None

    return run


def _ms(value: str) -> int:
    return int(parse_datetime(value).timestamp() * 1000)


def _iso(value: str) -> str:
    return wire_datetime(parse_datetime(value))


def _bool(value: str) -> str:
    lowered = fold(value)
    if lowered not in ("true", "false"):
        raise ValueError(value)
    return lowered


def json_path(name: str) -> str:
    """The bound JSON path of a property; a name a path cannot quote is no property."""
    if not PATH_SAFE.fullmatch(name):
        raise ValidationFailed(
            f"There was a problem with the request: {name!r} is not a property name."
        )
    return f'$."{name}"'


def operand(name: str, prop: PropertyDef) -> Operand:
    column = COLUMNS.get(name)
    path = (json_path(name),)
    text = "NULLIF(json_extract(properties, ?), '')"
    if column == "id":
        return Operand(name, "id", (), checked(name, int), "CAST(id AS TEXT)")
    if column is not None:
        return Operand(name, column, (), checked(name, _ms), f"CAST({column} AS TEXT)")
    raw = text  # the stored text, for CONTAINS_TOKEN
    if prop.type == "number":
        expr = f"CAST({text} AS REAL)"
        return Operand(name, expr, path, checked(name, float), raw)
    if prop.type == "datetime":
        return Operand(name, text, path, checked(name, _iso), raw)
    if prop.type == "date":  # stored YYYY-MM-DD: compared as its midnight
        expr = f"({text} || 'T00:00:00.000Z')"
        return Operand(name, expr, path, checked(name, _iso), raw)
    if prop.type == "bool" or prop.field_type == "booleancheckbox":
        return Operand(name, f"lower({text})", path, checked(name, _bool), raw)
    if prop.type == "enumeration":  # case-sensitive, as HubSpot searches enumerations
        return Operand(name, text, path, str, raw, multi=prop.multiple)
    return Operand(name, f"lower({text})", path, fold, raw, list_convert=str)


def _positive(op: Operand, f: Filter) -> Sql:
    """The filter without negation (NEQ, NOT_IN, NOT_CONTAINS_TOKEN negate it)."""
    operator = {"NEQ": "EQ", "NOT_IN": "IN", "NOT_CONTAINS_TOKEN": "CONTAINS_TOKEN"}.get(
        f.operator, f.operator
    )
    if operator == "HAS_PROPERTY":
        return op.sql("{e} IS NOT NULL")
    if operator == "CONTAINS_TOKEN":
        assert f.value is not None
        text_op = Operand(op.name, op.raw, op.expr_params, str, op.raw)
        # the literal parts must appear somewhere: cheap SQL before the Python matcher
        literals = [s for s in re.split(r"[\s;*]+", fold(f.value)) if s]
        checks = [text_op.sql("instr(lower({e}), ?) > 0", s) for s in literals]
        exact = text_op.sql(f"{TOKEN_FUNCTION}({{e}}, ?) = 1", f.value)
        return joined([*checks, exact], "AND")
    if operator == "IN":
        convert = op.list_convert or op.convert
        values = [convert(v) for v in f.values]
        if op.multi:
            return _any_option(op, values)
        marks = ", ".join("?" for _ in values)
        return op.sql(f"{{e}} IN ({marks})", *values)
    if operator == "BETWEEN":
        assert f.value is not None and f.high_value is not None
        return op.sql("{e} BETWEEN ? AND ?", op.convert(f.value), op.convert(f.high_value))
    assert f.value is not None
    value = op.convert(f.value)
    if op.multi and operator == "EQ":
        return _any_option(op, [value])
    return op.sql(f"{{e}} {_COMPARE[operator]} ?", value)


def _any_option(op: Operand, values: list[Any]) -> Sql:
    """A multiple checkbox (`a;b`) holding any of `values`."""
    return joined([op.sql("instr(';' || {e} || ';', ?) > 0", f";{v};") for v in values], "OR")


def filter_sql(op: Operand, f: Filter) -> Sql:
    if f.operator == "NOT_HAS_PROPERTY":
        return op.sql("{e} IS NULL")
    positive = _positive(op, f)
    if f.operator in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN"):
        missing = op.sql("{e} IS NULL")
        return Sql(f"({missing.text} OR NOT {positive.text})", missing.params + positive.params)
    return positive
