"""API-call accounting and logins under threads (result pages download several at
once), and the Bulk poll schedule: intervals that follow the job's progress, capped."""

from __future__ import annotations

import sys
import threading

import httpx
import pytest

from crmlink.connectors.salesforce.bulk import PollPolicy, wait
from tests.connectors.test_http_boundary import restforce, salesforce, sf_api

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
