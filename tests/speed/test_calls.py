"""API-call accounting and logins under threads (result pages download several at
once), the Bulk poll schedule (intervals that follow the job's progress, capped), and
the calls a whole Bulk import spends, counted by the sandbox."""

from __future__ import annotations

import math
import sys
import threading

import httpx
import pytest

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.connectors.salesforce.bulk import PollPolicy, wait
from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.sandbox.salesforce.models.bulk import query_jobs
from tests.connectors.test_http_boundary import restforce, salesforce, sf_api
from tests.workflow.crm.conftest import Flow, account_settings

THREADS, CALLS = 8, 150


@pytest.fixture
def contended():
    """Switch threads as often as possible, so a lost `+= 1` would show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _in_threads(work, count: int = THREADS) -> None:
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_calls_sent_from_several_threads_are_all_counted(contended):
    ok = restforce("services_data_success_response.json")
    handler, _ = sf_api(lambda request: httpx.Response(200, json=ok))
    http = salesforce(handler)
    http.json("GET", http.data("limits"))  # logs in first: the login is one call too
    before = http.calls

    def work() -> None:
        for _ in range(CALLS):
            http.count_call()
        http.json("GET", http.data("limits"))

    _in_threads(work)
    http.close()
    assert http.calls - before == THREADS * (CALLS + 1)


def test_threads_sharing_an_expired_token_log_in_once_and_reuse_the_new_session():
    """Every thread gets a 401 for the old token at once (a barrier holds the answers):
    one logs in again, the others wait for it and replay with its token."""
    tokens = iter(["auth_success_response.json", "refresh_success_response.json"])
    logins, barrier = [], threading.Barrier(THREADS, timeout=10)
    ok = restforce("services_data_success_response.json")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/services/oauth2/token":
            logins.append(request)
            return httpx.Response(200, json=restforce(next(tokens)))
        if request.headers["Authorization"] != "Bearer refreshed_access_token":
            if request.url.params.get("stale") == "1":
                barrier.wait()  # all threads hold a 401 for the same token
            return httpx.Response(401, json=restforce("expired_session_response.json"))
        return httpx.Response(200, json=ok)

    http = salesforce(handler)
    http.session  # noqa: B018 — the first login, before the threads
    answers: list[object] = []
    _in_threads(
        lambda: answers.append(http.json("GET", http.data("limits"), params={"stale": "1"}))
    )
    http.close()
    assert answers == [ok] * THREADS
    assert (len(logins), http.auth.logins) == (2, 2)


# -- the poll schedule ------------------------------------------------------------------
class FakeJob:
    """A Bulk job taking `seconds` on a fake clock, reporting progress or not."""

    def __init__(self, seconds: float, rows: int, progress: bool) -> None:
        self.seconds, self.rows, self.progress = seconds, rows, progress
        self.now, self.polls = 0.0, 0

    def json(self, method: str, url: str) -> dict:
        self.polls += 1
        done = self.now >= self.seconds
        processed = self.rows if done else int(self.rows * self.now / self.seconds)
        return {
            "id": "750x",
            "state": "JobComplete" if done else "InProgress",
            "numberRecordsProcessed": processed if self.progress or done else 0,
        }

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def wait(self, poll: PollPolicy = PollPolicy(), expected: int | None = None) -> dict:
        return wait(self, "/job", poll, self.sleep, expected, clock=lambda: self.now)  # type: ignore[arg-type]


def test_a_40_s_job_reporting_progress_is_seen_done_within_2_s_in_few_polls():
    job = FakeJob(40.0, 200_000, progress=True)
    assert job.wait(expected=200_000)["state"] == "JobComplete"
    assert job.now - job.seconds <= 2.0
    assert job.polls <= 12


def test_without_progress_figures_the_polls_are_capped_at_2_s_apart():
    job = FakeJob(40.0, 200_000, progress=False)
    job.wait(expected=200_000)
    assert job.now - job.seconds <= PollPolicy().longest
    assert job.polls <= 40 / 2 + 8


@pytest.mark.parametrize("progress", [False, True], ids=["no progress", "progress"])
def test_a_sparing_poll_sees_a_200_s_job_done_in_a_few_polls_at_most_a_minute_late(progress):
    """`read_plan: fewest_calls`: the WAN's 1,000,000-row job (200 s) in 11 polls or
    fewer, against 100 at 2 s apart."""
    job = FakeJob(200.0, 1_000_000, progress=progress)
    job.wait(PollPolicy().sparing(), expected=1_000_000)
    assert job.polls <= 11
    assert job.now - job.seconds <= 60
    default = FakeJob(200.0, 1_000_000, progress=False)
    default.wait(expected=1_000_000)
    assert default.polls >= 90


def test_a_short_job_is_seen_done_quickly():
    job = FakeJob(0.3, 500, progress=False)
    job.wait(expected=500)
    assert job.now <= 0.3 + 0.5 and job.polls <= 3


def test_the_interval_follows_the_predicted_remaining_time_capped():
    poll = PollPolicy()
    from crmlink.connectors.salesforce.bulk import Progress

    assert poll.interval(1.0, None) == 1.5
    assert poll.interval(2.0, None) == 2.0  # capped at `longest`
    assert poll.interval(1.0, Progress(50_000, 200_000, 10.0)) == 15.0  # 30 s left: capped
    assert poll.interval(1.0, Progress(150_000, 200_000, 30.0)) == pytest.approx(8.0)
    assert poll.interval(1.0, Progress(199_990, 200_000, 40.0)) == poll.first


def test_the_first_poll_waits_the_first_interval():
    """A job just created is never done: polling it at once would be a call for nothing."""
    job, seen = FakeJob(0.2, 500, progress=False), []
    original = job.json

    def timed(method: str, url: str) -> dict:
        seen.append(job.now)
        return original(method, url)

    job.json = timed
    assert job.wait(expected=500)["state"] == "JobComplete"
    assert seen == [PollPolicy().first]  # one poll, `first` after the start


# -- the calls of a whole import --------------------------------------------------------
SERVER_PAGE = 7  # the sandbox's `resultPages` page size here (Salesforce sizes its own)
LINKS = 5  # result links of one `resultPages` answer
IMPORT = """
    name: full
    activities:
      read:
        type: crm
        operation: import
        account: sfdc
        object: Contact
        fields: [LastName, Email, Birthdate]
"""


class _BulkFlow(Flow):
    def connector(self, account: str = "sfdc") -> SalesforceConnector:
        opened = SalesforceConnector(
            account_settings(self.sandbox), plan_limits=Thresholds(force="bulk")
        )
        self.connectors.append(opened)
        return opened


def test_a_full_bulk_import_costs_one_call_per_result_page_and_a_few_more(
    database, sf_fresh, monkeypatch
):
    """The budget of issue 12: at most 1 + ⌈rows / page⌉ + a constant under 10, counted by
    the sandbox (token included). The pages are the server's (`resultPages` takes no
    size: a client asking 50,000 would get one page here); no object listing before
    the describe; no DELETE of the finished job (Salesforce drops it after 7 days)."""
    monkeypatch.setattr(query_jobs, "PAGE_RECORDS", SERVER_PAGE)
    flow = _BulkFlow(database, sf_fresh)
    flow.admin("DELETE", "stats")
    try:
        run = flow.run(IMPORT)
    finally:
        for connector in flow.connectors:
            connector.close()
    assert run.succeeded, run.error
    rows = run.activities[0].rows_out
    calls = flow.admin("GET", "stats")["by_endpoint"]
    pages = math.ceil(rows / SERVER_PAGE)
    assert rows == 50
    polls = calls.pop("GET bulk2 query job")
    assert 1 <= polls <= 3
    assert calls == {
        "POST oauth token": 1,
        "GET describe": 1,
        "GET query": 1,  # the planner's COUNT()
        "POST bulk2 query jobs": 1,
        "GET bulk2 query resultPages": math.ceil(pages / LINKS),
        "GET bulk2 query results": pages,
    }
    assert sum(calls.values()) + polls <= 1 + pages + 9
