"""REST Id ranges (`ranges.RangeReader`) against the sandbox over TLS when the Ids are
spread unevenly: a range holding more than a page follows its `nextRecordsUrl` chain at
its turn, and every row still comes once, in Id order."""

from __future__ import annotations

import pytest

from crmlink.connectors.salesforce import read as sf_read
from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.connectors.salesforce.ranges import id_text, number, split_points
from crmlink.filters import ast
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.connectors.conftest import connector


@pytest.fixture(scope="module")
def sf_600(tmp_path_factory):
    sandbox = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("sf-600"), records=600)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _rows(opened, where: ast.Expr) -> list[dict]:
    return [r for b in opened.read("Contact", ["Id", "Email"], where=where) for r in b]


def test_a_range_longer_than_a_page_is_read_whole_at_its_turn(sf_600, monkeypatch):
    with connector(sf_600, plan_limits=Thresholds(force="rest")) as one:
        ids = sorted(r["Id"] for r in _rows(one, ast.Comparison("Id", ast.Op.GT, ast.String(""))))
        assert len(ids) == 600
        # the 10 lowest Ids and the 260 highest: the Id space's middle leaves 10 rows in
        # the first range and 260 in the second, more than a page of 200
        where = ast.Or(
            (
                ast.Comparison("Id", ast.Op.LE, ast.String(ids[9])),
                ast.Comparison("Id", ast.Op.GE, ast.String(ids[-260])),
            )
        )
        expected = sorted(_rows(one, where), key=lambda r: r["Id"])
    assert len(expected) == 270
    assert number(ids[9]) < (number(ids[0]) + number(ids[-1])) // 2 < number(ids[-260])
    monkeypatch.setattr(sf_read, "_PAGE", {"Sforce-Query-Options": "batchSize=200"})
    with connector(sf_600, plan_limits=Thresholds(force="rest-ranges", streams=2)) as two:
        rows = _rows(two, where)
        plan = two.last_read_plan
    assert rows == expected  # once each, in Id order
    assert (plan.api, plan.ranges) == ("rest-ranges", 2)
    assert plan.calls == 1 + 2 + 3  # COUNT(), the two ends, 10 rows, then 200 + 60


@pytest.mark.parametrize("offset", [0, 1, 61])
def test_split_points_fall_strictly_inside_the_ends(offset):
    first = "0035g00000" + id_text(number("0035g0000000001") + offset)[10:]
    last = id_text(number(first) + 1000)
    points = split_points(first, last, 8)
    assert all(first < p <= last for p in points) and points == sorted(set(points))
