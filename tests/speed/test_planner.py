"""The read planner: its choice for small, large and WAN-like inputs; Id ranges that
cover every row exactly once; a ranged read against the sandbox over TLS giving the
same rows as one REST chain; and the plan, its reason and its calls in the run record
(`workflow run-show --json`)."""

from __future__ import annotations

import json

import pytest

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.connectors.salesforce.planner import Thresholds, choose
from crmlink.connectors.salesforce.ranges import conditions, id_text, number, split_points
from tests.connectors.conftest import in_range
from tests.workflow.crm.conftest import Flow, account_settings, capture_activity  # noqa: F401

FAST, WAN = 0.002, 0.095  # COUNT() round trips in seconds: loopback, a 90 ms WAN
LIMITS = Thresholds()


@pytest.mark.parametrize(
    ("count", "round_trip", "splittable", "api"),
    [
        (0, FAST, True, "rest"),
        (8_000, FAST, True, "rest"),  # small on a fast link: one REST chain
        (1_500, WAN, True, "rest"),  # one page on a WAN
        (8_000, WAN, True, "rest-ranges"),  # more on a WAN: pages at once
        (30_000, FAST, True, "bulk"),  # above 10,000 on a fast link: fewest calls
        (200_000, FAST, True, "bulk"),  # large on a fast link: fewest calls
        (30_000, WAN, True, "rest-ranges"),  # mid-size on a WAN: a job's processing dominates
        (200_000, WAN, True, "bulk-ranges"),  # large on a WAN: jobs over ranges at once
        (5_000_000, WAN, True, "bulk-ranges"),  # very large on a WAN: still at most 20 jobs
        (30_000, WAN, False, "rest"),  # an ordered read keeps its one chain
        (5_000_000, WAN, False, "bulk"),  # …up to the Bulk threshold: then one job
        (None, FAST, True, "rest"),  # compound fields: no COUNT()
    ],
)
def test_the_choice_follows_the_count_the_link_and_the_order(count, round_trip, splittable, api):
    choice = choose(count, round_trip, LIMITS, splittable)
    assert choice.api == api
    assert choice.count == count


def test_the_reason_names_the_count_the_threshold_and_the_link():
    wan = choose(40_000, WAN, LIMITS, True)
    assert wan.reason == (
        "40,000 rows, at most 50,000 on a slow link (round trip 95 ms): Id ranges, 6 at once"
    )
    jobs = choose(200_000, WAN, LIMITS, True)
    assert jobs.reason == (
        "200,000 rows, above 50,000 on a slow link (round trip 95 ms): "
        "Bulk jobs over Id ranges, 10 at once"
    )
    assert (jobs.ranges, choose(5_000_000, WAN, LIMITS, True).ranges) == (10, 20)
    fast = choose(200_000, FAST, LIMITS, True)
    assert fast.reason.startswith("200,000 rows, above the Bulk threshold 10,000 of a fast link")
    fast.calls = 9
    assert fast.text() == f"bulk: {fast.reason} (9 API calls)"


def test_id_ranges_cover_every_id_exactly_once():
    ids = [id_text(number("0035g0000000001") + n * 37) for n in range(2_000)]
    points = split_points(ids[0], ids[-1], 7)
    assert points == sorted(points) and len(points) == 6
    ranges = conditions("Id", points)
    found = [[i for i in ids if in_range(c, i)] for c in ranges]
    assert sum(found, []) == ids  # each id in one range, ranges in Id order
    assert all(len(f) > 200 for f in found)  # evenly spread ids: balanced ranges


def test_base62_ids_round_trip_in_ascii_order():
    assert id_text(number("0035g0000000q1o")) == "0035g0000000q1o"
    assert number("0035g000000000Z") < number("0035g000000000a")  # exact, not case-folded


# -- against the sandbox ------------------------------------------------------------------
RANGED = Thresholds(
    rest_single=10, rest_single_slow=10, bulk=10_000, rows_per_stream=10, slow_link=1e9
)  # a loaded machine's loopback must not pass for a WAN here


class RangedFlow(Flow):
    """Reads above 10 rows go to Id ranges read at once."""

    def connector(self, account: str = "sfdc") -> SalesforceConnector:
        opened = SalesforceConnector(account_settings(self.sandbox), plan_limits=RANGED)
        self.connectors.append(opened)
        return opened


@pytest.fixture
def flow(database, sf_fresh):
    made = RangedFlow(database, sf_fresh)
    yield made
    for connector in made.connectors:
        connector.close()


def test_a_ranged_read_gives_every_row_once_in_id_order(flow):
    with flow.connector() as ranged:
        rows = [r for b in ranged.read("Contact", ["Id", "Email"]) for r in b]
        plan = ranged.last_read_plan
    with SalesforceConnector(account_settings(flow.sandbox), bulk_read_threshold=10**9) as one:
        one.limits = Thresholds(rest_single=10**9)
        expected = [r for b in one.read("Contact", ["Id", "Email"]) for r in b]
        assert one.last_read_plan.api == "rest"
    assert (plan.api, plan.ranges) == ("rest-ranges", 5)  # 50 rows, 10 a range at least
    assert [r["Id"] for r in rows] == sorted(r["Id"] for r in expected)
    assert sorted(rows, key=lambda r: r["Id"]) == sorted(expected, key=lambda r: r["Id"])
    # the org's record count (50: too few to trust), COUNT(), lowest and highest Id, a page
    # per range
    assert plan.calls == 1 + 1 + 2 + 5


def test_the_plan_is_in_the_run_record_and_run_show_json(flow, crmlink):
    run = flow.run("""
        name: planned
        activities:
          read:
            type: crm
            operation: import
            account: sfdc
            object: Contact
            fields: [Email]
    """)
    assert run.succeeded, run.error
    shown = json.loads(crmlink("workflow", "run-show", str(run.id), "--json").stdout)
    (read,) = shown["activities"]
    assert read["read_api"] == "rest-ranges"
    assert read["read_plan"].startswith("rest-ranges: 50 rows, at most 10,000 on a fast link")
    assert read["read_plan"].endswith("Id ranges, 5 at once (9 API calls)")
    assert read["rows_out"] == 50
    text = crmlink("workflow", "run-show", str(run.id)).stdout
    assert "read plan: rest-ranges: 50 rows" in text
