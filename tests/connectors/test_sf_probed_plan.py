"""An ordered read (an incremental cursor's, an order_by) asks its first REST page at once;
the rows still to read after that page decide REST or Bulk, against the sandbox over TLS:
a set whose remainder fits the REST threshold keeps its chain, a larger one drops the page
and becomes one Bulk job. Either way every row comes once, in the read's order."""

from __future__ import annotations

import pytest

from crmlink.connectors.salesforce import read as sf_read
from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.filters import ast
from crmlink.model import OrderBy
from tests.connectors.conftest import connector

PAGE = 200  # rows of a REST page here (Sforce-Query-Options batchSize)
LIMITS = Thresholds(rest_single=300, bulk=300)


def _ordered(sf, last: str, monkeypatch) -> tuple[list[str], object]:
    """The Ids up to `last`, read in Id order."""
    monkeypatch.setattr(sf_read, "_PAGE", {"Sforce-Query-Options": f"batchSize={PAGE}"})
    where = ast.Comparison("Id", ast.Op.LE, ast.String(last))
    with connector(sf, plan_limits=LIMITS) as opened:
        batches = opened.read("Contact", ["Id"], where=where, order=[OrderBy("Id")])
        return [r["Id"] for b in batches for r in b], opened.last_read_plan


def _all_ids(sf) -> list[str]:
    with connector(sf, plan_limits=Thresholds(force="rest")) as opened:
        return sorted(r["Id"] for b in opened.read("Contact", ["Id"]) for r in b)


@pytest.mark.parametrize(
    ("rows", "api", "calls"),
    [
        (450, "rest", 3),  # 250 after the first page: the chain goes on (200 + 200 + 50)
        (700, "bulk", 1 + 4),  # 500 after it: the page is dropped, one Bulk job
    ],
)
def test_the_rows_after_the_first_page_decide(sf_700, monkeypatch, rows, api, calls):
    every = _all_ids(sf_700)
    ids, plan = _ordered(sf_700, every[rows - 1], monkeypatch)
    assert ids == every[:rows]  # every row once, in the read's order
    assert plan.api == api
    assert plan.count == rows
    assert plan.reason.endswith(f"(the rows after the first page of {rows:,})")
    assert plan.calls == calls, plan.text()
