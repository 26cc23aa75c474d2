"""Concurrent REST reads split by Id range: the lowest and highest Id of the result set
(two one-row queries, at once), split points spread evenly between them, and each range
read as its own `query` + `nextRecordsUrl` chain, several at once, handed over in range
order.

Salesforce Ids compare exactly (not case-folded) in SOQL, and the 15 characters of an
Id are a key prefix and a base-62 number whose digits `0-9A-Za-z` sort as ASCII does, so
points between two Ids interpolated in base 62 are in the same order as the server's.
Ranges are `[b_i, b_i+1)` with the first open below and the last open above: every row
is in exactly one range, however the Ids are spread (uneven spreads only unbalance the
ranges). Bulk API 1.0's PK chunking splits the same way.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from crmlink.connectors import json_text
from crmlink.connectors.salesforce import pages, soql, values
from crmlink.connectors.salesforce.read import REST_BATCH, ReadPlan, RestReader
from crmlink.filters import ast

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 15


def number(record_id: str) -> int:
    """The first 15 characters of an Id as a base-62 number."""
    value = 0
    for char in record_id[:ID_LENGTH].ljust(ID_LENGTH, "0"):
        value = value * 62 + DIGITS.index(char)
    return value


def id_text(value: int) -> str:
    digits = []
    for _ in range(ID_LENGTH):
        value, digit = divmod(value, 62)
        digits.append(DIGITS[digit])
    return "".join(reversed(digits))


def split_points(low: str, high: str, parts: int) -> list[str]:
    """Up to `parts - 1` increasing 15-character Ids strictly between `low` and `high`."""
    first, last = number(low), number(high)
    points = sorted({first + (last - first) * i // parts for i in range(1, parts)})
    return [id_text(p) for p in points if first < p <= last]


def conditions(key: str, points: list[str]) -> list[ast.Expr | None]:
    """One condition per range: `< p1`, `>= p1 AND < p2`, …, `>= pn` (none for one range)."""
    bounds: list[str | None] = [None, *points, None]
    found: list[ast.Expr | None] = []
    for below, above in zip(bounds, bounds[1:], strict=False):
        parts = []
        if below is not None:
            parts.append(ast.Comparison(key, ast.Op.GE, ast.String(below)))
        if above is not None:
            parts.append(ast.Comparison(key, ast.Op.LT, ast.String(above)))
        found.append(ast.conjoin(*parts) if parts else None)
    return found


class RangeReader:
    """A read as Id ranges of about `fill` of a page each, `streams` of them downloading
    at once, handed over in order.

    A range ahead of the one being handed over is kept as the bytes its page came in (its
    JSON: a fraction of the dicts it decodes to) and decoded at its turn, so memory is
    `streams` raw pages and the page being handed over, whatever the row count (decoded
    pages held ahead made a 100,000-row read peak at 225 MB). Ranges hold less than a
    page so that an uneven spread of Ids rarely overflows one; a range that does follows
    its `nextRecordsUrl` chain at its turn."""

    def __init__(self, rest: RestReader, fill: float = 0.9) -> None:
        self.rest, self.fill = rest, fill

    def parts(self, count: int, streams: int) -> int:
        """How many ranges `count` rows are cut into."""
        return max(streams, math.ceil(count / (REST_BATCH * self.fill)))

    def ends(self, read: ReadPlan) -> tuple[str, str] | None:
        """(lowest, highest) Id of the read's rows, asked at once; None when empty."""
        key = read.table.key_field
        found = list(pages.ordered([self._end(read, key, False), self._end(read, key, True)], 2))
        ids = [batch[0][key] for batch in found if batch]
        return (ids[0], ids[1]) if len(ids) == 2 else None

    def _end(self, read: ReadPlan, key: str, descending: bool) -> pages.Source:
        text = soql.select(read.table.name, [key], read.conditions(), [(key, descending)], 1)
        convert = values.row_reader(read.table, [key])
        return lambda: self.rest.pages(read.endpoint, text, convert)

    def rows(self, read: ReadPlan, count: int, streams: int) -> Iterator[list[dict[str, Any]]]:
        ends = self.ends(read)
        if ends is None:
            return
        points = split_points(ends[0], ends[1], self.parts(count, streams))
        texts = (read.soql(c) for c in conditions(read.table.key_field, points))
        convert = values.row_reader(read.table, read.fields)
        ahead: deque[Future[bytes]] = deque()
        with ThreadPoolExecutor(streams, "crmlink-rest-range") as pool:
            try:
                while True:
                    while len(ahead) < streams and (text := next(texts, None)) is not None:
                        ahead.append(pool.submit(self.rest.first_raw, read.endpoint, text))
                    if not ahead:
                        return
                    body = json_text.loads(ahead.popleft().result(), decimals=True)
                    yield from self.rest.following(body, convert)
            finally:  # nothing new is asked of the pool here (see bulk_ranges.py)
                for left in ahead:
                    left.cancel()
