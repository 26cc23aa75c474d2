"""Dataverse reads split into id ranges (`connectors/dynamics/ranges.py`): every row exactly
once and in the order of one page chain, whatever the GUID order, with boundaries on
existing ids, rows created during the read, and failing pages."""

from __future__ import annotations

import random
import uuid

import pytest

from crmlink.connectors.batches import ColumnBatch
from crmlink.connectors.dynamics import ranges, values
from crmlink.connectors.dynamics.read import Reader, plan
from crmlink.filters import ast
from crmlink.model import OrderBy
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.connectors.conftest import set_faults
from tests.connectors.test_dynamics_support import dv_connector

ORDERS = [ranges.SQL_SERVER, ranges.TEXT]
PAGE = 40  # rows a page in these tests (the sandbox honours odata.maxpagesize)


def _guids(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]


def _holds(condition: ast.Expr, value: str, order: ranges.GuidOrder) -> bool:
    """`condition` (the ranges' And/Comparison nodes) evaluated as a server in `order` would."""
    if isinstance(condition, ast.And):
        return all(_holds(item, value, order) for item in condition.items)
    assert isinstance(condition, ast.Comparison) and isinstance(condition.value, ast.String)
    a, b = order.key(value), order.key(condition.value.value)
    return {ast.Op.GT: a > b, ast.Op.GE: a >= b, ast.Op.LT: a < b}[condition.op]


# -- the GUID orders -------------------------------------------------------------------------
def test_sql_server_order_compares_the_last_group_first():
    low, high = "ffffffff-ffff-ffff-ffff-000000000000", "00000000-0000-0000-0000-000000000001"
    assert ranges.SQL_SERVER.key(low) < ranges.SQL_SERVER.key(high)
    assert ranges.TEXT.key(low) > ranges.TEXT.key(high)
    # then the fourth group, then the third with its low byte first (Guid.ToByteArray
    # stores the first three groups little-endian), … the first group last
    ordered = [
        "00000000-0000-0000-0001-000000000000",
        "00000000-0000-0001-0000-000000000000",
        "00000000-0000-0100-0000-000000000000",
        "00000001-0000-0000-0000-000000000000",
    ]
    keys = [ranges.SQL_SERVER.key(g) for g in ordered]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: o.name)
def test_keys_and_guids_round_trip(order):
    for guid in _guids(200):
        assert order.guid(order.key(guid)) == guid


def test_the_servers_order_is_read_off_a_page():
    ids = _guids(500)
    assert ranges.server_order(sorted(ids, key=ranges.SQL_SERVER.key)) is ranges.SQL_SERVER
    assert ranges.server_order(sorted(ids)) is ranges.TEXT
    assert ranges.server_order(ids) is None  # neither: such a read is not split
    assert ranges.server_order(["not-a-guid", "x"]) is None
    # real Dataverse ids (sequential: only the first group differs) ascend in SQL order
    real = ["c8bcc48e-0b8d-e711-811c-000d3a75bdf1", "cdbcc48e-0b8d-e711-811c-000d3a75bdf1"]
    assert ranges.server_order(real) is ranges.SQL_SERVER


# -- the ranges ------------------------------------------------------------------------------
@pytest.mark.parametrize("order", ORDERS, ids=lambda o: o.name)
def test_split_points_ascend_strictly_inside_the_span(order):
    ids = sorted(_guids(1000), key=order.key)
    points = ranges.split_points(ids[0], ids[-1], 10, order)
    keys = [order.key(p) for p in points]
    assert len(points) == 9 and keys == sorted(set(keys))
    assert order.key(ids[0]) < keys[0] and keys[-1] < order.key(ids[-1])
    counts = [sum(1 for i in ids if _holds(c, i, order)) for c in
              ranges.conditions("contactid", ids[0], points)]  # fmt: skip
    assert min(counts) > 50  # random ids: even ranges (1,000 rows, 10 ranges)


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: o.name)
def test_every_id_after_the_first_page_is_in_exactly_one_range(order):
    ids = sorted(_guids(2000, seed=7), key=order.key)
    after = ids[99]
    points = [ids[500], ids[501], ids[1200]]  # boundaries on existing ids, two side by side
    points += ranges.split_points(ids[1200], ids[-1], 4, order)
    points.sort(key=order.key)
    found = [[i for i in ids if _holds(c, i, order)] for c in
             ranges.conditions("contactid", after, points)]  # fmt: skip
    flat = [i for rows in found for i in rows]
    assert flat == ids[100:]  # each once, the ranges in order
    assert [ids[500]] == found[1]  # a point is in the range it starts


def test_the_estimate_follows_the_ids_spread():
    ids = sorted(_guids(20_000, seed=3))
    guess = ranges.estimate(ids[0], ids[999], ids[-1], 1000, ranges.TEXT)
    assert 16_000 < guess < 22_000  # the 19,000 rows after the first 1,000


# -- against the sandbox ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = DynamicsSandbox(state_dir=tmp_path_factory.mktemp("dv-ranges"), records=600, seed=5)
    box.start()
    yield box
    box.stop()


def _connector(sandbox, streams: int | None = 3):
    connector = dv_connector(sandbox)
    connector.reader = Reader(connector.http, page_size=PAGE)
    connector.reader.streams = streams
    return connector


def _single_chain(sandbox) -> list[str]:
    with _connector(sandbox) as connector:
        read = connector.reader
        entity = connector.entity("contact")
        params = {"$select": "contactid"}
        pages = read.pages(entity.entity_set, params, lambda r: r)
        return [row["contactid"] for batch in pages for row in batch]


@pytest.mark.parametrize("streams", [1, 3, None])
def test_a_split_read_gives_every_row_once_in_one_chains_order(sandbox, streams):
    expected = _single_chain(sandbox)
    with _connector(sandbox, streams) as connector:
        batches = connector.read("contact", ["contactid", "lastname"])
        ids = [row["contactid"] for batch in batches for row in batch]
        plan = connector.last_read_plan
    assert ids == expected and len(expected) == 600
    assert plan is not None and plan.api == "odata-ranges" and plan.ranges > 3
    assert "text order" in plan.text()  # the sandbox compares GUIDs as text
    # about one call a page: the first page, the highest id, one call a range (or two)
    assert plan.calls <= 2 + plan.ranges + 3


def test_a_filtered_read_is_split_within_its_filter(sandbox):
    where = ast.Comparison("lastname", ast.Op.GE, ast.String("M"))
    with _connector(sandbox) as connector:
        expected = [r["contactid"] for b in connector.read("contact", ["contactid", "lastname"])
                    for r in b if r["lastname"] >= "M"]  # fmt: skip
        rows = [r for b in connector.read("contact", ["contactid", "lastname"], where=where)
                for r in b]  # fmt: skip
        plan = connector.last_read_plan
    assert plan is not None and plan.api == "odata-ranges"  # split, within the filter
    assert [r["contactid"] for r in rows] == expected


def test_rows_created_during_the_read_are_never_read_twice(tmp_path):
    box = DynamicsSandbox(state_dir=tmp_path / "dv", records=400, seed=9)
    box.start()
    try:
        with _connector(box) as connector, _connector(box) as other:
            before = {
                row["contactid"] for b in connector.read("contact", ["contactid"]) for row in b
            }
            ids = []
            for batch in connector.read("contact", ["contactid"]):
                ids += [row["contactid"] for row in batch]
                rows = [{"lastname": f"new {len(ids)}-{n}"} for n in range(5)]
                assert all(r.success for r in other.write("contact", rows, "insert"))
            plan = connector.last_read_plan
    finally:
        box.stop()
    assert plan is not None and plan.api == "odata-ranges"  # a split read
    assert len(ids) == len(set(ids))  # never twice
    assert before <= set(ids)  # every row that was there at the start


def test_failing_pages_are_retried_and_still_give_every_row_once(sandbox):
    expected = _single_chain(sandbox)
    with _connector(sandbox) as connector:
        connector.entity("contact")
        set_faults(sandbox, "503=0.3,seed=8")
        try:
            ids = [r["contactid"] for b in connector.read("contact", ["contactid"]) for r in b]
        finally:
            set_faults(sandbox, "503=0")
        plan = connector.last_read_plan
    assert plan is not None and plan.api == "odata-ranges"  # the ranges were retried
    assert ids == expected


def test_a_range_that_fails_is_raised_at_its_turn(sandbox, monkeypatch):
    expected = _single_chain(sandbox)
    with _connector(sandbox) as connector:
        download = connector.reader.download
        calls = []

        def failing(url, params=None):
            calls.append(params)
            if len(calls) == 4:  # the first page, then a range's
                raise RuntimeError("the range's page failed")
            return download(url, params)

        monkeypatch.setattr(connector.reader, "download", failing)
        ids = []
        with pytest.raises(RuntimeError, match="range's page failed"):
            for batch in connector.read("contact", ["contactid"]):
                ids += [row["contactid"] for row in batch]
    assert ids and ids == expected[: len(ids)]  # the rows before it, once, in order
    assert len(ids) < len(expected)


def test_ranges_of_several_pages_follow_their_chains(sandbox):
    """Ranges of about three pages each: each range's later pages come by its nextLink
    (downloaded while the page before is converted), every row once, in order."""
    expected = _single_chain(sandbox)
    with _connector(sandbox) as connector:
        entity = connector.entity("contact")
        read = plan(entity, ["contactid"], None, None, None, False)
        splitter = ranges.RangeReader(connector.reader, streams=3)
        splitter.range_rows = 3 * PAGE
        page = values.page_reader(entity.table, ["contactid"])
        before = connector.api_calls
        batches = list(splitter.rows(read, None, page))
        calls = connector.api_calls - before
    assert [row["contactid"] for batch in batches for row in batch] == expected
    assert max(map(len, batches)) == PAGE and len(batches) >= len(expected) // PAGE
    assert calls == len(batches) + 1 or calls == len(batches) + 2  # the highest id (+ empty)


def test_ranges_at_once_are_bounded_by_the_bytes_of_a_page(sandbox, monkeypatch):
    """Few ranges at once when a page weighs much: the bodies waiting are bounded in bytes."""
    with _connector(sandbox, streams=10) as connector:
        connector.entity("contact")
        size = len(connector.reader.download("contacts", {"$select": "contactid,lastname"}))
        monkeypatch.setattr(ranges, "AHEAD_BYTES", size * 2 + size // 2)
        rows = [r for b in connector.read("contact", ["contactid", "lastname"]) for r in b]
        bounded = connector.last_read_plan
        monkeypatch.setattr(ranges, "AHEAD_BYTES", 1)
        assert len(rows) == len(
            [r for b in connector.read("contact", ["contactid", "lastname"]) for r in b]
        )
        one = connector.last_read_plan
    assert len(rows) == 600
    assert bounded is not None and "2 at once" in bounded.text()
    assert one is not None and "1 at once" in one.text()


def test_one_page_is_one_call_and_an_ordered_read_one_chain(sandbox):
    with _connector(sandbox) as connector:
        connector.entity("contact")
        before = connector.api_calls
        where = ast.Comparison("lastname", ast.Op.EQ, ast.String("nobody at all"))
        assert list(connector.read("contact", ["contactid"], where=where)) == []
        assert connector.api_calls - before == 1 and connector.last_read_plan is None
        order = [OrderBy("lastname", False)]
        rows = [r for b in connector.read("contact", ["contactid"], order=order) for r in b]
        assert len(rows) == 600 and connector.last_read_plan is None


def test_a_slow_link_reads_more_ranges_at_once(sandbox):
    with _connector(sandbox, streams=None) as connector:
        connector.entity("contact")
        set_faults(sandbox, "latency=60")
        try:
            rows = [r for b in connector.read("contact", ["contactid"]) for r in b]
        finally:
            set_faults(sandbox, "latency=0")
        slow = connector.last_read_plan
        rows_fast = [r for b in connector.read("contact", ["contactid"]) for r in b]
        fast = connector.last_read_plan
    assert len(rows) == len(rows_fast) == 600
    assert slow is not None and "slow link" in slow.text()
    assert f"{ranges.SLOW_STREAMS} at once" in slow.text()
    assert fast is not None and f"{ranges.FAST_STREAMS} at once" in fast.text()


def test_a_consumer_of_columns_gets_column_pages_with_the_same_values(sandbox):
    fields = ["contactid", "lastname", "modifiedon", "gendercode", "creditlimit"]
    with _connector(sandbox) as connector:
        rows = [r for b in connector.read("contact", fields) for r in b]
        batches = connector.read("contact", fields)
        batches.columnar = True  # as the import sets it, before the first batch
        pages = list(batches)
        plain = connector.read("contact", fields)  # not columnar: dicts, as ever
        filled = [r for b in plain for r in b]
    assert all(isinstance(p, ColumnBatch) and list.__len__(p) == 0 for p in pages)
    assert sum(len(p) for p in pages) == len(rows) == 600
    for name in fields:
        assert [v for p in pages for v in p.columns[name]] == [r[name] for r in rows]
    assert filled == rows
    pages[0].fill()
    assert list(pages[0]) == rows[: len(pages[0])]
