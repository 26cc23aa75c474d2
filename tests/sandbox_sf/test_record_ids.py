"""Record id checksums: the 3-character suffix Salesforce derives from the 15-character id
(one letter per 5-character chunk, bit i set when character i is upper case)."""

from __future__ import annotations

import random

from crmlink.sandbox.salesforce.models.ids import checksum, make_id, normalize_id

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _reference(id15: str) -> str:
    out = ""
    for start in (0, 5, 10):
        chunk = id15[start : start + 5]
        out += _SUFFIX[sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")]
    return out


def _base62(n: int, width: int) -> str:
    out = ""
    for _ in range(width):
        n, r = divmod(n, 62)
        out = _CHARS[r] + out
    return out


def test_known_salesforce_ids():
    assert normalize_id("001D000000IqhSL") == "001D000000IqhSLIAZ"
    assert normalize_id("001D000000IqhSLIAZ") == "001D000000IqhSLIAZ"
    assert normalize_id("001D000000IqhSLIAA") is None  # wrong suffix
    assert make_id("003", 1) == "0035g0000000001AAA"
    assert make_id("003", 62**9 - 1) == "0035g0zzzzzzzzz" + _reference("0035g0zzzzzzzzz")


def test_checksum_is_the_upper_case_bits_of_each_chunk():
    rng = random.Random(5)
    for _ in range(5000):
        id15 = "".join(rng.choice(_CHARS) for _ in range(15))
        assert checksum(id15) == _reference(id15), id15
    for id15 in ("AAAAAAAAAAAAAAA", "zzzzzzzzzzzzzzz", "Z0000Z0000Z0000", "0000A0000A0000A"):
        assert checksum(id15) == _reference(id15), id15


def test_make_id_counts_in_base62():
    rng = random.Random(9)
    for n in [
        0,
        1,
        61,
        62,
        3843,
        3844,
        62**8,
        62**9 - 1,
        *(rng.randrange(62**9) for _ in range(3000)),
    ]:
        id15 = "0035g0" + _base62(n, 9)
        assert make_id("003", n) == id15 + _reference(id15), n
