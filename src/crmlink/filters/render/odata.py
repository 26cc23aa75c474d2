"""The filter AST rendered to an OData `$filter` for the Dataverse Web API.

Rendering needs the table: lookups are filtered as `_x_value`, choice values are
integers (`gendercode eq 1`), GUIDs go unquoted, datetimes are UTC (`…Z`). Strings
double their quotes (`O''Brien`); the query string is URL-encoded by the HTTP client,
so user text is never pasted into a query, and an unbound variable is an error.

    like 'x%'  -> startswith(f,'x')      like '%x' -> endswith(f,'x')
    like '%x%' -> contains(f,'x')        other patterns (`_`, inner %) -> FilterError
    in (…)     -> Microsoft.Dynamics.CRM.In(PropertyName='f',PropertyValues=['a','b'])
"""

from __future__ import annotations

import datetime as dt
import re

from crmlink.errors import FilterError
from crmlink.filters import ast
from crmlink.filters.ast import ANY, like_parts
from crmlink.filters.render.scalars import scalar_literal
from crmlink.model import FieldKind, RemoteTable

K = FieldKind
OPS = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def render(expr: ast.Expr, table: RemoteTable) -> str:
    """OData `$filter` text for a (bound, validated) filter expression on `table`."""
    match expr:
        case ast.And(items):
            return "(" + " and ".join(render(item, table) for item in items) + ")"
        case ast.Or(items):
            return "(" + " or ".join(render(item, table) for item in items) + ")"
        case ast.Not(item):
            return f"(not {render(item, table)})"
        case ast.IsNull(field, negated):
            return f"{wire(field, table)} {'ne' if negated else 'eq'} null"
        case ast.Like(field, pattern, negated):
            text = like(wire(field, table), pattern)
            return f"(not {text})" if negated else text
        case ast.InList(field, values, negated):
            return in_list(field, values, negated, table)
        case ast.Comparison(field, op, value):
            return f"{wire(field, table)} {OPS[op.value]} {literal(value, table, field)}"
    raise TypeError(f"not a filter expression: {expr!r}")


def wire(name: str, table: RemoteTable) -> str:
    """The property a field is queried by: `_x_value` for lookups."""
    field = table.field(name)
    if not _IDENT.match(name) or field is None:
        raise FilterError(f"{name!r} is not a field of {table.name}", field=name)
    return f"_{field.name}_value" if field.kind == K.REFERENCE else field.name


def like(prop: str, pattern: str | ast.Template) -> str:
    if isinstance(pattern, ast.Template):
        raise ast.unbound(pattern)
    parts = like_parts(pattern)
    texts = [p for p in parts if isinstance(p, str)]
    shape = ["x" if isinstance(p, str) else ("%" if p is ANY else "_") for p in parts]
    function = {
        ("%", "x", "%"): "contains",
        ("x", "%"): "startswith",
        ("%", "x"): "endswith",
    }.get(tuple(shape))
    if shape == ["x"]:
        return f"{prop} eq {quote(texts[0])}"
    if function is None:
        raise FilterError(
            f"Dataverse cannot match the pattern {pattern!r}: use 'x%', '%x' or '%x%' "
            "(no '_' and no '%' inside the text)",
        )
    return f"{function}({prop},{quote(texts[0])})"


def in_list(name: str, values: tuple[ast.Value, ...], negated: bool, table: RemoteTable) -> str:
    field = table.require_field(name)
    listed = ",".join(quote(_plain(v, table, name)) for v in values)
    function = "NotIn" if negated else "In"
    return (
        f"Microsoft.Dynamics.CRM.{function}(PropertyName={quote(wire(field.name, table))},"
        f"PropertyValues=[{listed}])"
    )


def _plain(value: ast.Value, table: RemoteTable, name: str) -> str:
    """A value as the text `In`'s PropertyValues take (they are strings)."""
    text = literal(value, table, name)
    return text[1:-1].replace("''", "'") if text.startswith("'") else text


def literal(value: ast.Value, table: RemoteTable, name: str) -> str:
    match value:
        case ast.String(text):
            return _string_literal(text, table.require_field(name).kind, name)
    return scalar_literal(value, datetime_literal)


def _string_literal(text: str, kind: K, name: str) -> str:
    """A text value as the column's type wants it: choices are integers, ids GUIDs."""
    if kind == K.PICKLIST:
        return str(_integer(text, name))
    if kind == K.MULTIPICKLIST:
        return quote(",".join(str(_integer(t, name)) for t in text.split(";") if t.strip()))
    if kind in (K.ID, K.REFERENCE):
        return guid_literal(text, name)
    return quote(text)


def _integer(text: str, name: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise FilterError(
            f"{text!r} is not a value of choice column {name!r}: Dataverse choices are "
            "integers (see `crmlink enum show`)",
            field=name,
        ) from None


def guid_literal(text: str, name: str = "") -> str:
    """A GUID as a filter value: unquoted, lower case (braces dropped)."""
    found = _GUID.match(text.strip())
    if not found:
        raise FilterError(f"{text!r} is not a GUID (field {name!r})", field=name or None)
    return found.group(1).lower()


def quote(text: str) -> str:
    """An OData string literal holding exactly `text`."""
    return "'" + text.replace("'", "''") + "'"


def datetime_literal(moment: dt.datetime) -> str:
    """UTC, seconds (milliseconds only when there are some): 2024-01-31T10:00:00Z."""
    if moment.tzinfo is None:
        raise FilterError(f"datetime {moment.isoformat()} has no time zone")
    utc = moment.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{utc.microsecond // 1000:03d}Z" if utc.microsecond else "Z")
