"""The filter AST: plain frozen dataclasses, one per construct, easy to `match` on.

A renderer (SOQL, SQL, OData) is a function that matches on these node types; the
parser builds them and `validate()` returns a copy typed against a table's describe.

    Expr      := Comparison | InList | Like | IsNull | And | Or | Not
    Literal   := String | Number | Boolean | Date | DateTime | Null
    Value     := Literal | Param | Template

A workflow variable is a value, never syntax: `Param(name)` stands for a bare `{{name}}`
in value position, and `Template(parts)` for a quoted string (or LIKE pattern) holding
`{{name}}`. `bind()` (`crmlink.filters.bind`) replaces both with typed literals before a
filter is rendered; renderers refuse them (`unbound()`).

`X = null` and `X != null` are parsed to `IsNull`, so no renderer meets a null in a
comparison. A `Like.pattern` uses `%` (any run) and `_` (one character) as wildcards;
a backslash makes the next character literal (`\\%`, `\\_`, `\\\\`); `like_parts()`
splits it for renderers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from crmlink.errors import FilterError


class Op(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True)
class String:
    value: str


@dataclass(frozen=True)
class Number:
    value: int | Decimal


@dataclass(frozen=True)
class Boolean:
    value: bool


@dataclass(frozen=True)
class Date:
    value: dt.date


@dataclass(frozen=True)
class DateTime:
    value: dt.datetime  # always timezone-aware


@dataclass(frozen=True)
class Null:
    pass


Literal = String | Number | Boolean | Date | DateTime | Null


@dataclass(frozen=True)
class Param:
    """A bare `{{name}}` where a value is expected: the variable's value, typed by the
    field it is compared with when bound."""

    name: str


@dataclass(frozen=True)
class Template:
    """A quoted string (or LIKE pattern) holding `{{name}}`: text runs and `Param`s. Only
    its content is filled: a variable's value never ends the string."""

    parts: tuple[str | Param, ...]


Value = Literal | Param | Template


@dataclass(frozen=True)
class Comparison:
    field: str
    op: Op
    value: Value


@dataclass(frozen=True)
class InList:
    field: str
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class Like:
    field: str
    pattern: str | Template  # a Template's text runs are pattern text (wildcards live)
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    field: str
    negated: bool = False  # True: `is not null`


@dataclass(frozen=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    item: Expr


Expr = Comparison | InList | Like | IsNull | And | Or | Not

ANY, ONE = object(), object()  # the two LIKE wildcards, as `like_parts` yields them


def like_parts(pattern: str) -> list[str | object]:
    """Split a LIKE pattern into literal text runs and the `ANY` / `ONE` wildcards."""
    parts: list[str | object] = []
    text: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            text.append(next(chars, "\\"))
        elif char in "%_":
            if text:
                parts.append("".join(text))
                text = []
            parts.append(ANY if char == "%" else ONE)
        else:
            text.append(char)
    if text:
        parts.append("".join(text))
    return parts


def conjoin(*items: Expr | None) -> Expr | None:
    """The items that are given, joined by `And` (one item alone; None for none)."""
    given = tuple(item for item in items if item is not None)
    if not given:
        return None
    return given[0] if len(given) == 1 else And(given)


def unbound(value: object) -> FilterError:
    """The error a renderer raises when a variable reaches it unbound."""
    names = params_of(value)
    shown = ", ".join("{{" + name + "}}" for name in names) or repr(value)
    return FilterError(f"the filter's variable {shown} was not bound to a value before rendering")


def params_of(node: object) -> list[str]:
    """The variable names a node (expression or value) uses, in order."""
    match node:
        case Param(name):
            return [name]
        case Template(parts):
            return [p.name for p in parts if isinstance(p, Param)]
        case And(items) | Or(items):
            return [name for item in items for name in params_of(item)]
        case Not(item):
            return params_of(item)
        case Comparison(value=value):
            return params_of(value)
        case InList(values=values):
            return [name for value in values for name in params_of(value)]
        case Like(pattern=pattern):
            return params_of(pattern)
    return []


def fields_of(expr: Expr) -> list[str]:
    """Every field the expression names, in order of appearance."""
    match expr:
        case And(items) | Or(items):
            return [name for item in items for name in fields_of(item)]
        case Not(item):
            return fields_of(item)
        case _:
            return [expr.field]
