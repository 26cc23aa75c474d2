"""The filter AST rendered as SQL: a SQLAlchemy Core condition over a campaign `Table`,
every value a bound parameter (never SQL text).

Null semantics follow the CRMs: `a != 'x'`, `a not in (…)` and `a not like …` keep the rows
where `a` is null; `=`, `<`, `in`, `like` … never match a null. Every leaf renders to a
two-valued condition, so `not (…)` is the plain complement. `like` ignores case, as SOQL
does, on every database. `describe_table(table)` gives the `RemoteTable` that
`crmlink.filters.validate` and `bind` type the filter against.
"""

from __future__ import annotations

import operator
from typing import Any

from sqlalchemy import Table, and_, false, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    TypeDecorator,
    TypeEngine,
)

from crmlink.filters import ast
from crmlink.filters.ast import ANY, ONE, like_parts
from crmlink.model import FieldKind, RemoteField, RemoteTable

_KINDS: tuple[tuple[type, FieldKind], ...] = (
    (Boolean, FieldKind.BOOLEAN),
    (BigInteger, FieldKind.BIGINT),
    (Integer, FieldKind.INTEGER),
    (Float, FieldKind.DOUBLE),
    (Numeric, FieldKind.DECIMAL),
    (DateTime, FieldKind.DATETIME),
    (Date, FieldKind.DATE),
    (Time, FieldKind.TIME),
    (Text, FieldKind.TEXT),
    (String, FieldKind.STRING),
)


def kind_of(type_: TypeEngine) -> FieldKind:
    """The filter kind of a column type (text for anything unknown)."""
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    for cls, kind in _KINDS:
        if isinstance(type_, cls):
            return kind
    return FieldKind.STRING


def describe_table(table: Table) -> RemoteTable:
    """The table's columns as a RemoteTable, so `crmlink.filters.validate` can check them."""
    fields = tuple(
        RemoteField(name=c.name, label=c.name, remote_type=str(c.type), kind=kind_of(c.type))
        for c in table.columns
        if not c.name.startswith("_wk_")
    )
    return RemoteTable(table.name, table.name, False, "", None, fields)


def render(expr: ast.Expr, table: Table) -> ColumnElement[bool]:
    """The WHERE condition for a (bound, validated) filter expression over `table`."""
    match expr:
        case ast.And(items):
            return and_(*(render(item, table) for item in items))
        case ast.Or(items):
            return or_(*(render(item, table) for item in items))
        case ast.Not(item):
            return not_(render(item, table))
        case ast.IsNull(name, negated):
            column = table.c[name]
            return column.is_not(None) if negated else column.is_(None)
        case ast.Like(name, pattern, negated):
            column = table.c[name]
            return _maybe_not(column, column.ilike(_like(pattern), "\\"), negated)
        case ast.InList(name, values, negated):
            rendered = [_value(v) for v in values]
            return _maybe_not(table.c[name], table.c[name].in_(rendered), negated)
        case ast.Comparison(name, op, value):
            return _comparison(table.c[name], op, _value(value))
    raise TypeError(f"not a filter expression: {expr!r}")


_OPERATORS = {
    ast.Op.EQ: operator.eq,
    ast.Op.LT: operator.lt,
    ast.Op.LE: operator.le,
    ast.Op.GT: operator.gt,
    ast.Op.GE: operator.ge,
}


def _comparison(column: ColumnElement[Any], op: ast.Op, value: Any) -> ColumnElement[bool]:
    if op is ast.Op.NE:
        return or_(column != value, column.is_(None))
    return and_(_OPERATORS[op](column, value), column.is_not(None))


def _maybe_not(
    column: ColumnElement[Any], condition: ColumnElement[bool], negated: bool
) -> ColumnElement[bool]:
    if negated:
        return or_(not_(condition), column.is_(None))
    return and_(condition, column.is_not(None))


def _value(literal: ast.Value) -> Any:
    match literal:
        case ast.Null():
            return None
        case ast.Boolean(flag):
            return true() if flag else false()
        case ast.Param() | ast.Template():
            raise ast.unbound(literal)
    return literal.value


def _like(pattern: str | ast.Template) -> str:
    if isinstance(pattern, ast.Template):
        raise ast.unbound(pattern)
    out = []
    for part in like_parts(pattern):
        if part is ANY:
            out.append("%")
        elif part is ONE:
            out.append("_")
        else:
            text = str(part)
            out.append(text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
    return "".join(out)
