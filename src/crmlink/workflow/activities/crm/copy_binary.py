"""Which columns PostgreSQL's binary COPY may take as they are, decided per batch.

    oids = column_oids(cursor, '"wk_1_read_ok"', names)   # once: each column's type oid
    if binary_ok(oids, columns):                            # per batch: whole-column checks
        ...  # COPY … FROM STDIN (FORMAT BINARY), copy.set_types(oids)

In binary format psycopg writes each value by the column's own binary dumper: no text is
made and escaped on the client, and none parsed on the server (about a sixth of the text
format's client CPU). But a binary dumper trusts its value: an `int` beyond an `int4`
column's range is written truncated, not refused, and a value of another type fails
client-side, inside the COPY, which aborts the whole transaction. So a batch goes binary
only when every column holds exactly the Python type its column's dumper takes, integers
within their column's range and datetimes aware (or naive) as their column is; anything
else — another type, a column of a type not listed here — keeps the text format, where
PostgreSQL itself parses and refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

_NONE = type(None)


def _in(low: int, high: int) -> Callable[[Sequence[Any]], bool]:
    def check(values: Sequence[Any]) -> bool:
        present = [v for v in values if v is not None] if None in values else values
        return not present or (low <= min(present) and max(present) <= high)

    return check


def _zoned(aware: bool) -> Callable[[Sequence[Any]], bool]:
    def check(values: Sequence[Any]) -> bool:
        return all((v.tzinfo is not None) is aware for v in values if v is not None)

    return check


def _anything(values: Sequence[Any]) -> bool:
    return True


# type oid -> (the one Python type its binary dumper takes, a whole-column check)
KINDS: dict[int, tuple[type, Callable[[Sequence[Any]], bool]]] = {
    16: (bool, _anything),  # bool
    20: (int, _in(-(2**63), 2**63 - 1)),  # int8
    23: (int, _in(-(2**31), 2**31 - 1)),  # int4
    21: (int, _in(-(2**15), 2**15 - 1)),  # int2
    701: (float, _anything),  # float8
    1700: (Decimal, _anything),  # numeric
    25: (str, _anything),  # text
    1043: (str, _anything),  # varchar
    1082: (dt.date, _anything),  # date
    1114: (dt.datetime, _zoned(False)),  # timestamp
    1184: (dt.datetime, _zoned(True)),  # timestamptz
}


def column_oids(cursor: Any, qualified: str, names: Sequence[str]) -> list[int]:
    """The type oid of each named column of the table (`qualified`: its quoted name)."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [qualified],
    )
    oids = {name: int(oid) for name, oid in cursor.fetchall()}
    return [oids[name] for name in names]


def binary_ok(oids: Sequence[int], columns: Sequence[Sequence[Any]]) -> bool:
    """Whether every column can go in binary format as it is (see the module's doc)."""
    for oid, column in zip(oids, columns, strict=True):
        kind = KINDS.get(oid)
        if kind is None:
            return False
        kinds = set(map(type, column))
        kinds.discard(_NONE)
        if kinds and (kinds != {kind[0]} or not kind[1](column)):
            return False
    return True
