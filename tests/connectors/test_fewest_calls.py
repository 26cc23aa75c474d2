"""`read_plan: fewest_calls`: on a slow link, where the planner buys speed with calls
(Id ranges read at once, a REST chain or a Bulk job each), a read planned for the fewest
calls is one REST chain or one Bulk job, gives the same rows, and spends fewer calls.
Against the sandboxes over TLS; "slow" is every link here (`slow_link=0`)."""

from __future__ import annotations

import pytest

from crmlink.connectors.dynamics.read import Reader
from crmlink.connectors.salesforce.planner import Thresholds, choose
from crmlink.workflow.loader import load_text
from tests.connectors.conftest import PAGE, connector
from tests.connectors.test_dynamics_support import dv_connector


def _sf_read(sandbox, limits: Thresholds, fewest: bool) -> tuple[list[str], object, int]:
    with connector(sandbox, plan_limits=limits) as opened:
        opened.describe("Contact")
        before = opened.api_calls
        batches = opened.read("Contact", ["Id"], fewest_calls=fewest)
        ids = [row["Id"] for batch in batches for row in batch]
        return ids, opened.last_read_plan, opened.api_calls - before


@pytest.mark.parametrize(
    ("limits", "split", "fewest"),
    [
        # 700 rows above one page's worth on a slow link: REST Id ranges; fewest: one chain
        (Thresholds(rest_single_slow=100, ranges_slow=5_000, slow_link=0.0), "rest-ranges", "rest"),
        # above the range threshold: Bulk jobs over Id ranges; fewest: one Bulk job
        (
            Thresholds(
                rest_single=300, rest_single_slow=100, bulk=300, ranges_slow=200, slow_link=0.0
            ),
            "bulk-ranges",
            "bulk",
        ),
    ],
    ids=["rest", "bulk"],
)
def test_a_salesforce_read_for_fewest_calls_is_not_split(sf_700, sf_pages, limits, split, fewest):
    every, fast, fast_calls = _sf_read(sf_700, limits, fewest=False)
    ids, plan, calls = _sf_read(sf_700, limits, fewest=True)
    assert fast.api == split and fast.ranges > 1  # the default buys speed with calls
    assert sorted(ids) == sorted(every) and len(set(ids)) == 700
    assert plan.api == fewest and plan.ranges == 1
    assert "(read_plan: fewest_calls)" in plan.text()
    assert calls == plan.calls < fast_calls, (plan.text(), fast.text())


def test_the_fewest_calls_thresholds_read_an_ordered_set_by_bulk_above_the_bulk_threshold():
    """An ordered read on a slow link stays on REST up to a million rows (the Bulk job's
    wait there costs more than pages); for fewest calls, one Bulk job above `bulk`."""
    limits = Thresholds()
    assert choose(50_000, 0.1, limits, splittable=False).api == "rest"  # 25 pages
    assert choose(50_000, 0.1, limits.fewest_calls(), splittable=False).api == "bulk"
    assert choose(5_000, 0.1, limits.fewest_calls(), splittable=False).api == "rest"


# -- Dataverse --------------------------------------------------------------------------
def _dv_read(sandbox, fewest: bool) -> tuple[list[str], object, int]:
    with dv_connector(sandbox) as opened:
        opened.reader = Reader(opened.http, page_size=PAGE)
        opened.reader.streams = 3
        opened.entity("contact")
        before = opened.api_calls
        batches = opened.read("contact", ["contactid"], fewest_calls=fewest)
        ids = [row["contactid"] for batch in batches for row in batch]
        return ids, opened.last_read_plan, opened.api_calls - before


def test_a_dataverse_read_for_fewest_calls_follows_one_chain(dv_600):
    every, split, split_calls = _dv_read(dv_600, fewest=False)
    ids, plan, calls = _dv_read(dv_600, fewest=True)
    assert split is not None and split.api == "odata-ranges"
    assert sorted(ids) == sorted(every) and len(set(ids)) == 600
    assert (plan, calls) == (None, 3)  # three pages of 200, no ranges
    assert calls < split_calls


# -- the workflow option ----------------------------------------------------------------
def _workflow(options: str) -> str:
    return f"""
name: w
activities:
  read: {{type: crm, operation: {options}, account: a, object: Contact}}
"""


def test_read_plan_is_an_import_option_with_two_values():
    read = load_text(_workflow("import, read_plan: fewest_calls")).activities["read"]
    assert read.read_plan == "fewest_calls"
    assert load_text(_workflow("import")).activities["read"].read_plan == "fastest"
    with pytest.raises(Exception, match="read_plan") as wrong:
        load_text(_workflow("import, read_plan: cheapest"))
    assert "fewest_calls" in str(wrong.value)
    with pytest.raises(Exception, match="read_plan"):
        load_text(_workflow("export, read_plan: fewest_calls"))
