"""Salesforce record ids: 15 case-sensitive characters plus a 3-character checksum."""

from __future__ import annotations

import re

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}([A-Z0-5]{3})?$")
POD = "5g"  # the two "instance" characters after the key prefix


_PAIRS = [a + b for a in _BASE62 for b in _BASE62]  # two digits at a time: half the steps


def _base62(n: int, width: int) -> str:
    digits = []
    for _ in range(width // 2):
        n, r = divmod(n, 62 * 62)
        digits.append(_PAIRS[r])
    if width % 2:
        digits.append(_BASE62[n % 62])
    return "".join(reversed(digits))


class _UpperBits(dict):
    """str.translate table: '1' for A-Z, '0' for any other character."""

    def __missing__(self, key: int) -> str:
        return "0"


_UPPER = _UpperBits({ord(ch): "1" for ch in _BASE62[10:36]})


def checksum(id15: str) -> str:
    """The 3-character suffix: one letter per 5-character chunk, from which
    characters are upper case (bit i set when chunk[i] is A-Z)."""
    bits = id15[:15].ljust(15, "0").translate(_UPPER)  # '1' per upper-case character
    # a chunk's first character is its lowest bit: each chunk read backwards, in base 2
    first, second, third = bits[4::-1], bits[9:4:-1], bits[:9:-1]
    return _SUFFIX[int(first, 2)] + _SUFFIX[int(second, 2)] + _SUFFIX[int(third, 2)]


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
