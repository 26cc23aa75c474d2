"""The filter AST: plain frozen dataclasses, one per construct, easy to `match` on.

A renderer (SOQL, SQL, OData) is a function that matches on these node types; the
parser builds them and `validate()` returns a copy typed against a table's describe.

    Expr      := Comparison | InList | Like | IsNull | And | Or | Not
    Literal   := String | Number | Boolean | Date | DateTime | Null

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
class Comparison:
    field: str
    op: Op
    value: Literal


@dataclass(frozen=True)
class InList:
    field: str
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True)
class Like:
    field: str
    pattern: str
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


def fields_of(expr: Expr) -> list[str]:
    """Every field the expression names, in order of appearance."""
    match expr:
        case And(items) | Or(items):
            return [name for item in items for name in fields_of(item)]
        case Not(item):
            return fields_of(item)
        case _:
            return [expr.field]
