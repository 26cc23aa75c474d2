"""Composite references: `@{refId.field}`, `@{refId.records[0].Id}` resolved from the bodies
of earlier subrequests (a JSON path: `.name` into an object, `[n]` into a list).

A reference that finds no value (an unknown or failed subrequest, a missing key, an index
past the end) raises `UnresolvedReference`; a null value is a value (API 52.0 and later).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
# In a URL, clients may percent-encode the reference's braces (and its @): aiosalesforce
# sends `/sobjects/Contact/@%7BnewContact.id%7D`, which Salesforce resolves as well.
URL_REFERENCE = re.compile(
    r"(?:@|%40)(?:\{|%7[Bb])([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\]|%5[Bb]\d+%5[Dd])*)(?:\}|%7[Dd])"
)
_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
_MISSING = object()


class UnresolvedReference(Exception):
    def __init__(self, ref: str, path: str) -> None:
        super().__init__(f"{ref}{path}")
        self.ref, self.path = ref, path


def lookup(bodies: Mapping[str, Any], ref: str, path: str) -> Any:
    """The value at `path` in the body of subrequest `ref`."""
    value = bodies.get(ref, _MISSING)
    for name, index in _STEP.findall(path):
        value = _step(value, name, index)
    if value is _MISSING:
        raise UnresolvedReference(ref, path)
    return value


def _step(value: Any, name: str, index: str) -> Any:
    if name and isinstance(value, dict):
        return value.get(name, _MISSING)
    if index and isinstance(value, list) and int(index) < len(value):
        return value[int(index)]
    return _MISSING


def resolve_url(url: str, bodies: Mapping[str, Any]) -> str:
    """`url` with each reference replaced by its value, percent-encoded (a value from an
    earlier answer never changes the URL's structure)."""
    return URL_REFERENCE.sub(
        lambda m: quote(_text(lookup(bodies, m[1], _unbracket(m[2]))), safe=""), url
    )


def _unbracket(path: str) -> str:
    return re.sub(r"%5[Bb](\d+)%5[Dd]", r"[\1]", path)


def resolve_body(body: Any, bodies: Mapping[str, Any]) -> Any:
    """`body` with references resolved in every string; a string that is one reference
    takes the value itself (a number stays a number)."""
    if isinstance(body, dict):
        return {k: resolve_body(v, bodies) for k, v in body.items()}
    if isinstance(body, list):
        return [resolve_body(v, bodies) for v in body]
    if not isinstance(body, str):
        return body
    whole = REFERENCE.fullmatch(body)
    if whole:
        return lookup(bodies, whole[1], whole[2])
    return _substitute(body, bodies, _text)


def _substitute(text: str, bodies: Mapping[str, Any], render: Callable[[Any], str]) -> str:
    return REFERENCE.sub(lambda m: render(lookup(bodies, m[1], m[2])), text)


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
