"""Salesforce record ids: 15 case-sensitive characters plus a 3-character checksum."""

from __future__ import annotations

import re

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}([A-Z0-5]{3})?$")
POD = "5g"  # the two "instance" characters after the key prefix


def _base62(n: int, width: int) -> str:
    digits = []
    for _ in range(width):
        n, r = divmod(n, 62)
        digits.append(_BASE62[r])
    return "".join(reversed(digits))


def checksum(id15: str) -> str:
    """The 3-character suffix: one letter per 5-character chunk, from which
    characters are upper case (bit i set when chunk[i] is A-Z)."""
    out = []
    for start in (0, 5, 10):
        chunk = id15[start : start + 5]
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        out.append(_SUFFIX[bits])
    return "".join(out)


def make_id(key_prefix: str, sequence: int) -> str:
    """The 18-character id of the `sequence`-th record of an object."""
    id15 = f"{key_prefix}{POD}0{_base62(sequence, 9)}"
    return id15 + checksum(id15)


def normalize_id(value: str | None) -> str | None:
    """The 18-character form of a 15- or 18-character id, or None if malformed."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        return None
    id15 = value[:15]
    full = id15 + checksum(id15)
    if len(value) == 18 and value[15:].upper() != full[15:]:
        return None
    return full


def session_id(org_id: str, token: str) -> str:
    """An access token in Salesforce's `00D…!AQ…` shape."""
    return f"{org_id[:15]}!AQ{token}"
