"""A page of a Web API query as it came (`Page`) and how its bytes are parsed (`decode`):
shared by the one-chain reads (`read.py`) and the id-range reads (`ranges.py`), which
keep a range's page as bytes until its turn."""

from __future__ import annotations

import json
from typing import NamedTuple

from crmlink.connectors import json_text


class Page(NamedTuple):
    """A page of a query: its JSON object, whether no string in it holds a NUL, and the
    bytes it came in."""

    body: dict
    nul_free: bool
    size: int


def decode(raw: bytes) -> tuple[dict, bool]:
    """A page's JSON object, and whether no string of it holds a NUL: a JSON string can
    carry one only as the escape `\\u0000` (the parser refuses a raw control character),
    so one search of UTF-8 bytes tells (a false alarm at worst: an escaped backslash).
    Fractions are Decimals of their text (`json_text`: a money value of 19 digits is not
    rounded to a float's); `values` makes floats of them for fields not decimal."""
    body = json_text.loads(raw, decimals=True)
    if not isinstance(body, dict):
        raise ValueError(f"a Web API page is a JSON object, not {type(body).__name__}")
    return body, json.detect_encoding(raw) == "utf-8" and b"\\u0000" not in raw
