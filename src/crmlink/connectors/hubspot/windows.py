"""Windowed search: every record a filter matches, in (hs_lastmodifieddate, id) order,
although HubSpot's search stops at 10,000 results per query (past that it answers 400) —
the most common HubSpot sync bug is to page one query and silently miss the rest.

A read is a chain of queries, each starting from the last position it emitted:

- a *sweep* `modified > T` (`>= T` from a cursor without id; no bound from the start),
  sorted by modified ascending, 200 a page. Rows of one stamp come in no known order, so
  each page's last stamp group is held back until a later page shows a later stamp; the
  groups before it are emitted sorted by id. Before the next page's offset would pass
  10,000, the sweep restarts as `modified > (last emitted stamp)`: the held group is read
  again, nothing is skipped.
- a *tie* query `modified = T and id > K`, sorted by id, for the rest of one stamp: a
  cursor `(T, K)` starts with it, and a sweep switches to it when one stamp fills five
  pages (a batch write can give 25,000 records one stamp), or reaches the cap with a
  whole page of one stamp held. It pages by keyset (each page is
  a new query from the last id), so a stamp of any size is read completely.

Records modified during the read move to a later stamp (never an earlier one): they are
read again at their new place. Their leaving shifts the offsets of the rest of a sweep, so
each page after the first asks one record back (offset - 1) and checks that it is the
previous page's last; if not, the sweep restarts from its last emitted stamp.

The user's filter groups are AND-ed with the window's filters in every query
(`filter_groups.with_window`, under HubSpot's 6-per-group and 18-in-all limits).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field

from crmlink.connectors.hubspot.filter_groups import Group, with_window
from crmlink.errors import RemoteError

PAGE_SIZE = 200  # search's largest page
RESULT_CAP = 10_000  # search returns no result past this offset, whatever the filter
HELD_PAGES = 5  # a stamp group held over this many pages is read by id instead
Search = Callable[[dict], dict]  # posts one search body, returns HubSpot's answer
WINDOW = "the read's window (hs_lastmodifieddate, then hs_object_id within one stamp)"


@dataclass
class Stats:
    """What a windowed read cost: calls, queries (a new filter or sort) and restarts."""

    calls: int = 0
    queries: int = 0
    restarts: int = 0  # sweeps restarted before the cap or after a shift
    tie_queries: int = 0  # stamps read by keyset on the id
    totals: list[int] = field(default_factory=list)  # `total` of each query's first page


@dataclass
class WindowedSearch:
    search: Search
    groups: list[Group]  # the user's filter, normalised (no groups: every record)
    modified: str  # hs_lastmodifieddate
    key: str  # hs_object_id
    properties: list[str]
    page_size: int = PAGE_SIZE
    cap: int = RESULT_CAP
    stats: Stats = field(default_factory=Stats)
    _counted: list[str] = field(default_factory=list)  # queries whose `total` counts

    def pages(self, start: int | None = None, after_key: int | None = None) -> Iterator[list]:
        """Batches of raw records strictly after (start, after_key) in (modified, id) order;
        `after_key` None: every record at or after `start`; `start` None: every record."""
        tie_window = [_filter(self.modified, "EQ", 0), _filter(self.key, "GT", 0)]
        with_window(self.groups, tie_window, WINDOW)  # refused now, not after some pages
        if start is not None and after_key is not None:
            self._counted = ["ties", "sweep"]
            yield from self._ties(start, after_key)
            yield from self._sweep(self._after(start))
        else:
            self._counted = ["sweep"]
            yield from self._sweep(self._at_or_after(start) if start is not None else [])

    def total(self) -> int | None:
        """The matching records the first query (or first two, from a cursor) reported;
        None until they have answered."""
        if self._counted or not self.stats.totals:
            return None
        return sum(self.stats.totals)

    # -- the two kinds of query -------------------------------------------------------------
    def _sweep(self, window: Group) -> Iterator[list[dict]]:
        next_window: Group | None = window
        while next_window is not None:
            next_window = yield from self._one_sweep(next_window)

    def _one_sweep(self, window: Group) -> Generator[list[dict], None, Group | None]:
        """One sweep query; returns the window to continue with (None: the read is done)."""
        held: dict[str, dict] = {}  # the last stamp group of the pages so far, by id
        emitted: int | None = None  # the last stamp emitted in full
        offset, last_id = 0, ""
        sort = {"propertyName": self.modified, "direction": "ASCENDING"}
        while True:
            answer = self._post("sweep", window, sort, offset)
            page = list(answer.get("results") or [])
            fresh = page
            if offset:  # the page starts one record back: it must be the last one seen
                if not page or str(page[0].get("id")) != last_id:
                    return self._restart(emitted, window)  # a record left: the rest shifted
                fresh = page[1:]
            held.update((str(record.get("id")), record) for record in fresh)
            if not fresh or not (answer.get("paging") or {}).get("next"):
                if held:
                    yield self._in_order(held.values())
                return None
            last = max(self._stamp(r) for r in held.values())
            done = [r for r in held.values() if self._stamp(r) < last]
            held = {i: r for i, r in held.items() if self._stamp(r) == last}
            if done:
                yield self._in_order(done)
                emitted = max(self._stamp(r) for r in done)
            if len(held) >= self.page_size * HELD_PAGES:  # a big stamp: read it by id
                yield from self._ties(last, None)
                return self._after(last)
            offset, last_id = offset + len(page) - 1, str(page[-1].get("id"))
            if offset + self.page_size > self.cap:
                if len(held) >= self.page_size:  # read again either way: by id, at once
                    yield from self._ties(last, None)
                    return self._after(last)
                return self._restart(emitted, window)

    def _restart(self, emitted: int | None, window: Group) -> Group:
        self.stats.restarts += 1
        return window if emitted is None else self._after(emitted)

    def _ties(self, stamp: int, after_key: int | None) -> Iterator[list[dict]]:
        """Every record at `stamp` with an id above `after_key`, by id."""
        self.stats.tie_queries += 1
        yield from self._keyset("ties", [_filter(self.modified, "EQ", stamp)], after_key)

    def by_id(self) -> Iterator[list[dict]]:
        """Every record the filter matches in id order (an order by hs_object_id), by id
        keyset: no cap either."""
        with_window(self.groups, [_filter(self.key, "GT", 0)], WINDOW)
        self._counted = ["ids"]
        yield from self._keyset("ids", [], None)

    def _keyset(self, kind: str, fixed: Group, after_key: int | None) -> Iterator[list[dict]]:
        """Pages sorted by id, each a new query from the last id read (offset 0 always)."""
        sort = {"propertyName": self.key, "direction": "ASCENDING"}
        while True:
            window = [
                *fixed,
                *([_filter(self.key, "GT", after_key)] if after_key is not None else []),
            ]
            answer = self._post(kind, window, sort, 0)
            results = sorted(answer.get("results") or [], key=_id)
            if results:
                yield results
            if not (answer.get("paging") or {}).get("next") or not results:
                return
            after_key = _id(results[-1])

    # -- helpers ----------------------------------------------------------------------------
    def _post(self, kind: str, window: Group, sort: dict, offset: int) -> dict:
        body: dict = {"sorts": [sort], "properties": self.properties, "limit": self.page_size}
        groups = with_window(self.groups, window, WINDOW) if window else self._user_groups()
        if groups:
            body["filterGroups"] = groups
        if offset:
            body["after"] = str(offset)
        self.stats.calls += 1
        answer = self.search(body)
        if not isinstance(answer, dict):
            raise RemoteError("HubSpot's search answered something that is not a JSON object")
        if offset == 0:
            self.stats.queries += 1
            if self._counted and self._counted[0] == kind:
                self._counted.pop(0)
                if isinstance(answer.get("total"), int):
                    self.stats.totals.append(answer["total"])
        return answer

    def _user_groups(self) -> list[dict]:
        return [{"filters": list(group)} for group in self.groups]

    def _after(self, stamp: int) -> Group:
        return [_filter(self.modified, "GT", stamp)]

    def _at_or_after(self, stamp: int) -> Group:
        return [_filter(self.modified, "GTE", stamp)]

    def _stamp(self, record: dict) -> int:
        return stamp_ms((record.get("properties") or {}).get(self.modified), record)

    def _in_order(self, records: Iterable[dict]) -> list[dict]:
        return sorted(records, key=lambda r: (self._stamp(r), _id(r)))


def _filter(name: str, operator: str, value: int) -> dict:
    return {"propertyName": name, "operator": operator, "value": str(value)}


def _id(record: dict) -> int:
    text = str(record.get("id", ""))
    if not text.isdigit():
        raise RemoteError(f"HubSpot answered a record whose id is not a number: {text[:40]!r}")
    return int(text)


def stamp_ms(text: object, record: dict | None = None) -> int:
    """A modified stamp as epoch milliseconds, from HubSpot's ISO 8601 text (or ms digits)."""
    if isinstance(text, str) and text.isdigit():
        return int(text)
    if isinstance(text, str) and text:
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return (moment - _EPOCH) // dt.timedelta(milliseconds=1)
    shown = (record or {}).get("id", "?")
    raise RemoteError(f"HubSpot record {shown} has no readable modified stamp ({text!r})")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
