"""The filter tokenizer: text -> `Token`s (strings decoded, `{{variables}}` found).

Strings are in single quotes, with backslash escapes (`\\'`, `\\\\`, `\\n`, `\\r`,
`\\t`; `\\%` and `\\_` are a literal % and _ in a LIKE pattern) or a doubled quote
`''`. A string token's value is its plain text and its text as a LIKE pattern, each a
`str`, or an `ast.Template` when it holds `{{name}}`. A bare `{{name}}` is a `param`
token whose value is an `ast.Param`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from crmlink.errors import FilterError
from crmlink.filters import ast

# Limits that keep a hostile filter from exhausting the parser or Python's int conversion.
MAX_FILTER_CHARS = 65536  # a filter's text
MAX_NUMBER_DIGITS = 38  # a number literal (a CRM or SQL decimal holds no more)
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
  | (?P<param>\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\})
    """,
    re.VERBOSE,
)
_PARAM_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
Parts = list[str | ast.Param]


@dataclass(frozen=True)
class Token:
    kind: str  # ident, keyword, string, number, date, datetime, op, punct, param, end
    text: str
    pos: int
    value: object = None


def tokenize(text: str) -> list[Token]:
    """Filter text as tokens, the last one `end` (a FilterError names the column)."""
    if len(text) > MAX_FILTER_CHARS:
        raise FilterError(
            f"the filter is {len(text)} characters long; at most {MAX_FILTER_CHARS} are allowed"
        )
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            raise error(text, pos, f"unexpected character {text[pos]!r}")
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
        digits = sum(char.isdigit() for char in word)
        if digits > MAX_NUMBER_DIGITS:
            message = f"a number of {digits} digits; at most {MAX_NUMBER_DIGITS} are allowed"
            raise error(text[:40] + ("…" if len(text) > 40 else ""), pos, message)
        return Token(kind, word, pos, Decimal(word) if "." in word else int(word))
    if kind == "date":
        return Token(kind, word, pos, _date(text, word, pos))
    if kind == "datetime":
        return Token(kind, word, pos, _datetime(text, word, pos))
    if kind == "param":
        return Token(kind, word, pos, ast.Param(_param_name(word)))
    return Token(kind, word, pos)


def _param_name(word: str) -> str:
    found = _PARAM_RE.fullmatch(word)
    assert found is not None  # the tokenizer matched the same pattern
    return found.group(1)


def _date(text: str, word: str, pos: int) -> dt.date:
    try:
        return dt.date.fromisoformat(word)
    except ValueError:
        raise error(text, pos, f"{word} is not a valid date (YYYY-MM-DD)") from None


def _datetime(text: str, word: str, pos: int) -> dt.datetime:
    if not re.search(r"(Z|[+-]\d{2}:?\d{2})$", word):
        raise error(text, pos, f"datetime {word} needs a time zone: add Z for UTC")
    try:
        value = dt.datetime.fromisoformat(word.replace("Z", "+00:00"))
    except ValueError:
        raise error(text, pos, f"{word} is not a valid datetime") from None
    return value.astimezone(dt.UTC)


def _read_string(text: str, start: int) -> tuple[Token, int]:
    """A quoted string; its value is (plain text, the same as a LIKE pattern), each a
    list of text and `{{variable}}` parts."""
    plain: Parts = []
    like: Parts = []
    i = start + 1
    while i < len(text):
        char = text[i]
        variable = _PARAM_RE.match(text, i) if char == "{" else None
        if variable is not None:
            plain.append(ast.Param(variable.group(1)))
            like.append(ast.Param(variable.group(1)))
            i = variable.end()
        elif char == "'" and text[i + 1 : i + 2] == "'":
            plain.append("'")
            like.append("'")
            i += 2
        elif char == "'":
            both = (_joined(plain), _joined(like))
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
    raise error(text, start, "this string has no closing quote")


def _joined(parts: Parts) -> str | ast.Template:
    """Adjacent text runs merged: plain text, or a Template when a variable is in it."""
    merged: Parts = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if all(isinstance(part, str) for part in merged):
        return "".join(cast("list[str]", merged))
    return ast.Template(tuple(merged))


def string_value(token: Token) -> tuple[str | ast.Template, str | ast.Template]:
    """A string token's value: its plain text and its text as a LIKE pattern."""
    # _read_string makes every string token
    return cast("tuple[str | ast.Template, str | ast.Template]", token.value)


def _escape(text: str, i: int) -> tuple[str, str]:
    nxt = text[i + 1 : i + 2]
    if nxt and nxt in _ESCAPES:
        return _ESCAPES[nxt]
    raise error(text, i, f"unknown escape \\{nxt} in a string (use \\' \\\\ \\n \\r \\t \\% \\_)")


def error(text: str, pos: int, message: str) -> FilterError:
    return FilterError(f"{message} at column {pos + 1} of the filter: {text}", column=pos + 1)
