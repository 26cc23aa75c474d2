"""OData `$filter` text → AST. Nothing here knows SQL: compilers walk the tree.

Supported: eq ne gt ge lt le, and/or/not, parentheses, contains/startswith/endswith,
null/true/false, numbers, 'strings', enum members (`Microsoft.Dynamics.CRM.X'Member'`,
compared as their name), guid and datetime/date literals, navigation paths (`a/b`), and
the query functions `Microsoft.Dynamics.CRM.In` / `NotIn` (PropertyName=…,
PropertyValues=[…]).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from crmlink.sandbox.dynamics.errors import FilterSyntaxError

COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
STRING_FUNCTIONS = frozenset({"contains", "startswith", "endswith"})
LIST_FUNCTIONS = {"microsoft.dynamics.crm.in": False, "microsoft.dynamics.crm.notin": True}

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
    | (?P<datetime>\d{4}-\d{2}-\d{2}
        (?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?(?![\w:-]))
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?(?![\w.]))
    | (?P<name>[A-Za-z_][\w.]*)
    | (?P<punct>[(),\[\]=/])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Prop:
    name: str


@dataclass(frozen=True)
class Literal:
    value: object  # str, int, float, bool, None, uuid.UUID, dt.date, dt.datetime


@dataclass(frozen=True)
class Compare:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Logical:
    op: str  # 'and' | 'or'
    left: object
    right: object


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class Call:
    name: str  # contains | startswith | endswith
    prop: Prop
    value: Literal


@dataclass(frozen=True)
class InList:
    prop: Prop
    values: tuple
    negate: bool = False


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FilterSyntaxError(f"Syntax error at position {pos} in '{text}'.")
        kind = match.lastgroup
        if kind is None:  # every alternative is a named group, so one of them matched
            raise IndexError("no such group")
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _literal(kind: str, raw: str) -> Literal:
    if kind == "string":
        return Literal(raw[1:-1].replace("''", "'"))
    if kind == "guid":
        return Literal(uuid.UUID(raw))
    if kind == "datetime":
        if "T" not in raw:
            return Literal(dt.date.fromisoformat(raw))
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return Literal(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    raw = raw.rstrip("mMdDfFlL")
    return Literal(float(raw) if any(c in raw for c in ".eE") else int(raw))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def error(self) -> FilterSyntaxError:
        return FilterSyntaxError(f"Syntax error at position {self.pos} in '{self.text}'.")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1].lower() != value):
            raise self.error()
        self.pos += 1
        return token

    def at_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "name" and token[1].lower() in words

    def parse(self):
        node = self.parse_or()
        if self.peek() is not None:
            raise self.error()
        return node

    def parse_or(self):
        node = self.parse_and()
        while self.at_word("or"):
            self.take()
            node = Logical("or", node, self.parse_and())
        return node

    def parse_and(self):
        node = self.parse_unary()
        while self.at_word("and"):
            self.take()
            node = Logical("and", node, self.parse_unary())
        return node

    def parse_unary(self):
        if self.at_word("not"):
            self.take()
            return Not(self.parse_unary())
        left = self.parse_primary()
        if self.at_word(*COMPARISONS):
            op = self.take()[1].lower()
            return Compare(op, left, self.parse_primary())
        return left

    def parse_primary(self):
        kind, raw = self.take()
        if raw == "(":
            node = self.parse_or()
            self.take(")")
            return node
        if kind != "name":
            if kind == "punct":
                raise self.error()
            return _literal(kind, raw)
        lowered = raw.lower()
        if lowered in ("null", "true", "false"):
            return Literal({"null": None, "true": True, "false": False}[lowered])
        if lowered in STRING_FUNCTIONS and self.peek() == ("punct", "("):
            return self.parse_call(lowered)
        if lowered in LIST_FUNCTIONS:
            return self.parse_in(LIST_FUNCTIONS[lowered])
        if "." in raw and self.peek() is not None and self.peek()[0] == "string":
            return _literal(*self.take())  # an enum member: Namespace.Type'Member'
        return Prop(self.parse_path(raw))

    def parse_path(self, first: str) -> str:
        """`sdkmessageid/name`: a property reached through navigation properties."""
        path = first
        while self.peek() == ("punct", "/"):
            self.take("/")
            kind, name = self.take()
            if kind != "name":
                raise self.error()
            path += f"/{name}"
        return path

    def parse_call(self, name: str) -> Call:
        self.take("(")
        prop = self.parse_primary()
        self.take(",")
        value = self.parse_primary()
        self.take(")")
        if not isinstance(prop, Prop) or not isinstance(value, Literal):
            raise self.error()
        return Call(name, prop, value)

    def parse_in(self, negate: bool) -> InList:
        self.take("(")
        args: dict[str, object] = {}
        while True:
            key = self.take()[1].lower()
            self.take("=")
            args[key] = self.parse_list() if self.peek() == ("punct", "[") else self.parse_primary()
            if self.peek() == ("punct", ","):
                self.take(",")
                continue
            break
        self.take(")")
        name, values = args.get("propertyname"), args.get("propertyvalues")
        if not isinstance(name, Literal) or not isinstance(values, tuple):
            raise self.error()
        return InList(Prop(str(name.value)), values, negate)

    def parse_list(self) -> tuple:
        self.take("[")
        values = []
        while self.peek() != ("punct", "]"):
            values.append(self.parse_primary())
            if self.peek() == ("punct", ","):
                self.take(",")
        self.take("]")
        return tuple(values)


def parse_filter(text: str):
    """Parse a `$filter` expression into the node types above."""
    return _Parser(text).parse()
