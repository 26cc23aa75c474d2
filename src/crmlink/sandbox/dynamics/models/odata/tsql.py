"""The read-only T-SQL subset of the Web API's `?sql=` parameter → the `$filter` AST.

`SELECT [TOP n] col, … | * FROM table [WHERE …] [ORDER BY col [ASC|DESC], …]` with
= <> != < > <= >=, [NOT] LIKE, IS [NOT] NULL, [NOT] IN (…), AND, OR, NOT and parentheses.
Column names come out as plain names (checked against the entity later, never pasted into
SQL); literals stay values. Anything else (joins, functions, DISTINCT, GROUP BY, comments,
several statements) raises `SqlNotSupported` naming the construct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crmlink.sandbox.dynamics.errors import DataverseError
from crmlink.sandbox.dynamics.models.odata.filter import (
    Compare,
    InList,
    Literal,
    Logical,
    Not,
    Prop,
)

_OPS = {"=": "eq", "<>": "ne", "!=": "ne", "<": "lt", ">": "gt", "<=": "le", ">=": "ge"}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>N?'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
    | (?P<name>[A-Za-z_][\w]*|\[[^\]]+\])
    | (?P<op><=|>=|<>|!=|[=<>(),*])
    )""",
    re.VERBOSE,
)
# Words a query may hold that this subset does not serve: named in the error.
_UNSUPPORTED = frozenset(
    {
        "distinct", "join", "inner", "left", "right", "full", "cross", "outer", "union",
        "group", "having", "with", "exists", "between", "case", "offset", "fetch", "into",
        "insert", "update", "delete", "drop", "alter", "create", "exec", "execute", "merge",
        "percent", "select", "top", "as",
    }
)  # fmt: skip
MAX_TOP = 5000


class SqlNotSupported(DataverseError):
    """A `?sql=` the endpoint does not serve (0x80040203, as for a bad argument)."""

    code = "0x80040203"


@dataclass(frozen=True)
class Like:
    prop: Prop
    pattern: str
    negate: bool = False


@dataclass(frozen=True)
class Differs:
    """T-SQL `<>`: unlike OData's `ne`, a NULL column does not differ (it is unknown)."""

    prop: Prop
    value: Literal


@dataclass
class SqlQuery:
    table: str
    columns: list[str] | None  # None: SELECT *
    top: int | None = None
    where: object | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            bad = text[pos:].lstrip()[:20]
            raise SqlNotSupported(f"The SQL syntax near '{bad}' is not supported.")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def at(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[1].lower() in words and tok[0] in ("name", "op")

    def take(self, word: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise SqlNotSupported(f"Incomplete SQL: expected {word or 'more'} at the end.")
        if word is not None and tok[1].lower() != word:
            raise SqlNotSupported(f"Expected '{word.upper()}' near '{tok[1]}'.")
        self.pos += 1
        return tok

    def name(self) -> str:
        kind, raw = self.take()
        if kind != "name":
            raise SqlNotSupported(f"Expected a column or table name near '{raw}'.")
        if raw.startswith("["):
            return raw[1:-1]
        if raw.lower() in _UNSUPPORTED or raw.lower() in ("from", "where", "order"):
            raise SqlNotSupported(f"'{raw.upper()}' is not supported by the SQL endpoint.")
        return raw

    # -- statement -----------------------------------------------------------------------
    def query(self) -> SqlQuery:
        self.take("select")
        top = self.top()
        columns = self.columns()
        self.take("from")
        query = SqlQuery(self.name(), columns, top)
        if self.at("where"):
            self.take()
            query.where = self.disjunction()
        if self.at("order"):
            self.take()
            self.take("by")
            query.orderby = self.order()
        tok = self.peek()
        if tok is not None:
            word = tok[1].upper()
            raise SqlNotSupported(f"'{word}' is not supported by the SQL endpoint.")
        return query

    def top(self) -> int | None:
        if not self.at("top"):
            return None
        self.take()
        kind, raw = self.take()
        if kind != "number" or not raw.isdigit():
            raise SqlNotSupported(f"TOP needs a whole number, not '{raw}'.")
        return min(int(raw), MAX_TOP)

    def columns(self) -> list[str] | None:
        if self.at("*"):
            self.take()
            return None
        names = [self.name()]
        while self.at(","):
            self.take()
            names.append(self.name())
        if self.at("("):
            raise SqlNotSupported(f"The function '{names[-1]}' is not supported.")
        return names

    def order(self) -> list[tuple[str, bool]]:
        out = []
        while True:
            column = self.name()
            desc = False
            if self.at("asc", "desc"):
                desc = self.take()[1].lower() == "desc"
            out.append((column, desc))
            if not self.at(","):
                return out
            self.take()

    # -- conditions ----------------------------------------------------------------------
    def disjunction(self):
        node = self.conjunction()
        while self.at("or"):
            self.take()
            node = Logical("or", node, self.conjunction())
        return node

    def conjunction(self):
        node = self.negation()
        while self.at("and"):
            self.take()
            node = Logical("and", node, self.negation())
        return node

    def negation(self):
        if self.at("not"):
            self.take()
            return Not(self.negation())
        if self.at("("):
            self.take()
            node = self.disjunction()
            self.take(")")
            return node
        return self.predicate(Prop(self.name()))

    def predicate(self, prop: Prop):
        if self.at("is"):
            self.take()
            negate = self.at("not") and bool(self.take())
            self.take("null")
            return Compare("ne" if negate else "eq", prop, Literal(None))
        negate = self.at("not") and bool(self.take())
        if self.at("like"):
            self.take()
            return Like(prop, self.string_value(), negate)
        if self.at("in"):
            self.take()
            return InList(prop, self.value_list(), negate)
        kind, raw = self.take()
        if negate or kind != "op" or raw not in _OPS:
            raise SqlNotSupported(f"The operator '{raw}' is not supported.")
        value = self.value()
        if value.value is None:
            raise SqlNotSupported("Comparing with NULL is not supported: use IS [NOT] NULL.")
        if _OPS[raw] == "ne":
            return Differs(prop, value)
        return Compare(_OPS[raw], prop, value)

    def value_list(self) -> tuple:
        self.take("(")
        values = [self.value()]
        while self.at(","):
            self.take()
            values.append(self.value())
        self.take(")")
        return tuple(values)

    def string_value(self) -> str:
        value = self.value()
        if not isinstance(value.value, str):
            raise SqlNotSupported("LIKE needs a string pattern.")
        if "[" in value.value:
            raise SqlNotSupported("LIKE character ranges ([…]) are not supported.")
        return value.value

    def value(self) -> Literal:
        kind, raw = self.take()
        if kind == "string":
            return Literal(raw[raw.index("'") + 1 : -1].replace("''", "'"))
        if kind == "number":
            return Literal(float(raw) if "." in raw else int(raw))
        if kind == "name" and raw.lower() == "null":
            return Literal(None)
        raise SqlNotSupported(f"Expected a literal value near '{raw}'.")


def parse_sql(text: str) -> SqlQuery:
    """The `SqlQuery` of a `?sql=` statement (raises `SqlNotSupported`)."""
    text = text.strip()
    masked = re.sub(r"'(?:[^']|'')*'", "''", text)  # a ';' or '--' inside a string is data
    if ";" in masked:
        raise SqlNotSupported("Only one SELECT statement is supported per request.")
    if "--" in masked or "/*" in masked:
        raise SqlNotSupported("Comments are not supported in SQL queries.")
    return _Parser(text).query()
