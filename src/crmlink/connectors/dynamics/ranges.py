"""Concurrent reads split by primary-id range.

A read without an order of its own is answered in primary-id order (the paging cookie
is `<contactid last=… first=…>`). Its first page says whether there is more; if so, the
highest id is asked for (`$orderby=<id> desc&$top=1`), the span between the first page's
last id and it is cut at points interpolated between them, and each range is read as its
own `nextLink` chain, several at once, handed over in range order.

Which order? SQL Server compares uniqueidentifiers by byte groups, last group first
(`SqlGuid`: bytes 10–15, 8–9, 6–7, 4–5, 0–3 of the little-endian form); the sandbox
compares the lower-case text. Correctness needs neither: ranges are `> last` and `< p1`,
`≥ p1` and `< p2`, …, `≥ pn` (open above), compared by the server, so every row is in
exactly one range whatever the order. Balance needs the server's order, so it is read off
the first page: its ids are ascending in the server's order, and 5,000 ids are ascending
in both orders only by a near impossible chance. A page ascending in neither is not split.
"""

from __future__ import annotations

import functools
import math
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crmlink.connectors.batches import Batches
from crmlink.connectors.dynamics import values
from crmlink.connectors.dynamics.pages import decode
from crmlink.connectors.parallel import ordered
from crmlink.files import MiB
from crmlink.filters import ast

if TYPE_CHECKING:
    from crmlink.connectors.dynamics.read import Reader, ReadPlan

# Ranges read at once (service protection allows 52 requests per user). On a fast link
# the server's own work bounds a read, and more streams only hold more pages in memory;
# on a slow one each stream is capped by its round trips and bandwidth, which parallel
# streams add up (the sandbox's WAN profile: 49 s for 200,000 rows on one chain, 15 s
# on 6, 12 s on 12). Memory is about one page's bytes per stream (at most AHEAD_BYTES).
FAST_STREAMS = 4
SLOW_STREAMS = 10
SLOW_LINK = 0.05  # seconds the one-row call for the highest id took, from which a link is slow
RANGE_FILL = 0.9  # a range is sized for this share of a page: most take one call
MAX_RANGES = 1000
# Bytes of range pages downloaded ahead of their turn: fewer ranges at once than `streams`
# when pages are big (wide rows), so memory stays bounded whatever a row weighs
AHEAD_BYTES = 32 * MiB

# SqlGuid's comparison order of the bytes of Guid.ToByteArray() (= uuid's bytes_le)
_SQL_ORDER = (10, 11, 12, 13, 14, 15, 8, 9, 6, 7, 4, 5, 0, 1, 2, 3)


@dataclass(frozen=True)
class GuidOrder:
    """A total order of GUIDs as an integer key, and the GUID of a key."""

    name: str
    key: Callable[[str], int]
    guid: Callable[[int], str]


def _sql_key(text: str) -> int:
    raw = uuid.UUID(text).bytes_le
    return int.from_bytes(bytes(raw[i] for i in _SQL_ORDER), "big")


def _sql_guid(key: int) -> str:
    ordered = key.to_bytes(16, "big")
    raw = bytearray(16)
    for position, index in enumerate(_SQL_ORDER):
        raw[index] = ordered[position]
    return str(uuid.UUID(bytes_le=bytes(raw)))


SQL_SERVER = GuidOrder("uniqueidentifier", _sql_key, _sql_guid)
TEXT = GuidOrder("text", lambda text: uuid.UUID(text).int, lambda key: str(uuid.UUID(int=key)))


def server_order(ids: Sequence[object]) -> GuidOrder | None:
    """The order in which `ids` (a page, in the server's order) ascend; SQL Server's
    when both do (a page too short to tell), None when neither does (or not GUIDs)."""
    for order in (SQL_SERVER, TEXT):
        try:
            keys = [order.key(str(i)) for i in ids]
        except ValueError:
            return None
        if all(a < b for a, b in zip(keys, keys[1:], strict=False)):
            return order
    return None


def split_points(low: str, high: str, parts: int, order: GuidOrder) -> list[str]:
    """Up to `parts - 1` GUIDs strictly between `low` and `high`, ascending in `order`."""
    first, last = order.key(low), order.key(high)
    points = sorted({first + (last - first) * i // parts for i in range(1, parts)})
    return [order.guid(p) for p in points if first < p < last]


def estimate(low: str, last: str, high: str, rows: int, order: GuidOrder) -> int:
    """Rows after `last` up to `high`, if ids are spread as evenly as the first page's
    `rows` (from `low` to `last`) are: a guess that only sizes the ranges."""
    a, b, c = order.key(low), order.key(last), order.key(high)
    return 0 if b <= a else rows * (c - b) // (b - a)


def conditions(key: str, after: str, points: list[str]) -> list[ast.Expr]:
    """One condition per range of the rows after `after`: `> after and < p1`,
    `>= p1 and < p2`, …, `>= pn` (open above: rows created meanwhile belong to it)."""
    found: list[ast.Expr] = []
    lower = ast.Comparison(key, ast.Op.GT, ast.String(after))
    for point in points:
        upper = ast.Comparison(key, ast.Op.LT, ast.String(point))
        found.append(ast.And((lower, upper)))
        lower = ast.Comparison(key, ast.Op.GE, ast.String(point))
    found.append(lower)
    return found


@dataclass
class RangePlan:
    """How a split read went (the run log's `read plan:` line)."""

    reason: str
    ranges: int = 1
    calls: int = 0
    api: str = "odata-ranges"

    def text(self) -> str:
        return f"{self.api}: {self.reason} ({self.calls} API call{'s' if self.calls != 1 else ''})"


class RangeReader:
    """A read without an order of its own: the first page, then (if there is more) the
    rest as id ranges of most of a page each, `streams` of them at once, in order.

    Each range's first page is one call of `connectors/parallel.ordered`, kept as the
    bytes it came in (a third of its parsed size) until its turn: then it is parsed and
    converted here, in the consumer's thread, and a range of more than one page follows
    its chain, the next page downloading while one is converted. So the download threads
    hardly hold the GIL, and what waits is bounded in bytes: at most `streams` bodies,
    fewer when a page is big (`AHEAD_BYTES`). A range that fails (after the HTTP layer's
    retries) is raised at its turn: every row before it has been handed over once, none
    after it. `streams`: how many at once (None: by the link, `FAST_STREAMS` or
    `SLOW_STREAMS`)."""

    def __init__(self, reader: Reader, streams: int | None = None) -> None:
        self.reader, self.streams = reader, streams
        self.range_rows = max(1, int(reader.page_size * RANGE_FILL))

    def rows(
        self,
        read: ReadPlan,
        extra: ast.Expr | None,
        page: values.PageReader,
        counted: Batches | None = None,
    ) -> Iterator[list[dict]]:
        entity_set, key = read.entity.entity_set, read.entity.table.key_field
        before = self.reader.http.calls
        first = self.reader.first(entity_set, read.params(extra), counted)
        records = first.body.get("value") or []
        ids = [record.get(key) for record in records]
        order = server_order(ids) if first.body.get("@odata.nextLink") and ids else None
        started = time.monotonic()
        high = self._highest(read, extra) if order is not None else None
        round_trip = time.monotonic() - started
        if order is None or high is None:  # one page, or an order it cannot tell: one chain
            chain, records = self.reader.follow(first, page), []
            del first  # the chain's first page: let go with its batch, not held to the end
            yield from chain
            return
        yield page(records, nul_free=first.nul_free)
        records, size = [], first.size
        del first  # its records: the generator keeps its locals while it waits
        guess = estimate(ids[0], ids[-1], high, len(ids), order)
        parts = max(1, min(MAX_RANGES, math.ceil(guess / self.range_rows)))
        bounds = conditions(key, ids[-1], split_points(ids[-1], high, parts, order))
        slow = round_trip >= SLOW_LINK
        streams = self.streams or (SLOW_STREAMS if slow else FAST_STREAMS)
        streams = max(1, min(streams, AHEAD_BYTES // max(1, size)))
        link = f"{'slow' if slow else 'fast'} link ({round_trip * 1000:.0f} ms a call)"
        plan = RangePlan(
            f"more than one page (about {guess + len(ids):,} rows by the ids' spread), "
            f"{link}: {len(bounds)} id ranges ({order.name} order), {streams} at once",
            len(bounds),
        )
        self.reader.last_plan = plan
        params = (read.params(ast.conjoin(extra, b)) for b in bounds)
        calls = (functools.partial(self._download, entity_set, p) for p in params)
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="crmlink-next-page") as ahead:
                for raw in ordered(calls, streams):
                    if isinstance(raw, BaseException):
                        raise raw
                    body, nul_free = decode(raw)
                    raw = b""
                    yield from self._chain(body, nul_free, page, ahead)
        finally:
            plan.calls = self.reader.http.calls - before

    def _highest(self, read: ReadPlan, extra: ast.Expr | None) -> str | None:
        """The read's highest id in the server's order, or None (no rows any more)."""
        key = read.entity.table.key_field
        params = {**read.params(extra), "$select": key, "$orderby": f"{key} desc", "$top": "1"}
        found = self.reader.http.json("GET", read.entity.entity_set, params=params)
        value = (found.get("value") or [{}])[0].get(key)
        return str(value) if value else None

    def _download(self, entity_set: str, params: dict) -> bytes | BaseException:
        """A range's first page (in a worker thread); its error as the value, so that it
        is raised at the range's turn and no later range is handed over."""
        try:
            return self.reader.download(entity_set, params)
        except Exception as exc:
            return exc

    def _chain(
        self, body: dict, nul_free: bool, page: values.PageReader, ahead: ThreadPoolExecutor
    ) -> Iterator[list[dict]]:
        """A range's batches: its first page (`body`), then its nextLink chain, each next
        page downloading (in `ahead`) while the one before is converted."""
        while True:
            next_url = body.get("@odata.nextLink")
            coming = ahead.submit(self.reader.download, next_url) if next_url else None
            records, body = body.get("value") or [], {}
            if records:
                batch, records = page(records, nul_free=nul_free), []
                yield batch
                del batch
            if coming is None:
                return
            body, nul_free = decode(coming.result())
