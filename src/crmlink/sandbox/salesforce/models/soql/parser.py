"""A recursive-descent SOQL parser: `parse(text) -> Query`.

Grammar (keywords case-insensitive)::

    query     := SELECT items FROM ident [alias] [WHERE cond] [WITH ident] [ORDER BY order]
                 [LIMIT n] [OFFSET n] EOF
    items     := item (',' item)*
    item      := AGG '(' [path] ')' [alias] | path
    cond      := unary (AND unary)* | unary (OR unary)*      -- no mixing without parens
    unary     := NOT unary | '(' cond ')' | path op value | path [NOT] IN list
               | path INCLUDES list | path EXCLUDES list | path LIKE string
    order     := path [ASC|DESC] [NULLS FIRST|LAST] (',' ...)*
"""

from __future__ import annotations

from datetime import date, datetime

from . import ast
from .dates import RANGE_LITERALS, parse_datetime_literal
from .errors_fmt import malformed
from .lexer import DATE, DATETIME, EOF, IDENT, NUMBER, OP, PUNCT, STRING, Token, tokenize

AGGREGATES = frozenset({"COUNT", "MIN", "MAX", "SUM", "AVG", "COUNT_DISTINCT"})
CLAUSE_WORDS = frozenset(
    {
        "WHERE",
        "WITH",
        "GROUP",
        "ORDER",
        "LIMIT",
        "OFFSET",
        "FOR",
        "HAVING",
        "USING",
        "ALL",
        "UPDATE",
        "FROM",
        "TYPEOF",
    }
)
UNSUPPORTED_CLAUSES = {
    "GROUP": "GROUP BY",
    "HAVING": "HAVING",
    "USING": "USING SCOPE",
    "FOR": "FOR VIEW/REFERENCE/UPDATE",
    "ALL": "ALL ROWS (use queryAll)",
    "UPDATE": "UPDATE TRACKING/VIEWSTAT",
}
UNSUPPORTED_FUNCS = frozenset(
    {
        "TOLABEL",
        "FORMAT",
        "CONVERTCURRENCY",
        "CALENDAR_YEAR",
        "CALENDAR_MONTH",
        "DAY_ONLY",
        "HOUR_IN_DAY",
        "FISCAL_YEAR",
        "DISTANCE",
        "GEOLOCATION",
        "GROUPING",
        "FIELDS",
    }
)
OPERATORS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
SECURITY_MODES = frozenset({"SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"})


def parse(text: str) -> ast.Query:
    return Parser(text).query()


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    # ---- token helpers ----------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return token

    def error(self, token: Token | None = None, message: str | None = None) -> Exception:
        token = token or self.tok
        if message is None:
            shown = token.text if token.kind != EOF else "<EOF>"
            message = f"unexpected token: '{shown}'"
        return malformed(self.text, token.pos, message)

    def expect_kw(self, word: str) -> Token:
        if not self.tok.is_kw(word):
            raise self.error()
        return self.advance()

    def expect_punct(self, char: str) -> Token:
        if not (self.tok.kind == PUNCT and self.tok.text == char):
            raise self.error()
        return self.advance()

    def at_punct(self, char: str) -> bool:
        return self.tok.kind == PUNCT and self.tok.text == char

    def integer(self) -> int:
        token = self.tok
        if token.kind != NUMBER or not token.text.lstrip("+").isdigit():
            raise self.error()
        self.advance()
        return int(token.text)

    # ---- query ------------------------------------------------------------------------

    def query(self) -> ast.Query:
        self.expect_kw("SELECT")
        q = ast.Query(select=[], object_name="", object_pos=0)
        q.select = self.select_items(q)
        self.expect_kw("FROM")
        name_tok = self.identifier()
        q.object_name, q.object_pos = name_tok.text, name_tok.pos
        if self.tok.kind == IDENT and self.tok.text.upper() not in CLAUSE_WORDS:
            if self.tok.is_kw("AS"):
                self.advance()
            q.object_alias = self.identifier().text
        if self.tok.is_kw("WHERE"):
            self.advance()
            q.where = self.condition()
        self.optional_clauses(q)
        if self.tok.kind != EOF:
            raise self.error()
        return q

    def optional_clauses(self, q: ast.Query) -> None:
        if self.tok.is_kw("WITH"):
            self.advance()
            mode = self.identifier()
            if mode.text.upper() not in SECURITY_MODES:
                raise self.error(mode, f"WITH {mode.text} is not supported by the sandbox")
        self.reject_unsupported()
        if self.tok.is_kw("ORDER"):
            self.advance()
            self.expect_kw("BY")
            q.order_by = self.order_items()
        if self.tok.is_kw("LIMIT"):
            self.advance()
            q.limit = self.integer()
        if self.tok.is_kw("OFFSET"):
            self.advance()
            q.offset = self.integer()
        self.reject_unsupported()

    def reject_unsupported(self) -> None:
        word = self.tok.text.upper() if self.tok.kind == IDENT else ""
        if word in UNSUPPORTED_CLAUSES:
            raise self.error(message=f"{UNSUPPORTED_CLAUSES[word]} is not supported by the sandbox")

    def identifier(self) -> Token:
        if self.tok.kind != IDENT:
            raise self.error()
        return self.advance()

    # ---- select list ------------------------------------------------------------------

    def select_items(self, q: ast.Query | None = None) -> list[ast.SelectItem]:
        """The select list; subqueries and TYPEOF go to `q` (the top level only)."""
        items: list[ast.SelectItem] = []
        while True:
            if self.at_punct("(") and q is not None:
                q.children.append(self.child_query())
            elif self.tok.is_kw("TYPEOF") and q is not None:
                q.typeofs.append(self.typeof())
            else:
                items.append(self.select_item())
            if not self.at_punct(","):
                return items
            self.advance()

    def typeof(self) -> ast.TypeOf:
        """`TYPEOF rel WHEN Type THEN fields … [ELSE fields] END`."""
        self.expect_kw("TYPEOF")
        relationship = self.identifier()
        branches = []
        while self.tok.is_kw("WHEN"):
            self.advance()
            name = self.identifier().text
            self.expect_kw("THEN")
            branches.append((name, *self.field_list()))
        otherwise = None
        if self.tok.is_kw("ELSE"):
            self.advance()
            otherwise = self.field_list()
        if not branches:
            raise self.error()
        self.expect_kw("END")
        return ast.TypeOf(relationship.text, relationship.pos, tuple(branches), otherwise)

    def field_list(self) -> tuple[int, int]:
        start = self.tok.pos
        self.select_items()
        return start, self.tok.pos

    def child_query(self) -> ast.ChildQuery:
        """`( SELECT items FROM relationship … )`, its text compiled later against the child
        object; here only its shape is checked and its extent found."""
        start = self.expect_punct("(").pos
        self.expect_kw("SELECT")
        self.select_items()
        self.expect_kw("FROM")
        relationship = self.identifier()
        depth = 0
        while depth or not self.at_punct(")"):
            if self.tok.kind == EOF:
                raise self.error()
            depth += {"(": 1, ")": -1}.get(self.tok.text, 0) if self.tok.kind == PUNCT else 0
            self.advance()
        end = self.expect_punct(")").pos
        return ast.ChildQuery(relationship.text, relationship.pos, start + 1, end)

    def select_item(self) -> ast.SelectItem:
        token = self.tok
        if self.at_punct("("):
            raise self.error(message="Nested relationship subqueries are not supported")
        if token.is_kw("FROM"):
            raise self.error()
        if token.is_kw("TYPEOF"):
            raise self.error(message="TYPEOF is not supported in a subquery or TYPEOF branch")
        if token.kind == IDENT and self.peek().kind == PUNCT and self.peek().text == "(":
            return self.function_item()
        return self.field_path()

    def function_item(self) -> ast.Aggregate:
        name = self.advance()
        func = name.text.upper()
        if func not in AGGREGATES or func == "COUNT_DISTINCT":
            raise self.error(name, f"{name.text}() is not supported by the sandbox")
        self.expect_punct("(")
        arg = None if self.at_punct(")") else self.field_path()
        self.expect_punct(")")
        if arg is None and func != "COUNT":
            raise self.error(name, f"{func}() needs a field")
        alias = None
        if self.tok.kind == IDENT and self.tok.text.upper() not in CLAUSE_WORDS:
            alias = self.advance().text
        return ast.Aggregate(func, arg, name.pos, alias)

    def field_path(self) -> ast.FieldPath:
        first = self.identifier()
        if first.text.upper() in UNSUPPORTED_FUNCS and self.at_punct("("):
            raise self.error(first, f"{first.text}() is not supported by the sandbox")
        parts = [first.text]
        while self.at_punct("."):
            self.advance()
            parts.append(self.identifier().text)
        return ast.FieldPath(tuple(parts), first.pos)

    # ---- conditions -------------------------------------------------------------------

    def condition(self) -> ast.Condition:
        first = self.unary()
        if not self.tok.is_kw("AND", "OR"):
            return first
        op = self.tok.text.upper()
        items = [first]
        while self.tok.is_kw("AND", "OR"):
            if self.tok.text.upper() != op:
                raise self.error()  # Salesforce needs parentheses to mix AND and OR
            self.advance()
            items.append(self.unary())
        return ast.BoolOp(op, tuple(items))

    def unary(self) -> ast.Condition:
        if self.tok.is_kw("NOT"):
            self.advance()
            return ast.Not(self.unary())
        if self.at_punct("("):
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.simple()

    def simple(self) -> ast.Condition:
        if self.tok.kind == IDENT and self.peek().kind == PUNCT and self.peek().text == "(":
            raise self.error(message=f"{self.tok.text}() is not supported by the sandbox")
        path = self.field_path()
        token = self.tok
        if token.kind == OP:
            self.advance()
            return ast.Comparison(path, OPERATORS[token.text], self.value(), token.pos)
        if token.is_kw("LIKE"):
            self.advance()
            return ast.Comparison(path, "LIKE", self.value(), token.pos)
        if token.is_kw("NOT") and self.peek().is_kw("IN"):
            self.advance()
            self.advance()
            if self.at_semi_join():
                return self.semi_join(path, True, token.pos)
            return ast.InList(path, "NOT IN", self.value_list(), token.pos)
        if token.is_kw("IN", "INCLUDES", "EXCLUDES"):
            self.advance()
            if token.is_kw("IN") and self.at_semi_join():
                return self.semi_join(path, False, token.pos)
            return ast.InList(path, token.text.upper(), self.value_list(), token.pos)
        raise self.error()

    def at_semi_join(self) -> bool:
        return self.at_punct("(") and self.peek().is_kw("SELECT")

    def semi_join(self, path: ast.FieldPath, negated: bool, pos: int) -> ast.SemiJoin:
        """`( SELECT … )` after IN: its extent; the inner query is compiled on its own."""
        start = self.expect_punct("(").pos + 1
        depth = 0
        while depth or not self.at_punct(")"):
            if self.tok.kind == EOF:
                raise self.error()
            depth += {"(": 1, ")": -1}.get(self.tok.text, 0) if self.tok.kind == PUNCT else 0
            self.advance()
        end = self.expect_punct(")").pos
        return ast.SemiJoin(path, negated, start, end, pos)

    def value_list(self) -> tuple[ast.Literal, ...]:
        self.expect_punct("(")
        values = [self.value()]
        while self.at_punct(","):
            self.advance()
            values.append(self.value())
        self.expect_punct(")")
        return tuple(values)

    def value(self) -> ast.Literal:
        token = self.tok
        if token.kind == STRING:
            self.advance()
            if token.value is None:  # tokenize gives every STRING token its (value, like)
                raise TypeError("cannot unpack non-iterable NoneType object")
            value, like = token.value
            return ast.StringLit(value, like, token.pos)
        if token.kind == NUMBER:
            self.advance()
            return ast.NumberLit(token.text, token.pos)
        if token.kind == DATE:
            return ast.DateLit(self.date_value(token), token.pos)
        if token.kind == DATETIME:
            return ast.DateTimeLit(self.datetime_value(token), token.pos)
        if token.kind == IDENT:
            return self.word_value(token)
        if token.kind == PUNCT and token.text == ":":
            raise self.error(message="Bind variables are not supported in SOQL over the API")
        raise self.error()

    def date_value(self, token: Token) -> date:
        self.advance()
        try:
            return date.fromisoformat(token.text)
        except ValueError:
            raise self.error(token, f"invalid date literal: '{token.text}'") from None

    def datetime_value(self, token: Token) -> datetime:
        self.advance()
        try:
            return parse_datetime_literal(token.text)
        except ValueError:
            raise self.error(token, f"invalid datetime literal: '{token.text}'") from None

    def word_value(self, token: Token) -> ast.Literal:
        word = token.text.upper()
        self.advance()
        if word == "NULL":
            return ast.NullLit(token.pos)
        if word in ("TRUE", "FALSE"):
            return ast.BoolLit(word == "TRUE", token.pos)
        if word not in RANGE_LITERALS:
            raise self.error(token)
        needs_n = RANGE_LITERALS[word]
        n = None
        if needs_n:
            if not self.at_punct(":"):
                raise self.error(token, f"Invalid date literal: {token.text}")
            self.advance()
            n = self.integer()
        return ast.DateRangeLit(word, n, token.pos)

    # ---- order by ---------------------------------------------------------------------

    def order_items(self) -> list[ast.OrderItem]:
        items = [self.order_item()]
        while self.at_punct(","):
            self.advance()
            items.append(self.order_item())
        return items

    def order_item(self) -> ast.OrderItem:
        path = self.field_path()
        descending = False
        if self.tok.is_kw("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_first = None
        if self.tok.is_kw("NULLS"):
            self.advance()
            if not self.tok.is_kw("FIRST", "LAST"):
                raise self.error()
            nulls_first = self.advance().text.upper() == "FIRST"
        return ast.OrderItem(path, descending, nulls_first)
