"""The SOQL syntax tree: plain dataclasses produced by the parser, consumed by the compiler.

Every node keeps `pos`, the character offset in the (stripped) query text, so errors can
point at the offending token the way Salesforce does (`ERROR at Row:1:Column:8`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class FieldPath:
    """`LastName` or `Account.Owner.Email`: relationship names then a field name."""

    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Aggregate:
    """`COUNT()` (arg None), `COUNT(Id)`, `MIN(x)`, ... with an optional alias."""

    func: str  # upper-case: COUNT, MIN, MAX, SUM, AVG
    arg: FieldPath | None
    pos: int
    alias: str | None = None


SelectItem = FieldPath | Aggregate


# ---- literal values -------------------------------------------------------------------


@dataclass(frozen=True)
class StringLit:
    value: str  # escapes resolved
    like: str  # the same text as an SQLite LIKE pattern with ESCAPE '\'
    pos: int


@dataclass(frozen=True)
class NumberLit:
    text: str
    pos: int

    @property
    def value(self) -> int | float:
        return float(self.text) if any(c in self.text for c in ".eE") else int(self.text)


@dataclass(frozen=True)
class BoolLit:
    value: bool
    pos: int


@dataclass(frozen=True)
class NullLit:
    pos: int


@dataclass(frozen=True)
class DateLit:
    value: date
    pos: int


@dataclass(frozen=True)
class DateTimeLit:
    value: datetime  # timezone-aware, UTC
    pos: int


@dataclass(frozen=True)
class DateRangeLit:
    """`TODAY`, `LAST_N_DAYS:5`, ...: a range of days relative to `now`."""

    name: str  # upper-case
    n: int | None
    pos: int


Literal = StringLit | NumberLit | BoolLit | NullLit | DateLit | DateTimeLit | DateRangeLit


# ---- conditions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    field: FieldPath
    op: str  # = != < <= > >= LIKE
    value: Literal
    pos: int


@dataclass(frozen=True)
class InList:
    field: FieldPath
    op: str  # IN, NOT IN, INCLUDES, EXCLUDES
    values: tuple[Literal, ...]
    pos: int


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND, OR
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


@dataclass(frozen=True)
class SemiJoin:
    """`AccountId [NOT] IN (SELECT Id FROM Account WHERE …)`: the inner query kept as its
    text (`start`..`end` of the outer query)."""

    field: FieldPath
    negated: bool
    start: int
    end: int
    pos: int


Condition = Comparison | InList | SemiJoin | BoolOp | Not


# ---- the query ------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderItem:
    field: FieldPath
    descending: bool = False
    nulls_first: bool | None = None  # None: Salesforce's default for the direction


@dataclass(frozen=True)
class ChildQuery:
    """`(SELECT Name FROM Opportunities)`: a parent-to-child subquery, kept as its text
    (`text`, positions `start`..`end` of the outer query) and its FROM relationship name."""

    relationship: str
    relationship_pos: int
    start: int
    end: int


@dataclass(frozen=True)
class TypeOf:
    """`TYPEOF What WHEN Account THEN Name, Phone … ELSE Id END`: a polymorphic
    relationship; each branch's field list kept as its text (`start`..`end`)."""

    relationship: str
    pos: int
    branches: tuple[tuple[str, int, int], ...]  # (object name, start, end)
    otherwise: tuple[int, int] | None  # ELSE fields (start, end)


@dataclass
class Query:
    select: list[SelectItem]
    object_name: str
    object_pos: int
    object_alias: str | None = None
    where: Condition | None = None
    order_by: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    children: list[ChildQuery] = field(default_factory=list)
    typeofs: list[TypeOf] = field(default_factory=list)
