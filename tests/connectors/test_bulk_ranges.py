"""Bulk jobs over Id ranges (`bulk_ranges.py`) against the sandbox over TLS: every row
exactly once and in Id order, with several result pages per job, with a filter of the
read's own, when jobs fail (those ranges read by REST, the others not again), when page
downloads are cut mid-body, and when the consumer stops early (jobs still running aborted,
threads ended). The sandbox's result pages are made small (Salesforce sizes its own pages:
the client sends no size), so that a job has several."""

from __future__ import annotations

import threading

import pytest

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.connectors.salesforce.bulk_ranges import lead_points
from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.connectors.salesforce.ranges import conditions, id_text, number
from crmlink.filters import ast
from crmlink.sandbox.salesforce.models.bulk import query_jobs
from tests.connectors.conftest import FAST_RETRY, account, connector, in_range, set_faults

RANGES = Thresholds(force="bulk-ranges", rows_per_job=10)  # 50 rows: 5 jobs


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """The sandbox's `resultPages` pages of 7 rows: several per job of 10."""
    monkeypatch.setattr(query_jobs, "PAGE_RECORDS", 7)


def _ranged(sandbox) -> SalesforceConnector:
    return connector(sandbox, plan_limits=RANGES)


def _rows(opened: SalesforceConnector, **options) -> list[dict]:
    return [row for batch in opened.read("Contact", ["Id", "LastName"], **options) for row in batch]


def _expected(sandbox, **options) -> list[dict]:
    with connector(sandbox, plan_limits=Thresholds(force="rest")) as one:
        return sorted(_rows(one, **options), key=lambda r: r["Id"])


def _jobs_left(opened: SalesforceConnector) -> list[dict]:
    return opened.http.json("GET", opened.http.data("jobs/query"))["records"]


def test_every_row_once_in_id_order_from_several_pages_per_job(sf_fresh):
    expected = _expected(sf_fresh)
    with _ranged(sf_fresh) as opened:
        rows = _rows(opened)
        plan = opened.last_read_plan
        left = _jobs_left(opened)
    assert rows == expected  # the rows in Id order: ranges handed over in order
    assert (plan.api, plan.ranges) == ("bulk-ranges", 5)
    # finished jobs are left for Salesforce to delete (7 days): no DELETE call
    assert sorted(job["state"] for job in left) == ["JobComplete"] * 5
    # COUNT(), 2 ends, per job: create, polls, resultPages, 2 pages of 7 rows
    assert 1 + 2 + 5 * 4 <= plan.calls <= 1 + 2 + 5 * 4 + 10


def test_the_reads_own_filter_holds_in_every_range(sf_fresh):
    where = ast.Comparison("LastName", ast.Op.GE, ast.String("M"))
    expected = _expected(sf_fresh, where=where)
    assert 0 < len(expected) < 50  # a filter that leaves uneven ranges
    with _ranged(sf_fresh) as opened:
        assert _rows(opened, where=where) == expected


def test_failed_jobs_ranges_are_read_by_rest_exactly_once(sf_fresh):
    expected = _expected(sf_fresh)
    set_faults(sf_fresh, "bulk_fail=0.5,seed=11")
    with _ranged(sf_fresh) as opened:
        rows = _rows(opened)
        plan = opened.last_read_plan
    assert rows == expected
    assert "Bulk job failed" in plan.reason and "read by REST pages" in plan.reason


def test_every_job_failing_still_gives_every_row_once(sf_fresh):
    expected = _expected(sf_fresh)
    set_faults(sf_fresh, "bulk_fail=1")
    with _ranged(sf_fresh) as opened:
        rows = _rows(opened)
        plan = opened.last_read_plan
    assert rows == expected
    assert "5 of 5 ranges' Bulk job failed" in plan.reason


def test_page_downloads_cut_mid_body_start_again_without_duplicates(sf_fresh):
    expected = _expected(sf_fresh)
    set_faults(sf_fresh, "drop=0.3,seed=5")
    with _ranged(sf_fresh) as opened:
        assert _rows(opened) == expected


def test_stopping_early_aborts_the_jobs_still_running_and_ends_the_threads(sf_fresh, monkeypatch):
    """Only the first range's job (the one with no lower bound) finishes; the others keep
    running until the read, stopped after its first batch, aborts and deletes them."""
    monkeypatch.setattr(query_jobs, "PAGE_RECORDS", 2)
    create, creating = query_jobs.QueryJobs.create, threading.Lock()

    def slow_unless_first(self, body, version):
        with creating:  # the run time is a module setting, read as the job is created
            later = "Id >=" in body["query"]
            monkeypatch.setattr(query_jobs, "MIN_RUN_SECONDS", 600 if later else 0.2)
            return create(self, body, version)

    monkeypatch.setattr(query_jobs.QueryJobs, "create", slow_unless_first)
    with _ranged(sf_fresh) as opened:
        batches = opened.read("Contact", ["Id"])
        assert next(iter(batches))
        batches.close()
        left = [job["state"] for job in _jobs_left(opened)]
    assert left == ["JobComplete"]  # the 4 running jobs were aborted and deleted
    assert not [t for t in threading.enumerate() if t.name.startswith("crmlink-bulk")]


@pytest.mark.parametrize("count", [50])
def test_the_planner_names_the_jobs_in_the_reason(sf_fresh, count):
    wan = Thresholds(slow_link=0.0, ranges_slow=10, rows_per_job=10, rest_single_slow=10)
    with connector(sf_fresh, plan_limits=wan) as opened:
        assert len(_rows(opened)) == count
        plan = opened.last_read_plan
    assert plan.api == "bulk-ranges"
    assert plan.reason.startswith(f"{count} rows, above 10 on a slow link")
    assert plan.reason.endswith("Bulk jobs over Id ranges, 5 at once")


# -- the split, without a sandbox -----------------------------------------------------------
@pytest.mark.parametrize(("span", "jobs"), [(200_000, 10), (1_000_000, 20), (3, 10), (0, 4)])
def test_lead_points_cut_the_span_first_range_a_quarter_every_id_once(span, jobs):
    low = "0035g0000000001"
    high = id_text(number(low) + span)
    points, shares = lead_points(low, high, jobs)
    assert points == sorted(set(points)) and all(low < p <= high for p in points)
    assert len(shares) == len(points) + 1 <= jobs
    assert sum(shares) == pytest.approx(1.0 if span else 0.0)
    if span >= 1000:
        assert len(points) == jobs - 1
        assert shares[0] == pytest.approx(shares[1] / 4, rel=1e-3)  # rows flow sooner
    ids = [id_text(number(low) + n) for n in range(0, span + 1, max(1, span // 997))]
    ranges = conditions("Id", points)
    assert sorted(sum(([i for i in ids if in_range(c, i)] for c in ranges), [])) == ids


def test_an_org_before_api_58_reads_each_range_by_rest_exactly_once(sf_fresh):
    expected = _expected(sf_fresh)
    old = account(sf_fresh, api_version="57.0")  # no `resultPages` (404)
    with SalesforceConnector(old, retry=FAST_RETRY, plan_limits=RANGES) as opened:
        rows = _rows(opened)
        plan = opened.last_read_plan
    assert rows == expected
    assert "5 of 5 ranges' Bulk job failed (no resultPages before API 58.0" in plan.reason
