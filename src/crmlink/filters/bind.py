"""Workflow variables bound into a parsed filter: `Param`s and `Template`s become typed
literals, so a variable's value is data and never filter syntax.

    bind(parse("CreatedDate >= {{since}}"), {"since": "2024-01-31"}, table)
    # Comparison('CreatedDate', GE, Date(2024-01-31)); validate() makes it midnight UTC

A bare `{{name}}` is typed by the field it is compared with (a number for a numeric
field, true/false for a boolean, a date or datetime, text otherwise); `validate()` then
checks it as it checks any literal. A template's content is filled with the value as
text (in a LIKE pattern the value's `%`, `_` and `\\` match themselves).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal

from crmlink.errors import FilterError, UsageError
from crmlink.filters import ast
from crmlink.filters.lexer import MAX_NUMBER_DIGITS
from crmlink.model import FieldKind, RemoteField, RemoteTable

K = FieldKind
_NUMBER = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")
_ZONE = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
Unknown = Callable[[str], Exception]


def bind(
    expr: ast.Expr,
    variables: Mapping[str, str],
    table: RemoteTable,
    *,
    unknown: Unknown | None = None,
) -> ast.Expr:
    """`expr` with every variable replaced by a typed literal (`unknown(name)` is raised
    for a variable that is not set; by default a UsageError naming the known ones)."""
    return _Binder(variables, table, unknown or _unknown(variables)).expr(expr)


def _unknown(variables: Mapping[str, str]) -> Unknown:
    def error(name: str) -> Exception:
        known = ", ".join(sorted(variables)) or "none"
        return UsageError(
            f"the filter uses the variable {{{{{name}}}}}, which is not set (variables: {known})",
            variable=name,
        )

    return error


def like_escaped(text: str) -> str:
    """`text` as LIKE pattern text that matches itself only."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Binder:
    def __init__(self, variables: Mapping[str, str], table: RemoteTable, unknown: Unknown) -> None:
        self.variables, self.table, self.unknown = variables, table, unknown

    def expr(self, expr: ast.Expr) -> ast.Expr:
        match expr:
            case ast.And(items):
                return ast.And(tuple(self.expr(item) for item in items))
            case ast.Or(items):
                return ast.Or(tuple(self.expr(item) for item in items))
            case ast.Not(item):
                return ast.Not(self.expr(item))
            case ast.Comparison(name, op, value):
                return ast.Comparison(name, op, self.value(name, value))
            case ast.InList(name, values, negated):
                return ast.InList(name, tuple(self.value(name, v) for v in values), negated)
            case ast.Like(name, ast.Template(parts), negated):
                return ast.Like(name, self.fill(parts, like_escaped), negated)
        return expr  # IsNull, and a Like with a plain pattern: nothing to bind

    def value(self, name: str, value: ast.Value) -> ast.Value:
        match value:
            case ast.Param(variable):
                return typed(self.table.field(name), self.lookup(variable), self.table, variable)
            case ast.Template(parts):
                return ast.String(self.fill(parts, str))
        return value

    def fill(self, parts: tuple[str | ast.Param, ...], escape: Callable[[str], str]) -> str:
        return "".join(
            escape(self.lookup(part.name)) if isinstance(part, ast.Param) else part
            for part in parts
        )

    def lookup(self, name: str) -> str:
        if name not in self.variables:
            raise self.unknown(name)
        return str(self.variables[name])


def typed(field: RemoteField | None, text: str, table: RemoteTable, variable: str) -> ast.Literal:
    """A variable's text as the literal its field takes (text for an unknown field:
    `validate` names that field)."""
    kind = field.kind if field is not None else K.STRING
    if kind in (K.INTEGER, K.BIGINT, K.DECIMAL, K.DOUBLE):
        if _NUMBER.match(text):
            word = text.strip()
            if sum(char.isdigit() for char in word) > MAX_NUMBER_DIGITS:
                name = field.name if field is not None else "?"
                raise FilterError(
                    f"variable {{{{{variable}}}}} is a number of more than {MAX_NUMBER_DIGITS} "
                    f"digits, which field {name!r} cannot hold",
                    variable=variable,
                )
            return ast.Number(Decimal(word) if "." in word else int(word))
        raise _misfit(field, text, table, variable, "numbers")
    if kind == K.BOOLEAN:
        if text.strip().lower() in ("true", "false"):
            return ast.Boolean(text.strip().lower() == "true")
        raise _misfit(field, text, table, variable, "true or false")
    if kind in (K.DATE, K.DATETIME):
        return _moment(field, text, table, variable)
    return ast.String(text)


def _moment(
    field: RemoteField | None, text: str, table: RemoteTable, variable: str
) -> ast.Date | ast.DateTime:
    word = text.strip()
    try:
        if len(word) == 10:
            return ast.Date(dt.date.fromisoformat(word))
        if field is not None and field.kind == K.DATETIME and _ZONE.search(word):
            moment = dt.datetime.fromisoformat(word.replace("Z", "+00:00"))
            return ast.DateTime(moment.astimezone(dt.UTC))
    except ValueError:
        pass
    holds = "dates (YYYY-MM-DD)"
    if field is not None and field.kind == K.DATETIME:
        holds = "datetimes with a time zone (2024-01-31T10:00:00Z) or dates"
    raise _misfit(field, text, table, variable, holds)


def _misfit(
    field: RemoteField | None, text: str, table: RemoteTable, variable: str, holds: str
) -> FilterError:
    name = field.name if field is not None else ""
    return FilterError(
        f"the variable {{{{{variable}}}}} = {text!r} does not fit field {name!r} on "
        f"{table.name}, which holds {holds}",
        field=name or None,
        variable=variable,
    )
