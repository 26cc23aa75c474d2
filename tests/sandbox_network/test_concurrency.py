"""Concurrency limits under the profile: N requests in flight, the N+1th refused at once in
each CRM's own shape; the limit frees as requests end. Slow requests are made slow with the
fault `latency` (server time, counted while in flight)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import password_token
from tests.sandbox_network.helpers import (
    calls,
    dv_client,
    dv_token,
    set_faults,
    sf_client,
    verify,
    wait_for,
)

LIMIT = 4


def _in_flight(pool: ThreadPoolExecutor, sandbox, get, count: int) -> list:
    """Start `count` slow requests and return once all are in flight (counted in the
    stats, which happens past the concurrency gate)."""
    before = calls(sandbox)
    running = [pool.submit(get) for _ in range(count)]
    wait_for(lambda: calls(sandbox) - before >= count)
    return running


def test_salesforce_refuses_the_request_over_its_long_running_limit(sf_fresh):
    token = password_token(sf_fresh)["access_token"]

    def slow() -> int:
        with sf_client(sf_fresh, token) as api:
            return api.get("/limits").status_code

    set_faults(sf_fresh, f"profile=wan,rtt_ms=0,concurrency={LIMIT},long_running_s=0,latency=2000")
    with ThreadPoolExecutor(max_workers=LIMIT) as pool, sf_client(sf_fresh, token) as api:
        running = _in_flight(pool, sf_fresh, slow, LIMIT)
        refused = api.get("/limits")
        assert [r.result() for r in running] == [200] * LIMIT
        set_faults(sf_fresh, f"profile=wan,rtt_ms=0,concurrency={LIMIT},long_running_s=0")
        after = api.get("/limits")
    assert refused.status_code == 403
    assert refused.json() == [
        {
            "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ]
    assert after.status_code == 200  # the slow ones ended: the limit is free again


def test_salesforce_counts_only_long_running_requests(sf_fresh):
    """Requests shorter than long_running_s are never limited, however many."""
    token = password_token(sf_fresh)["access_token"]

    def slow() -> int:
        with sf_client(sf_fresh, token) as api:
            return api.get("/limits").status_code

    set_faults(sf_fresh, f"profile=wan,rtt_ms=0,concurrency={LIMIT},latency=1000")
    with ThreadPoolExecutor(max_workers=LIMIT + 2) as pool:
        running = _in_flight(pool, sf_fresh, slow, LIMIT + 2)
        assert [r.result() for r in running] == [200] * (LIMIT + 2)


def test_dataverse_refuses_the_request_over_its_concurrency_limit(dv_net):
    token, same_user = dv_token(dv_net), dv_token(dv_net)

    def slow() -> int:
        with dv_client(dv_net, token) as api:
            return api.get("/WhoAmI").status_code

    set_faults(dv_net, f"profile=wan,rtt_ms=0,concurrency={LIMIT},latency=2000,retry_after=3")
    with ThreadPoolExecutor(max_workers=LIMIT) as pool:
        running = _in_flight(pool, dv_net, slow, LIMIT)
        with dv_client(dv_net, same_user) as api:  # another token, the same user
            refused = api.get("/WhoAmI")
        assert [r.result() for r in running] == [200] * LIMIT
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3"
    assert refused.json() == {
        "error": {
            "code": "0x80072326",
            "message": f"Number of concurrent requests exceeded the limit of {LIMIT}.",
        }
    }


def test_dataverse_counts_each_user_apart(dv_net):
    app_user, admin = dv_token(dv_net), dv_token(dv_net, user=True)

    def slow() -> int:
        with dv_client(dv_net, app_user) as api:
            return api.get("/WhoAmI").status_code

    set_faults(dv_net, "profile=wan,rtt_ms=0,concurrency=1,latency=1500")
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = _in_flight(pool, dv_net, slow, 1)
        with dv_client(dv_net, admin) as api:
            other_user = api.get("/WhoAmI")
        assert running[0].result() == 200
    assert other_user.status_code == 200


def test_refused_requests_are_counted_and_control_calls_never_refused(dv_net):
    token = dv_token(dv_net)

    def slow() -> int:
        with dv_client(dv_net, token) as api:
            return api.get("/WhoAmI").status_code

    set_faults(dv_net, "profile=wan,rtt_ms=0,concurrency=1,latency=1500")
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = _in_flight(pool, dv_net, slow, 1)
        before = calls(dv_net)
        with dv_client(dv_net, token) as api:
            assert api.get("/WhoAmI").status_code == 429
        faults = httpx.get(f"{dv_net.url}/__sandbox__/faults", verify=verify(dv_net))
        assert faults.status_code == 200
        assert calls(dv_net) == before + 1
        assert running[0].result() == 200
