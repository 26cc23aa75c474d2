"""The recursive-descent parser: filter tokens (`lexer.py`) -> `ast.Expr`.

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | predicate
    predicate  := FIELD op literal
                | FIELD ["not"] "in" "(" literal ("," literal)* ")"
                | FIELD ["not"] "like" STRING
                | FIELD "is" ["not"] "null"
    op         := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    literal    := STRING | NUMBER | DATE | DATETIME | "true" | "false" | "null" | PARAM
    PARAM      := "{{" NAME "}}"       (a workflow variable: a value, bound later)

Keywords are case-insensitive. Strings are in single quotes, with backslash escapes
(`\\'`, `\\\\`, `\\n`, `\\r`, `\\t`; `\\%` and `\\_` are a literal % and _ in a LIKE
pattern) or a doubled quote `''`.

A variable is a value, never syntax: a bare `{{name}}` in value position is an
`ast.Param`; `{{name}}` inside a quoted string makes it an `ast.Template` whose content
is filled when bound. `{{name}}` where a field name, an operator or a list is expected is
a parse error ("variables stand for values").
"""

from __future__ import annotations

from typing import cast

from crmlink.errors import FilterError
from crmlink.filters import ast
from crmlink.filters.lexer import Token, error, string_value, tokenize

__all__ = ["MAX_DEPTH", "Token", "parse", "quote", "quote_like", "tokenize"]

MAX_DEPTH = (
    64  # nested parentheses and `not`s: far beyond any real filter, far from recursion limits
)


def parse(text: str) -> ast.Expr:
    """Parse filter text into an AST, or raise `FilterError` naming the column."""
    if not text or not text.strip():
        raise FilterError("the filter is empty: write a condition such as Email != null")
    parser = _Parser(text, tokenize(text))
    expr = parser.expression()
    parser.expect_end()
    return expr


def quote(text: str) -> str:
    """`text` as a filter string literal (for building filters from values)."""
    escapes = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return "'" + "".join(escapes.get(char, char) for char in text) + "'"


def quote_like(text: str) -> str:
    """`text` as a LIKE pattern literal that matches itself only (% and _ escaped)."""
    return quote(text).replace("%", "\\%").replace("_", "\\_")


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text, self.tokens, self.i = text, tokens, 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        return self.token.kind == kind and (text is None or self.token.text == text)

    def accept(self, kind: str, text: str | None = None) -> bool:
        if self.at(kind, text):
            self.take()
            return True
        return False

    def fail(self, wanted: str) -> FilterError:
        found = self.token.text
        if self.token.kind == "param":
            message = f"variables stand for values: {found} is where the filter expects {wanted}"
            return error(self.text, self.token.pos, message)
        return error(self.text, self.token.pos, f"expected {wanted} but found {found!r}")

    def expect(self, kind: str, text: str, wanted: str) -> None:
        if not self.accept(kind, text):
            raise self.fail(wanted)

    def expect_end(self) -> None:
        if not self.at("end"):
            raise self.fail("'and', 'or' or the end of the filter")

    # -- grammar ------------------------------------------------------------------
    def expression(self) -> ast.Expr:
        items = [self.conjunction()]
        while self.accept("keyword", "or"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else ast.Or(tuple(items))

    def conjunction(self) -> ast.Expr:
        items = [self.unary()]
        while self.accept("keyword", "and"):
            items.append(self.unary())
        return items[0] if len(items) == 1 else ast.And(tuple(items))

    def unary(self) -> ast.Expr:
        if not (self.at("keyword", "not") or self.at("punct", "(")):
            return self.predicate()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            message = f"the filter nests deeper than {MAX_DEPTH} levels of '(' and 'not'"
            raise error(self.text[:40] + "…", self.token.pos, message)
        if self.accept("keyword", "not"):
            expr: ast.Expr = ast.Not(self.unary())
        else:
            self.take()
            expr = self.expression()
            self.expect("punct", ")", "')'")
        self.depth -= 1
        return expr

    def predicate(self) -> ast.Expr:
        if not self.at("ident"):
            raise self.fail("a field name")
        field = self.take().text
        if self.at("op"):
            return self.comparison(field)
        if self.accept("keyword", "is"):
            negated = self.accept("keyword", "not")
            self.expect("keyword", "null", "'null'")
            return ast.IsNull(field, negated)
        negated = self.accept("keyword", "not")
        if self.accept("keyword", "in"):
            return ast.InList(field, self.value_list(), negated)
        if self.accept("keyword", "like"):
            return ast.Like(field, self.like_pattern(), negated)
        raise self.fail("an operator (= != < <= > >= in like is)")

    def comparison(self, field: str) -> ast.Expr:
        at, op_text = self.token.pos, self.take().text
        op = ast.Op.NE if op_text == "<>" else ast.Op(op_text)
        value = self.literal()
        if isinstance(value, ast.Null):
            if op not in (ast.Op.EQ, ast.Op.NE):
                raise error(self.text, at, f"null cannot be compared with {op}")
            return ast.IsNull(field, negated=op == ast.Op.NE)
        return ast.Comparison(field, op, value)

    def value_list(self) -> tuple[ast.Value, ...]:
        self.expect("punct", "(", "'(' after in")
        values = [self.literal()]
        while self.accept("punct", ","):
            values.append(self.literal())
        self.expect("punct", ")", "')' or ','")
        return tuple(values)

    def like_pattern(self) -> str | ast.Template:
        if not self.at("string"):
            raise self.fail("a pattern after like (write it in quotes: '%{{name}}%')")
        return string_value(self.take())[1]

    def literal(self) -> ast.Value:
        token = self.token
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self.take()
            return ast.Null() if token.text == "null" else ast.Boolean(token.text == "true")
        if token.kind == "param":
            self.take()
            return cast("ast.Param", token.value)
        if token.kind == "string":
            self.take()
            plain = string_value(token)[0]
            return plain if isinstance(plain, ast.Template) else ast.String(plain)
        makers = {
            "number": ast.Number,
            "date": ast.Date,
            "datetime": ast.DateTime,
        }
        if token.kind not in makers:
            raise self.fail("a value (a 'string', number, date, true, false or null)")
        self.take()
        return makers[token.kind](token.value)
