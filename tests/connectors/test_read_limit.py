"""A read's `limit` reaches the CRM: against the sandboxes over TLS, a read that needs a
few rows spends the calls those rows take (SOQL `LIMIT`, OData `$top`, one page chain, no
COUNT() for a set that small), not those of the whole object, and gives the rows a read
without a limit gives first."""

from __future__ import annotations

import itertools

import pytest

from crmlink.connectors.dynamics.read import Reader
from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.model import OrderBy
from tests.connectors.conftest import PAGE, connector
from tests.connectors.test_dynamics_support import dv_connector

# REST up to 300 rows (one chain without a COUNT() up to 100), Bulk above 300
LIMITS = Thresholds(rest_single=300, rest_single_slow=100, bulk=300)


def _sf_read(sandbox, limit: int | None, **options) -> tuple[list[str], object, int]:
    """The Ids a read gives (every one: the connector's own cut, if any), its plan, and
    the calls the read spent (the describe and the login before it left out)."""
    with connector(sandbox, plan_limits=LIMITS) as opened:
        opened.describe("Contact")
        before = opened.api_calls
        batches = opened.read("Contact", ["Id"], limit=limit, **options)
        ids = [row["Id"] for batch in batches for row in batch]
        return ids, opened.last_read_plan, opened.api_calls - before


@pytest.mark.parametrize(
    ("limit", "api", "calls", "reason"),
    [
        (3, "rest", 1, "at most 3 rows (the limit): REST pages"),  # one page, no COUNT()
        (1, "rest", 1, "at most 1 row (the limit): REST pages"),
        (250, "rest", 1 + 2, "(the limit 250 of 700)"),  # COUNT(), then 200 + 50
        (500, "bulk", 1 + 4, "(the limit 500 of 700)"),  # COUNT(), then one Bulk job
    ],
)
def test_a_salesforce_read_asks_only_for_its_limit(sf_700, sf_pages, limit, api, calls, reason):
    every, _, _ = _sf_read(sf_700, None)
    ids, plan, spent = _sf_read(sf_700, limit)
    assert len(every) == 700
    assert ids == every[:limit]  # the first rows of the same read, and no more: the
    assert plan.api == api  # LIMIT went into the SOQL (a first page alone holds 200)
    assert reason in plan.text()
    assert (plan.calls, spent) == (calls, calls), plan.text()


def test_a_limit_that_cuts_nothing_is_planned_as_no_limit(sf_700, sf_pages):
    """At or above the count, the read is planned as the one without a limit: split if
    that one is (here on a slow link: Id ranges; each range's LIMIT cuts nothing)."""
    slow = Thresholds(rest_single_slow=100, ranges_slow=5_000, slow_link=0.0)
    with connector(sf_700, plan_limits=slow) as opened:
        ids = [row["Id"] for batch in opened.read("Contact", ["Id"], limit=700) for row in batch]
        plan = opened.last_read_plan
    assert len(ids) == len(set(ids)) == 700
    assert plan.api == "rest-ranges" and "limit" not in plan.reason


def test_an_ordered_salesforce_read_takes_its_limit_in_its_first_page(sf_700, sf_pages):
    every, _, _ = _sf_read(sf_700, None, order=[OrderBy("Id", descending=True)])
    ids, plan, calls = _sf_read(sf_700, 5, order=[OrderBy("Id", descending=True)])
    assert ids == every[:5] and every == sorted(every, reverse=True)
    assert (plan.api, plan.count, calls) == ("rest", 5, 1)  # totalSize is the LIMIT's


def test_a_read_by_ids_is_not_cut_by_the_limit(sf_700, sf_pages):
    """A LIMIT in each query of ids would cut every query, not the read: by ids, the
    caller's cut alone keeps the limit."""
    every, _, _ = _sf_read(sf_700, None)
    ids, plan, _ = _sf_read(sf_700, 2, ids=every[:10])
    assert sorted(ids) == sorted(every[:10])
    assert plan.api == "rest-ids"


# -- Dataverse --------------------------------------------------------------------------
def _dv_read(sandbox, limit: int | None) -> tuple[list[str], object, int]:
    """The ids of a read cut at `limit` as an import cuts it (then closed), its plan and
    the calls it spent."""
    with dv_connector(sandbox) as opened:
        opened.reader = Reader(opened.http, page_size=PAGE)
        opened.reader.streams = 3
        opened.entity("contact")
        before = opened.api_calls
        batches = opened.read("contact", ["contactid", "lastname"], limit=limit)
        rows = itertools.chain.from_iterable(batches)
        ids = [row["contactid"] for row in itertools.islice(rows, limit)]
        batches.close()  # type: ignore[attr-defined]
        return ids, opened.last_read_plan, opened.api_calls - before


def test_a_dataverse_read_of_a_few_rows_is_one_top_query(dv_600):
    every, plan, _ = _dv_read(dv_600, None)
    assert len(every) == 600 and plan is not None and plan.api == "odata-ranges"
    ids, plan, calls = _dv_read(dv_600, 3)
    assert ids == every[:3]
    assert (plan, calls) == (None, 1)  # no split: one query with $top=3


def test_a_dataverse_limit_beyond_a_page_follows_one_chain(dv_600):
    every, _, _ = _dv_read(dv_600, None)
    ids, plan, calls = _dv_read(dv_600, 250)
    assert ids == every[:250]
    assert (plan, calls) == (None, 2)  # two pages of 200, no ranges, no highest-id query
