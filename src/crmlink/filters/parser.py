"""Tokenizer and recursive-descent parser: filter text -> `ast.Expr`.

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | predicate
    predicate  := FIELD op literal
                | FIELD ["not"] "in" "(" literal ("," literal)* ")"
                | FIELD ["not"] "like" STRING
                | FIELD "is" ["not"] "null"
    op         := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    literal    := STRING | NUMBER | DATE | DATETIME | "true" | "false" | "null"

Keywords are case-insensitive. Strings are in single quotes, with backslash escapes
(`\\'`, `\\\\`, `\\n`, `\\r`, `\\t`; `\\%` and `\\_` are a literal % and _ in a LIKE
pattern) or a doubled quote `''`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from crmlink.errors import FilterError
from crmlink.filters import ast

KEYWORDS = frozenset({"and", "or", "not", "in", "like", "is", "null", "true", "false"})
# escape -> (its value in a string, its text in a LIKE pattern)
_ESCAPES = {
    "'": ("'", "'"),
    '"': ('"', '"'),
    "\\": ("\\", "\\\\"),
    "n": ("\n", "\n"),
    "r": ("\r", "\r"),
    "t": ("\t", "\t"),
    "%": ("%", "\\%"),
    "_": ("_", "\\_"),
}
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<quote>')
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # ident, keyword, string, number, date, datetime, op, punct, end
    text: str
    pos: int
    value: object = None


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


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            raise _error(text, pos, f"unexpected character {text[pos]!r}")
        kind = match.lastgroup or ""
        if kind == "quote":
            token, pos = _read_string(text, pos)
            tokens.append(token)
            continue
        if kind != "ws":
            tokens.append(_token(text, kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("end", "end of filter", len(text)))
    return tokens


def _token(text: str, kind: str, word: str, pos: int) -> Token:
    if kind == "ident" and word.lower() in KEYWORDS:
        return Token("keyword", word.lower(), pos)
    if kind == "number":
        return Token(kind, word, pos, Decimal(word) if "." in word else int(word))
    if kind == "date":
        return Token(kind, word, pos, _date(text, word, pos))
    if kind == "datetime":
        return Token(kind, word, pos, _datetime(text, word, pos))
    return Token(kind, word, pos)


def _date(text: str, word: str, pos: int) -> dt.date:
    try:
        return dt.date.fromisoformat(word)
    except ValueError:
        raise _error(text, pos, f"{word} is not a valid date (YYYY-MM-DD)") from None


def _datetime(text: str, word: str, pos: int) -> dt.datetime:
    if not re.search(r"(Z|[+-]\d{2}:?\d{2})$", word):
        raise _error(text, pos, f"datetime {word} needs a time zone: add Z for UTC")
    try:
        value = dt.datetime.fromisoformat(word.replace("Z", "+00:00"))
    except ValueError:
        raise _error(text, pos, f"{word} is not a valid datetime") from None
    return value.astimezone(dt.UTC)


def _read_string(text: str, start: int) -> tuple[Token, int]:
    """A quoted string; its value is (plain text, the same as a LIKE pattern)."""
    plain: list[str] = []
    like: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "'" and text[i + 1 : i + 2] == "'":
            plain.append("'")
            like.append("'")
            i += 2
        elif char == "'":
            both = ("".join(plain), "".join(like))
            return Token("string", text[start : i + 1], start, both), i + 1
        elif char == "\\":
            value, pattern = _escape(text, i)
            plain.append(value)
            like.append(pattern)
            i += 2
        else:
            plain.append(char)
            like.append(char)
            i += 1
    raise _error(text, start, "this string has no closing quote")


def _string_value(token: Token) -> tuple[str, str]:
    """A string token's value: its plain text and its text as a LIKE pattern."""
    return cast("tuple[str, str]", token.value)  # _read_string makes every string token


def _escape(text: str, i: int) -> tuple[str, str]:
    nxt = text[i + 1 : i + 2]
    if nxt and nxt in _ESCAPES:
        return _ESCAPES[nxt]
    raise _error(text, i, f"unknown escape \\{nxt} in a string (use \\' \\\\ \\n \\r \\t \\% \\_)")


def _error(text: str, pos: int, message: str) -> FilterError:
    return FilterError(f"{message} at column {pos + 1} of the filter: {text}", column=pos + 1)


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text, self.tokens, self.i = text, tokens, 0

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
        return _error(self.text, self.token.pos, f"expected {wanted} but found {found!r}")

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
        if self.accept("keyword", "not"):
            return ast.Not(self.unary())
        if self.accept("punct", "("):
            expr = self.expression()
            self.expect("punct", ")", "')'")
            return expr
        return self.predicate()

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
                raise _error(self.text, at, f"null cannot be compared with {op}")
            return ast.IsNull(field, negated=op == ast.Op.NE)
        return ast.Comparison(field, op, value)

    def value_list(self) -> tuple[ast.Literal, ...]:
        self.expect("punct", "(", "'(' after in")
        values = [self.literal()]
        while self.accept("punct", ","):
            values.append(self.literal())
        self.expect("punct", ")", "')' or ','")
        return tuple(values)

    def like_pattern(self) -> str:
        if not self.at("string"):
            raise self.fail("a quoted pattern after like")
        return _string_value(self.take())[1]

    def literal(self) -> ast.Literal:
        token = self.token
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self.take()
            return ast.Null() if token.text == "null" else ast.Boolean(token.text == "true")
        makers = {
            "string": ast.String,
            "number": ast.Number,
            "date": ast.Date,
            "datetime": ast.DateTime,
        }
        if token.kind not in makers:
            raise self.fail("a value (a 'string', number, date, true, false or null)")
        self.take()
        value = _string_value(token)[0] if token.kind == "string" else token.value
        return makers[token.kind](value)
