"""The filter AST rendered to a SOQL condition.

Values are always rendered from typed literals with SOQL's escapes (`\\'`, `\\\\`, `\\n`,
`\\r`, `\\t`, `\\b`, `\\f`, `\\"`); field names must be plain identifiers. User text is
never pasted into a query, and an unbound variable is an error.
"""

from __future__ import annotations

import datetime as dt
import re

from crmlink.errors import FilterError
from crmlink.filters import ast
from crmlink.filters.render.scalars import scalar_literal
from crmlink.model import RemoteTable

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES |= {"\b": "\\b", "\f": "\\f", '"': '\\"'}


def render(expr: ast.Expr, table: RemoteTable | None = None) -> str:
    """SOQL condition text for a (bound, validated) filter expression."""
    match expr:
        case ast.And(items):
            return "(" + " AND ".join(render(item) for item in items) + ")"
        case ast.Or(items):
            return "(" + " OR ".join(render(item) for item in items) + ")"
        case ast.Not(item):
            return f"(NOT {render(item)})"
        case ast.IsNull(field, negated):
            return f"{ident(field)} {'!=' if negated else '='} null"
        case ast.Like(field, pattern, negated):
            text = f"{ident(field)} LIKE {like_literal(pattern)}"
            return f"(NOT {text})" if negated else text
        case ast.InList(field, values, negated):
            listed = ", ".join(literal(v) for v in values)
            return f"{ident(field)} {'NOT IN' if negated else 'IN'} ({listed})"
        case ast.Comparison(field, op, value):
            return f"{ident(field)} {op.value} {literal(value)}"
    raise TypeError(f"not a filter expression: {expr!r}")


def ident(name: str) -> str:
    if not _IDENT.match(name):
        raise FilterError(f"{name!r} is not a field name", field=name)
    return name


def literal(value: ast.Value) -> str:
    match value:
        case ast.String(text):
            return quote(text)
    return scalar_literal(value, datetime_literal)


def quote(text: str) -> str:
    """A SOQL string literal holding exactly `text`."""
    return "'" + "".join(_ESCAPES.get(char, char) for char in text) + "'"


def like_literal(pattern: str | ast.Template) -> str:
    """A SOQL LIKE pattern: `%`/`_` stay wildcards, escaped ones stay literal."""
    if isinstance(pattern, ast.Template):
        raise ast.unbound(pattern)
    out: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "\\")
            out.append("\\" + nxt if nxt in "%_" else _ESCAPES.get(nxt, nxt))
        else:
            out.append(_ESCAPES.get(char, char))
    return "'" + "".join(out) + "'"


def datetime_literal(moment: dt.datetime) -> str:
    """UTC with milliseconds, as SystemModstamp is kept: 2024-01-31T10:00:00.000Z."""
    if moment.tzinfo is None:
        raise FilterError(f"datetime {moment.isoformat()} has no time zone")
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
