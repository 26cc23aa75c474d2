"""Check a filter against a table's describe and type its literals.

`validate()` returns a copy of the AST with field names spelt as in the describe and
literals coerced to the field's kind (a date compared with a datetime field becomes
midnight UTC; a whole number on an integer field becomes an int), so every renderer
works from the same typed tree.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from decimal import Decimal

from crmlink.errors import FilterError
from crmlink.filters import ast
from crmlink.model import FieldKind, RemoteField, RemoteTable

K = FieldKind


@dataclass(frozen=True)
class KindRule:
    """What a filter may do with a field of one kind."""

    literal: str | None  # the literal it takes: text, time, number, boolean, date, datetime;
    #                      None: it cannot be filtered at all
    like: bool = False  # `like` applies
    ordered: bool = False  # `< <= > >=` apply (`=` and `!=` always do)


_TEXT = KindRule("text", like=True, ordered=True)
FILTER_RULES: dict[FieldKind, KindRule] = {
    K.ID: KindRule("text", ordered=True),
    K.STRING: _TEXT,
    K.TEXT: KindRule("text", like=True),
    K.EMAIL: _TEXT,
    K.PHONE: _TEXT,
    K.URL: _TEXT,
    K.PICKLIST: _TEXT,
    K.MULTIPICKLIST: KindRule("text"),
    K.REFERENCE: KindRule("text", ordered=True),
    K.BOOLEAN: KindRule("boolean"),
    K.INTEGER: KindRule("number", ordered=True),
    K.BIGINT: KindRule("number", ordered=True),
    K.DECIMAL: KindRule("number", ordered=True),
    K.DOUBLE: KindRule("number", ordered=True),
    K.DATE: KindRule("date", ordered=True),
    K.DATETIME: KindRule("datetime", ordered=True),
    K.TIME: KindRule("time", ordered=True),
    K.BINARY: KindRule(None),
    K.COMPOUND: KindRule(None),
    K.UNSUPPORTED: KindRule(None),
}
# The kind sets the checks below (and callers) use, all from the one table.
TEXT_KINDS = frozenset(k for k, rule in FILTER_RULES.items() if rule.literal == "text")
LIKE_KINDS = frozenset(k for k, rule in FILTER_RULES.items() if rule.like)
ORDERED_KINDS = frozenset(k for k, rule in FILTER_RULES.items() if rule.ordered)
NUMBER_KINDS = frozenset(k for k, rule in FILTER_RULES.items() if rule.literal == "number")
UNFILTERABLE_KINDS = frozenset(k for k, rule in FILTER_RULES.items() if rule.literal is None)


def validate(expr: ast.Expr, table: RemoteTable) -> ast.Expr:
    """The expression typed against `table`, or `FilterError` saying what is wrong."""
    match expr:
        case ast.And(items):
            return ast.And(tuple(validate(item, table) for item in items))
        case ast.Or(items):
            return ast.Or(tuple(validate(item, table) for item in items))
        case ast.Not(item):
            return ast.Not(validate(item, table))
        case ast.IsNull(name, negated):
            return ast.IsNull(lookup(table, name).name, negated)
        case ast.Like(name, pattern, negated):
            return ast.Like(_like_field(table, name).name, pattern, negated)
        case ast.InList(name, values, negated):
            field = lookup(table, name)
            return ast.InList(field.name, tuple(coerce(field, v, table) for v in values), negated)
        case ast.Comparison(name, op, value):
            field = lookup(table, name)
            _check_op(field, op, table)
            return ast.Comparison(field.name, op, coerce(field, value, table))
    raise TypeError(f"not a filter expression: {expr!r}")


def lookup(table: RemoteTable, name: str) -> RemoteField:
    """The filterable field `name` of `table` (any case), or a FilterError naming it."""
    field = table.field(name)
    if field is None:
        raise FilterError(unknown_field(table, name), field=name, object=table.name)
    if not field.filterable or field.kind in UNFILTERABLE_KINDS:
        raise FilterError(
            f"field {field.name!r} on {table.name} ({field.remote_type}) cannot be filtered",
            field=field.name,
            object=table.name,
        )
    return field


def unknown_field(table: RemoteTable, name: str) -> str:
    names = {f.name.lower(): f.name for f in table.fields}
    close = difflib.get_close_matches(name.lower(), list(names), n=3, cutoff=0.6)
    hint = f"; did you mean: {', '.join(names[c] for c in close)}?" if close else ""
    return f"unknown field {name!r} on {table.name}{hint}"


def _like_field(table: RemoteTable, name: str) -> RemoteField:
    field = lookup(table, name)
    if field.kind not in LIKE_KINDS:
        raise FilterError(
            f"like needs a text field; {field.name!r} on {table.name} is {field.kind}",
            field=field.name,
        )
    return field


def _check_op(field: RemoteField, op: ast.Op, table: RemoteTable) -> None:
    if op in (ast.Op.EQ, ast.Op.NE) or field.kind in ORDERED_KINDS:
        return
    raise FilterError(
        f"{op} cannot compare {field.name!r} on {table.name} ({field.kind}); use = or !=",
        field=field.name,
    )


def coerce(field: RemoteField, value: ast.Value, table: RemoteTable) -> ast.Value:
    """`value` as the literal type `field` takes, or a FilterError. A `Param` is left for
    `bind` to type; a `Template` is text."""
    kind = field.kind
    match value:
        case ast.Param():
            return value
        case ast.String() | ast.Template() if kind in TEXT_KINDS or kind == K.TIME:
            return value
        case ast.Boolean() if kind == K.BOOLEAN:
            return value
        case ast.Number(number) if kind in NUMBER_KINDS:
            return _number(field, number, table)
        case ast.Date(day) if kind == K.DATE:
            return value
        case ast.Date(day) if kind == K.DATETIME:
            return ast.DateTime(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC))
        case ast.DateTime() if kind == K.DATETIME:
            return value
    raise FilterError(
        f"{_describe_literal(value)} does not fit field {field.name!r} on {table.name}, "
        f"which holds {_expects(kind)}",
        field=field.name,
    )


def _number(field: RemoteField, number: int | Decimal, table: RemoteTable) -> ast.Number:
    if field.kind in (K.INTEGER, K.BIGINT):
        if number != int(number):
            raise FilterError(
                f"{number} does not fit field {field.name!r} on {table.name}, "
                "which holds whole numbers",
                field=field.name,
            )
        if not _INT64[0] <= number <= _INT64[1]:  # no CRM or database integer holds it
            raise FilterError(
                f"{number} does not fit field {field.name!r} on {table.name}, "
                "which holds whole numbers of at most 64 bits",
                field=field.name,
            )
        return ast.Number(int(number))
    return ast.Number(number)


_INT64 = (-(2**63), 2**63 - 1)


def _describe_literal(value: ast.Value) -> str:
    match value:
        case ast.String(text):
            return f"the text {text!r}"
        case ast.Template():
            return "a quoted text"
        case ast.Boolean(flag):
            return f"the boolean {str(flag).lower()}"
        case ast.Number(number):
            return f"the number {number}"
        case ast.Date(day):
            return f"the date {day.isoformat()}"
        case ast.DateTime(moment):
            return f"the datetime {moment.isoformat()}"
    return "null"


def _expects(kind: FieldKind) -> str:
    if kind in TEXT_KINDS or kind == K.TIME:
        return "text (write it in single quotes)"
    if kind in NUMBER_KINDS:
        return "numbers"
    names = {K.BOOLEAN: "true or false", K.DATE: "dates (YYYY-MM-DD)"}
    names[K.DATETIME] = "datetimes (2024-01-31T10:00:00Z) or dates"
    return names.get(kind, str(kind))
