"""HubSpot reads against a fake account that keeps search's real limits (10,000 results per
query, 200 a page, one sort) and lists ties in no useful order: every record is read once,
in (hs_lastmodifieddate, id) order, whatever the stamps; the right endpoint per read."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from crmlink.connectors.batches import Batches
from crmlink.connectors.hubspot.describe import ObjectInfo
from crmlink.connectors.hubspot.read import Reader
from crmlink.connectors.hubspot.windows import HELD_PAGES
from crmlink.errors import FilterError, RemoteError, UsageError
from crmlink.filters import parse
from crmlink.model import FieldKind, OrderBy, ReadCursor, RemoteField, RemoteTable

K = FieldKind
MOD, KEY = "hs_lastmodifieddate", "hs_object_id"
TABLE = RemoteTable(
    "contacts",
    "Contacts",
    False,
    KEY,
    MOD,
    (
        RemoteField(KEY, "Record ID", "number", K.ID),
        RemoteField(MOD, "Last modified", "datetime", K.DATETIME),
        RemoteField("firstname", "First name", "string", K.STRING),
        RemoteField("score", "Score", "number", K.DECIMAL),
    ),
)
INFO = ObjectInfo(TABLE, "contacts")
FIELDS = [KEY, MOD, "firstname"]
T0 = 1_700_000_000_000  # epoch ms
CAP, PAGE = 10_000, 200


def iso(ms: int) -> str:
    moment = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class Refused(Exception):
    """What the fake answers where HubSpot answers 400."""


class FakeHubSpot:
    """Contacts as (id -> stamp, name); search, list and batch read as HubSpot pages them."""

    def __init__(self, stamps: list[int], archived: int = 0) -> None:
        self.records = {i + 1: [stamp, f"name{i + 1}"] for i, stamp in enumerate(stamps)}
        self.archived = {100_000 + i: [T0, f"gone{i}"] for i in range(archived)}
        self.calls: list[tuple[str, str, Any]] = []
        self.before_call: Callable[[FakeHubSpot], None] | None = None

    # -- the JsonApi the reader calls ----------------------------------------------------
    def json(self, method: str, url: str, idempotent: bool = True, **kwargs: Any) -> Any:
        if self.before_call is not None:
            self.before_call(self)
        self.calls.append((method, url, kwargs.get("json") or kwargs.get("params")))
        if url == "/crm/v3/objects/contacts/search":
            return self.search(kwargs["json"])
        if url == "/crm/v3/objects/contacts":
            return self.listed(kwargs["params"])
        if url == "/crm/v3/objects/contacts/batch/read":
            return self.batch_read(kwargs["json"], kwargs["params"])
        raise AssertionError(f"unexpected call {method} {url}")

    def searches(self) -> list[dict]:
        return [body for method, url, body in self.calls if url.endswith("/search")]

    def record(self, rid: int, source: dict | None = None) -> dict:
        stamp, name = (source or self.records)[rid]
        props = {KEY: str(rid), MOD: iso(stamp), "firstname": name}
        return {"id": str(rid), "properties": props, "archived": source is self.archived}

    def touch(self, rid: int, stamp: int) -> None:
        """A write during the read: the record moves to a later stamp."""
        self.records[rid][0] = stamp
        self._index = self._matched = None

    # -- search ---------------------------------------------------------------------------
    _index: tuple[list[tuple[int, int, int]], dict[int, list[int]]] | None = None
    _matched: tuple[str, set[int]] | None = None

    def index(self) -> tuple[list[tuple[int, int, int]], dict[int, list[int]]]:
        """(stamp, tie order, id) sorted: ties of a stamp in an order of their own, not by
        id; and each stamp's ids sorted."""
        if self._index is None:
            by_mod = sorted((s, (rid * 7919) % 10007, rid) for rid, (s, _) in self.records.items())
            by_stamp: dict[int, list[int]] = {}
            for stamp, _, rid in by_mod:
                by_stamp.setdefault(stamp, []).append(rid)
            self._index = by_mod, {stamp: sorted(ids) for stamp, ids in by_stamp.items()}
        return self._index

    def search(self, body: dict) -> dict:
        limit, after = body.get("limit", 10), int(body.get("after", 0))
        if limit > PAGE:
            raise Refused("limit above 200")
        if after >= CAP:
            raise Refused("past the 10,000-result cap")
        if len(body["sorts"]) != 1:
            raise Refused("one sort")
        groups = [g["filters"] for g in body.get("filterGroups") or []]
        if len(groups) > 5 or any(len(g) > 6 for g in groups) or sum(map(len, groups)) > 18:
            raise Refused("too many filters")
        window = [f for f in groups[0] if _windowing(f)] if groups else []
        assert all([f for f in g if _windowing(f)] == window for g in groups)
        user = [[f for f in g if f not in window] for g in groups]
        sort = body["sorts"][0]
        matching = self.candidates(sort["propertyName"], window)
        if any(user):
            allowed = self.user_matches(user)
            matching = [rid for rid in matching if rid in allowed]
        if sort["direction"] == "DESCENDING":
            matching.reverse()
        page = matching[after : min(after + limit, CAP)]
        result: dict = {"total": len(matching), "results": [self.record(r) for r in page]}
        if after + len(page) < min(len(matching), CAP) or after + len(page) == CAP:
            result["paging"] = {"next": {"after": str(after + len(page))}}
        return result

    def candidates(self, sort: str, window: list[dict]) -> list[int]:
        """The ids the window filters allow, in `sort` order (found by bisection)."""
        by_mod, by_stamp = self.index()
        bounds = {(f["propertyName"], f["operator"]): int(f["value"]) for f in window}
        assert set(bounds) <= {(MOD, "GT"), (MOD, "GTE"), (MOD, "EQ"), (KEY, "GT")}, bounds
        if sort == KEY:
            if (MOD, "EQ") in bounds:
                ids = by_stamp.get(bounds[(MOD, "EQ")], [])
            else:
                assert not bounds or set(bounds) == {(KEY, "GT")}, bounds
                ids = sorted(self.records)
            return ids[bisect.bisect_right(ids, bounds.get((KEY, "GT"), 0)) :]
        if (MOD, "EQ") in bounds:
            stamp = bounds[(MOD, "EQ")]
            start = bisect.bisect_left(by_mod, (stamp,))
            end = bisect.bisect_left(by_mod, (stamp + 1,))
        else:
            low = bounds.get((MOD, "GTE"), bounds.get((MOD, "GT"), -1) + 1)
            start, end = bisect.bisect_left(by_mod, (low,)), len(by_mod)
        found = [rid for _, _, rid in by_mod[start:end]]
        if sort == "firstname":
            found.sort(key=lambda rid: self.records[rid][1])
        return found

    def user_matches(self, user: list[list[dict]]) -> set[int]:
        """The ids the user's filter groups match (the same in every query of a read)."""
        key = repr(user)
        if self._matched is None or self._matched[0] != key:
            tests = [[self.predicate(f) for f in g] for g in user]
            found = {rid for rid in self.records if any(all(t(rid) for t in g) for g in tests)}
            self._matched = key, found
        return self._matched[1]

    def predicate(self, f: dict) -> Callable[[int], bool]:
        if f["propertyName"] == KEY and f["operator"] == "IN":
            listed = {int(v) for v in f["values"]}
            return lambda rid: rid in listed
        assert f["propertyName"] == "firstname", "the fake filters names and id lists only"
        operator, records = f["operator"], self.records
        if operator == "IN":
            values = set(f["values"])
            return lambda rid: records[rid][1].lower() in values
        value = f["value"].lower()
        if operator == "EQ":
            return lambda rid: records[rid][1].lower() == value
        assert operator == "NEQ"
        return lambda rid: records[rid][1].lower() != value

    # -- list and batch read -----------------------------------------------------------------
    def listed(self, params: dict) -> dict:
        assert int(params["limit"]) <= 100
        source = self.archived if params["archived"] == "true" else self.records
        ids = sorted(source)
        start = int(params.get("after", 0))
        page = ids[start : start + int(params["limit"])]
        result: dict = {"results": [self.record(r, source) for r in page]}
        if start + len(page) < len(ids):
            result["paging"] = {"next": {"after": str(start + len(page))}}
        return result

    def batch_read(self, body: dict, params: dict) -> dict:
        assert len(body["inputs"]) <= 100
        source = self.archived if params["archived"] == "true" else self.records
        wanted = [int(i["id"]) for i in body["inputs"]]
        return {"results": [self.record(r, source) for r in wanted if r in source]}


def _windowing(f: dict) -> bool:
    """A filter of the read's windows (the rest are the user's)."""
    return f["propertyName"] in (MOD, KEY) and f["operator"] in ("GT", "GTE", "EQ")


def read(fake: FakeHubSpot, **kwargs: Any) -> tuple[list[dict], Batches]:
    reader = Reader(fake)
    options = {"where": None, "order": None, "cursor": None, "include_deleted": False}
    options |= {"ids": None, **kwargs}

    def produce(batches: Batches) -> Any:
        return reader.read(INFO, FIELDS, counted=batches, **options)

    batches = Batches(produce)
    return [row for batch in batches for row in batch], batches


def assert_every_record_once_in_order(fake: FakeHubSpot, rows: list[dict]) -> None:
    ids = [int(row[KEY]) for row in rows]
    assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} records read twice"
    assert sorted(ids) == sorted(fake.records), "records missing"
    order = [(row[MOD], int(row[KEY])) for row in rows]
    assert order == sorted(order)


def assert_no_query_passed_the_cap(fake: FakeHubSpot) -> None:
    for body in fake.searches():
        assert int(body.get("after", 0)) + body["limit"] <= CAP
        assert body["limit"] <= PAGE


# -- the 10,000-result cap --------------------------------------------------------------------
def test_25000_records_of_one_stamp_are_all_read_by_id() -> None:
    fake = FakeHubSpot([T0] * 25_000)
    rows, batches = read(fake, cursor=ReadCursor(dt.datetime.fromtimestamp(T0 / 1000, dt.UTC)))
    assert_every_record_once_in_order(fake, rows)
    assert_no_query_passed_the_cap(fake)
    assert [int(r[KEY]) for r in rows] == list(range(1, 25_001))
    assert batches.total == 25_000
    # six sweep pages hold 1,195 of the one stamp (each page after the first asks one
    # record back), then 125 id-keyset pages read it, and one sweep finds nothing after it
    assert len(fake.searches()) == HELD_PAGES + 25_000 // PAGE + 1 + 1


@pytest.mark.parametrize(
    "sizes",
    [
        [1, 9_999, 3, 10_001, 4_996],  # groups straddling the cap and page edges
        [12_000, 1, 12_999],
        [200] * 125,  # each group exactly a page
        [199, 201] * 62 + [200],
    ],
)
def test_25000_records_over_a_few_stamps_are_read_once_in_order(sizes: list[int]) -> None:
    assert sum(sizes) == 25_000
    stamps = [T0 + 1000 * n for n, size in enumerate(sizes) for _ in range(size)]
    fake = FakeHubSpot(stamps[::-1])  # ids not in stamp order
    rows, batches = read(fake, where=parse("firstname != 'nobody'"))
    assert_every_record_once_in_order(fake, rows)
    assert_no_query_passed_the_cap(fake)
    assert batches.total == 25_000
    assert len(fake.searches()) < 1.2 * 25_000 / PAGE  # re-reading held groups stays bounded


def test_25000_records_of_distinct_stamps_restart_before_the_cap() -> None:
    fake = FakeHubSpot([T0 + n for n in range(25_000)])
    rows, _ = read(fake, where=parse("firstname != 'nobody'"))
    assert_every_record_once_in_order(fake, rows)
    assert_no_query_passed_the_cap(fake)
    restarts = [b for b in fake.searches() if "after" not in b]
    assert len(restarts) == 3  # 0, then ~9,950, then ~19,900
    assert len(fake.searches()) <= 25_000 // (PAGE - 1) + 3


def test_batch_written_stamps_shared_by_100_records() -> None:
    fake = FakeHubSpot([T0 + n // 100 for n in range(25_000)])
    rows, _ = read(fake, cursor=ReadCursor(dt.datetime.fromtimestamp(T0 / 1000, dt.UTC), ""))
    assert_every_record_once_in_order(fake, rows)
    assert_no_query_passed_the_cap(fake)


# -- cursors ---------------------------------------------------------------------------------
def _at(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def test_a_cursor_reads_strictly_after_modified_then_id() -> None:
    fake = FakeHubSpot([T0, T0, T0, T0 + 5, T0 + 5, T0 - 3])  # ids 1..6
    rows, batches = read(fake, cursor=ReadCursor(_at(T0), "2"))
    assert [r[KEY] for r in rows] == ["3", "4", "5"]
    assert batches.total == 3  # the rest of the stamp (1) and what follows it (2)
    first = fake.searches()[0]
    assert first["sorts"] == [{"propertyName": KEY, "direction": "ASCENDING"}]
    assert first["filterGroups"] == [
        {
            "filters": [
                {"propertyName": MOD, "operator": "EQ", "value": str(T0)},
                {"propertyName": KEY, "operator": "GT", "value": "2"},
            ]
        }
    ]


def test_a_cursor_without_id_reads_at_or_after() -> None:
    fake = FakeHubSpot([T0, T0 + 1, T0 - 1, T0])
    rows, _ = read(fake, cursor=ReadCursor(_at(T0), ""))
    assert [r[KEY] for r in rows] == ["1", "4", "2"]
    assert rows[0][MOD] == _at(T0)


def test_a_cursor_id_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(UsageError, match="not a HubSpot record id"):
        read(FakeHubSpot([T0]), cursor=ReadCursor(_at(T0), "abc"))


def test_the_user_filter_joins_every_window_query() -> None:
    fake = FakeHubSpot([T0 + n // 300 for n in range(3000)])
    rows, _ = read(fake, where=parse("firstname = 'name7' or firstname = 'name2900'"))
    assert [r[KEY] for r in rows] == ["7", "2900"]
    for body in fake.searches():
        for group in body["filterGroups"]:
            assert group["filters"][0]["propertyName"] == "firstname"


def test_a_filter_leaving_no_room_for_the_window_is_refused_before_any_call() -> None:
    fake = FakeHubSpot([T0])
    five = " and ".join(f"score != {i}" for i in range(5))
    with pytest.raises(FilterError, match="leaves no room for the 2 filter"):
        read(fake, where=parse(five))
    assert fake.calls == []


# -- records modified during the read -------------------------------------------------------------
def test_a_record_modified_during_the_read_does_not_make_others_skipped() -> None:
    fake = FakeHubSpot([T0 + n for n in range(1000)])
    moved: list[int] = []

    def touch_an_early_record(f: FakeHubSpot) -> None:
        if len(f.searches()) == 2 and not moved:  # after the first page is read
            f.touch(5, T0 + 5000)
            moved.append(5)

    fake.before_call = touch_an_early_record
    rows, _ = read(fake, where=parse("firstname != 'x'"))
    ids = [int(r[KEY]) for r in rows]
    assert set(ids) == set(fake.records)  # none lost to the shift
    assert ids.count(5) == 2 and ids[-1] == 5  # read again at its new stamp
    others = [i for i in ids if i != 5]
    assert len(others) == len(set(others))


# -- the other endpoints ----------------------------------------------------------------------
def test_no_filter_reads_the_list_endpoint() -> None:
    fake = FakeHubSpot([T0 + n for n in range(250)], archived=3)
    rows, batches = read(fake)
    assert len(rows) == 250 and batches.total is None
    assert {url for _, url, _ in fake.calls} == {"/crm/v3/objects/contacts"}
    assert len(fake.calls) == 3
    assert fake.calls[0][2]["properties"] == f"{KEY},{MOD},firstname"
    assert isinstance(rows[0][MOD], dt.datetime) and rows[0][MOD].tzinfo


def test_include_deleted_adds_the_archived_records() -> None:
    fake = FakeHubSpot([T0 + n for n in range(5)], archived=3)
    rows, _ = read(fake, include_deleted=True)
    assert len(rows) == 8
    assert [c[2]["archived"] for c in fake.calls] == ["false", "true"]


def test_include_deleted_with_a_filter_is_refused() -> None:
    with pytest.raises(UsageError, match="never returns archived"):
        read(FakeHubSpot([T0]), where=parse("firstname = 'a'"), include_deleted=True)


def test_ids_are_read_100_a_call() -> None:
    fake = FakeHubSpot([T0 + n for n in range(300)])
    ids = [str(n) for n in range(1, 251)] + ["1", "99999"]
    rows, _ = read(fake, ids=ids)
    assert sorted(int(r[KEY]) for r in rows) == list(range(1, 251))
    assert [len(c[2]["inputs"]) for c in fake.calls] == [100, 100, 51]
    assert all(url.endswith("/batch/read") for _, url, _ in fake.calls)


def test_ids_with_include_deleted_look_for_the_missing_among_archived() -> None:
    fake = FakeHubSpot([T0], archived=2)
    rows, _ = read(fake, ids=["1", "100000"], include_deleted=True)
    assert sorted(r[KEY] for r in rows) == ["1", "100000"]
    assert [c[2]["inputs"] for c in fake.calls][1] == [{"id": "100000"}]


# -- orders ---------------------------------------------------------------------------------
def test_an_order_by_one_property_is_one_sort() -> None:
    fake = FakeHubSpot([T0 + n for n in range(30)])
    rows, batches = read(fake, order=[OrderBy("firstname", descending=True)])
    names = [r["firstname"] for r in rows]
    assert names == sorted(names, reverse=True) and len(rows) == 30
    assert fake.searches()[0]["sorts"] == [{"propertyName": "firstname", "direction": "DESCENDING"}]
    assert batches.total == 30


def test_an_order_past_the_cap_is_refused() -> None:
    fake = FakeHubSpot([T0] * 10_001)
    with pytest.raises(UsageError, match="at most 10,000 results") as caught:
        read(fake, order=[OrderBy("firstname")])
    assert "10,001" in caught.value.message


def test_two_sorts_and_an_order_with_a_cursor_are_refused() -> None:
    fake = FakeHubSpot([T0])
    with pytest.raises(UsageError, match="sorts by one property"):
        read(fake, order=[OrderBy("firstname"), OrderBy("score")])
    with pytest.raises(UsageError, match="give no order"):
        read(fake, order=[OrderBy("firstname")], cursor=ReadCursor(_at(T0)))


def test_ordering_by_id_reads_by_keyset_past_the_cap() -> None:
    fake = FakeHubSpot([T0 + (n % 3) for n in range(12_345)])
    rows, batches = read(fake, where=parse("firstname != 'x'"), order=[OrderBy(KEY)])
    assert [int(r[KEY]) for r in rows] == list(range(1, 12_346))
    assert batches.total == 12_345
    assert_no_query_passed_the_cap(fake)
    assert all("after" not in body for body in fake.searches())
    assert len(fake.searches()) == 12_345 // PAGE + 1


def test_ids_with_a_filter_are_searched_100_a_query() -> None:
    fake = FakeHubSpot([T0 + n for n in range(300)])
    ids = [str(n) for n in range(1, 251)]
    rows, _ = read(fake, ids=ids, where=parse("firstname in ('name7', 'name207', 'name280')"))
    assert sorted(r[KEY] for r in rows) == ["207", "7"]
    bodies = fake.searches()
    assert len(bodies) == 3
    id_filters = [
        f
        for b in bodies
        for f in b["filterGroups"][0]["filters"]
        if f["operator"] == "IN" and f["propertyName"] == KEY
    ]
    assert [len(f["values"]) for f in id_filters] == [100, 100, 50]


def test_ordering_by_modified_is_the_windowed_read() -> None:
    fake = FakeHubSpot([T0 + (n % 7) for n in range(12_000)])
    rows, _ = read(fake, order=[OrderBy(MOD), OrderBy(KEY)])
    assert_every_record_once_in_order(fake, rows)
    assert_no_query_passed_the_cap(fake)


def test_an_unknown_field_is_named() -> None:
    with pytest.raises(UsageError, match="'nope'"):
        Reader(FakeHubSpot([T0])).read(INFO, ["nope"], None, None, None, False, None).__next__()


def test_a_value_that_does_not_fit_its_kind_is_a_remote_error() -> None:
    fake = FakeHubSpot([T0])
    broken = fake.record
    fake.record = lambda rid, source=None: {  # type: ignore[method-assign]
        **broken(rid, source),
        "properties": {**broken(rid, source)["properties"], MOD: "not a time"},
    }
    with pytest.raises(RemoteError, match="'hs_lastmodifieddate' of record '1'"):
        read(fake)
