"""The SOQL tokenizer: turns query text into a list of `Token`s (kind, text, value, pos)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors_fmt import malformed

IDENT, STRING, NUMBER, DATE, DATETIME, OP, PUNCT, EOF = (
    "IDENT",
    "STRING",
    "NUMBER",
    "DATE",
    "DATETIME",
    "OP",
    "PUNCT",
    "EOF",
)

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\w:])
  | (?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))(?![A-Za-z_])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),.:])
  | (?P<quote>')
    """,
    re.VERBOSE,
)

# SOQL escapes: value text, and the same character inside a LIKE pattern (ESCAPE '\').
_ESCAPES = {
    "'": ("'", "'"),
    '"': ('"', '"'),
    "\\": ("\\", "\\\\"),
    "n": ("\n", "\n"),
    "t": ("\t", "\t"),
    "r": ("\r", "\r"),
    "b": ("\b", "\b"),
    "f": ("\f", "\f"),
    "_": ("_", "\\_"),
    "%": ("%", "\\%"),
}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int
    value: tuple[str, str] | None = None  # STRING: (value, like pattern)

    def is_kw(self, *words: str) -> bool:
        return self.kind == IDENT and self.text.upper() in words


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise malformed(text, pos, f"unexpected token: '{text[pos]}'")
        kind = m.lastgroup
        if kind is None:  # every alternative of _TOKEN_RE is a named group
            raise AttributeError("'NoneType' object has no attribute 'upper'")
        if kind == "quote":
            token, pos = _read_string(text, pos)
            tokens.append(token)
            continue
        if kind != "ws":
            tokens.append(Token(kind.upper(), m.group(), pos))
        pos = m.end()
    tokens.append(Token(EOF, "<EOF>", len(text)))
    return tokens


def _read_string(text: str, start: int) -> tuple[Token, int]:
    """Read a quoted literal starting at `start` (the opening quote)."""
    value: list[str] = []
    like: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == "'":
            token = Token(STRING, text[start : i + 1], start, ("".join(value), "".join(like)))
            return token, i + 1
        if c == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt not in _ESCAPES:
                raise malformed(
                    text,
                    i,
                    f"Invalid string literal '{text[start:]}'. Illegal "
                    "character sequence '\\" + nxt + "' in string literal.",
                )
            v, lk = _ESCAPES[nxt]
            value.append(v)
            like.append(lk)
            i += 2
            continue
        value.append(c)
        like.append(c)
        i += 1
    raise malformed(text, start, "unexpected token: '" + text[start:] + "'")
