"""`json_text.loads` gives exactly what `json.loads` gives, value, type and key order
(or the same error), for the texts msgspec reads and for those it leaves to the
standard library, and with `decimals=True` what `json.loads(parse_float=Decimal)`
gives; and a CRM page is read by msgspec, not by `json.loads`."""

from __future__ import annotations

import functools
import json
import random
from decimal import Decimal

import pytest

from crmlink.connectors import json_text
from crmlink.connectors.dynamics import pages

EDGES = [
    b'{"a": 1, "a": 2}',  # the last of a repeated key
    b"1e400",  # out of a float's range: inf (msgspec refuses it)
    b"-1E+400",
    b"1e-99999",
    b"-0.0",
    b"4.9e-324",
    b"2.2250738585072009e-308",
    b"1.00000000000000011102230246251565404236316680908203125",  # a tie: to even
    b"0.30000000000000004",
    b"9007199254740993",
    b"18446744073709551615",
    b"18446744073709551616",  # beyond 64 bits: an int (orjson makes it a float)
    b"-9223372036854775809",
    b"123456789012345678901234567890",
    b"1" * 4300,
    b"1" * 4301,  # over Python's digit limit: json's ValueError
    b"1" * 400 + b".0",
    b'"\\ud800"',  # an escaped lone surrogate
    b'"\\udc00\\ud800"',
    b'"\\ud83d\\ude00"',
    b'"\xed\xa0\x80"',
    b'"\\u0000"',
    b'"\xff"',  # not UTF-8: json's UnicodeDecodeError
    b"NaN",
    b"[Infinity, -Infinity]",
    b'\xef\xbb\xbf{"a": 1}',  # a UTF-8 BOM
    '{"a": "é"}'.encode("utf-16"),
    '{"a": "é"}'.encode("utf-32"),
    '{"a": "é"}'.encode("utf-16-be"),
    b"[" * 500 + b"]" * 500,
    b"[" * 3000 + b"]" * 3000,  # json's RecursionError
    b"[1,]",
    b'{"a": 1}x',
    b"",
    b" \t\r\n",
    b'"\t"',  # a raw control character
    b"01",
    b"1.",
    b".5",
    b"+1",
    b'"\\x"',
    b"{1: 2}",
    b"\x0c[]",
    b"[]\x00",
    '"é"',
    "\ufeff{}",
]


def outcome(parse, text) -> tuple[str, str]:
    """What a parser makes of `text`: its value's repr (which shows types, key order,
    -0.0 and nan), or its error's type."""
    try:
        return "value", repr(parse(text))
    except RecursionError:
        return "error", "RecursionError"
    except Exception as exc:  # the same class of error is the contract
        return "error", type(exc).__name__


@pytest.mark.parametrize("text", EDGES, ids=range(len(EDGES)))
def test_an_edge_text_reads_as_json_loads_reads_it(text):
    assert outcome(json_text.loads, text) == outcome(json.loads, text)
    exact = functools.partial(json_text.loads, decimals=True)
    assert outcome(exact, text) == outcome(functools.partial(json.loads, parse_float=Decimal), text)


def _number(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
    digits = digits.lstrip("0") or "0"
    sign = rng.choice(["", "-"])
    fraction = rng.choice(["", "." + "".join(rng.choice("0123456789") for _ in range(9))])
    exponent = rng.choice(["", "", f"e{rng.randint(-330, 330)}", f"E+{rng.randint(0, 20)}"])
    return sign + digits + fraction + exponent


def _string(rng: random.Random) -> str:
    pieces = []
    for _ in range(rng.randint(0, 8)):
        kind = rng.randrange(6)
        if kind == 0:
            pieces.append(chr(rng.randint(0x20, 0x7E)).replace("\\", "\\\\").replace('"', '\\"'))
        elif kind == 1:
            pieces.append(chr(rng.choice([0xE9, 0x4E2D, 0x1F600, 0x10FFFF])))
        elif kind == 2:
            pieces.append(rng.choice(["\\n", "\\t", "\\/", '\\"', "\\\\", "\\b", "\\f", "\\r"]))
        else:  # \\u escapes, surrogates (paired or not) among them
            pieces.append(f"\\u{rng.choice([0, 0x41, 0xE9, 0xD83D, 0xDE00, 0xDC00, 0xFFFF]):04x}")
    return '"' + "".join(pieces) + '"'


def _value(rng: random.Random, depth: int) -> str:
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return _number(rng)
    if kind == 1:
        return _string(rng)
    if kind == 2:
        return rng.choice(["true", "false", "null"])
    if kind == 3:
        return str(rng.randint(-(2**70), 2**70))
    if kind == 4:
        return repr(rng.uniform(-1e6, 1e6))
    if kind in (5, 6):
        keys = [_string(rng) for _ in range(rng.randint(0, 5))]
        keys += rng.sample(keys, k=min(len(keys), rng.randint(0, 1)))  # a repeat now and then
        return "{" + ", ".join(f"{k}: {_value(rng, depth + 1)}" for k in keys) + "}"
    return "[" + ",".join(_value(rng, depth + 1) for _ in range(rng.randint(0, 5))) + "]"


def test_random_documents_read_as_json_loads_reads_them():
    rng = random.Random(20261203)
    exact = functools.partial(json_text.loads, decimals=True)
    decimal_json = functools.partial(json.loads, parse_float=Decimal)
    differ = []
    for _ in range(3000):
        text = _value(rng, 0).encode("utf-8", "surrogatepass")
        if outcome(json_text.loads, text) != outcome(json.loads, text):
            differ.append(text)
        if outcome(exact, text) != outcome(decimal_json, text):
            differ.append(text)
    assert differ == []


def test_a_web_api_page_is_parsed_without_json_loads(monkeypatch):
    """The speed-up itself: a page that msgspec reads never reaches `json.loads`."""
    records = [{"contactid": f"{n:08d}-0000-0000-0000-000000000000", "creditlimit": n / 7}
               for n in range(50)]  # fmt: skip
    raw = json.dumps({"value": records, "@odata.nextLink": "https://x/next"}).encode()
    expected = json.loads(raw, parse_float=Decimal)["value"]  # fractions as Decimals

    def refuse(*args, **kwargs):
        raise AssertionError("json.loads was called")

    monkeypatch.setattr(json, "loads", refuse)
    body, nul_free = pages.decode(raw)
    assert body["value"] == expected and body["@odata.nextLink"] == "https://x/next"
    assert nul_free is True


def _httpx_body(value) -> bytes:
    """What httpx sends for `json=value` (`httpx._content.encode_json`)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def test_a_body_means_what_httpx_would_send_or_fails_as_it_would():
    """`dumps` of any value `json.loads` makes (lone surrogates, infinities among them):
    the same JSON value as httpx's body, or the same class of error."""
    rng = random.Random(20261204)
    differ = []
    for _ in range(3000):
        text = _value(rng, 0).encode("utf-8", "surrogatepass")
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            continue
        ours = outcome(lambda v: json.loads(json_text.dumps(v)), value)
        theirs = outcome(lambda v: json.loads(_httpx_body(v)), value)
        if ours != theirs:
            differ.append(text)
    assert differ == []


@pytest.mark.parametrize(
    "value",
    [float("nan"), [1, float("-inf")], {"a": {"b": float("inf")}}, {1, 2}, b"x", object()],
    ids=["nan", "-inf", "nested inf", "set", "bytes", "object"],
)
def test_a_body_json_dumps_refuses_is_refused(value):
    assert outcome(json_text.dumps, value) == outcome(_httpx_body, value)


def test_a_decimal_body_is_its_number():
    body = {"a": Decimal("1234567890123456.78"), "b": [Decimal("1.5E+8"), Decimal("-0.10")]}
    assert json_text.dumps(body) == b'{"a":1234567890123456.78,"b":[1.5E+8,-0.10]}'
    with pytest.raises(ValueError):
        json_text.dumps({"a": Decimal("NaN")})
