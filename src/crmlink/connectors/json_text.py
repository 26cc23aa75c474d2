"""CRM answers' JSON parsed by msgspec (twice the standard library's speed or more on a
Web API page of 5,000 records), with the standard library's meaning kept exactly.

msgspec refuses some texts that `json.loads` takes: `NaN` and `Infinity`, numbers out
of a float's range (`1e400`), escaped lone surrogates (`"\\ud800"`), a UTF-8 BOM, UTF-16
or UTF-32 bytes. Such a text goes to `json.loads`, which gives what it always gave, or
its own error. What msgspec does take it reads as `json.loads` does, integers of any
size included (orjson, as fast, turns an integer beyond 64 bits into a float: a value
changed, not refused). `tests/connectors/test_json_text.py` holds the two to it.

`decimals=True` (a page of records): a number with a fraction or an exponent is a
`Decimal` of its very text, as `json.loads(raw, parse_float=Decimal)` gives it, so a
currency of 18 digits is read as sent, not rounded to a float's 15–17 digits; the
readers turn it into a float for any field that is not a decimal one.

`dumps` is the way back: a request body as httpx would send it (`json.dumps`, compact,
UTF-8, `allow_nan=False`), except that a `Decimal` is written as the number it is, every
digit kept (`json.dumps` refuses a Decimal, and a float would round it).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import msgspec

_DECODER = msgspec.json.Decoder()
_DECIMAL_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_ENCODER = msgspec.json.Encoder(decimal_format="number")
_SCALARS = (str, int, type(None))  # bool is an int
_KEYS = (str, int, float, type(None))  # what json.dumps takes as a key


def loads(raw: bytes | str, decimals: bool = False) -> Any:
    """The JSON value of `raw`, as `json.loads(raw)` gives it (with `decimals`:
    `json.loads(raw, parse_float=Decimal)`)."""
    try:
        return (_DECIMAL_DECODER if decimals else _DECODER).decode(raw)
    except msgspec.DecodeError:
        return json.loads(raw, parse_float=Decimal) if decimals else json.loads(raw)


def dumps(value: Any) -> bytes:
    """`value` as a JSON body: what `json.dumps(value, ensure_ascii=False,
    separators=(",", ":"), allow_nan=False)` means, or its error (ValueError for NaN and
    infinities, TypeError for a value JSON has no form for), and a Decimal as its number."""
    _check(value)
    return _ENCODER.encode(value)


def _check(value: Any) -> None:
    """Refuse what `json.dumps` refuses and msgspec would write anyway: a NaN or infinite
    float (msgspec writes null, a value changed) and any type but JSON's own and Decimal
    (msgspec writes datetimes, bytes, sets...; a body holding one is a bug upstream)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, _KEYS):
                    raise TypeError(f"keys must be str, int, float, bool or None, not {key!r}")
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            _check_scalar(item)


def _check_scalar(item: Any) -> None:
    if isinstance(item, _SCALARS):
        return
    if isinstance(item, float | Decimal):
        if math.isfinite(item) if isinstance(item, float) else item.is_finite():
            return
        raise ValueError(f"Out of range float values are not JSON compliant: {item!r}")
    raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")
