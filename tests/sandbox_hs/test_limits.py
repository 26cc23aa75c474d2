"""Rate limits: the ten-second window (tier 100 or 190, overridable), the daily limit,
their `X-HubSpot-RateLimit-*` headers (no daily ones for OAuth), HubSpot's 429 bodies, the
5-per-second search bucket; faults and the network profile in HubSpot's shapes."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from crmlink.sandbox.hubspot.app import HubSpotSandbox
from crmlink.sandbox.hubspot.errors import RateLimited
from tests.sandbox_hs.conftest import hs_client

HEADERS = (
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Secondly",
    "X-HubSpot-RateLimit-Secondly-Remaining",
)


@pytest.fixture
def limited(tmp_path):
    sandbox = HubSpotSandbox(state_dir=tmp_path, records=5, seed=1, tier=100, daily_limit=40)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _raw_names(response) -> list[str]:
    return [name.decode() for name, _ in response.headers.raw]


def test_headers_spelled_as_hubspot_and_counting_down(limited):
    with hs_client(limited) as api:
        first = api.get("/crm/v3/objects/contacts")
        second = api.get("/crm/v3/objects/contacts")
    assert set(HEADERS) <= set(_raw_names(first))
    assert first.headers["X-HubSpot-RateLimit-Max"] == "100"
    assert first.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert first.headers["X-HubSpot-RateLimit-Secondly"] == "10"
    assert first.headers["X-HubSpot-RateLimit-Daily"] == "40"
    assert (
        int(second.headers["X-HubSpot-RateLimit-Remaining"])
        == int(first.headers["X-HubSpot-RateLimit-Remaining"]) - 1
    )
    assert int(second.headers["X-HubSpot-RateLimit-Daily-Remaining"]) == 38


def test_oauth_answers_carry_no_daily_headers_and_have_their_own_window(limited):
    info = limited.info()
    with hs_client(limited, token="") as anon:
        tokens = anon.post(
            "/oauth/v1/token",
            data={
                "grant_type": "refresh_token",
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
                "refresh_token": info["refresh_token"],
            },
        ).json()
    with hs_client(limited, token=tokens["access_token"]) as api:
        answer = api.get("/crm/v3/objects/contacts")
    names = set(_raw_names(answer))
    assert "X-HubSpot-RateLimit-Max" in names and answer.headers["X-HubSpot-RateLimit-Max"] == "110"
    assert "X-HubSpot-RateLimit-Daily" not in names


def test_the_ten_second_window_then_429(tmp_path):
    sandbox = HubSpotSandbox(state_dir=tmp_path, records=0, tier=100)
    sandbox.start()
    try:
        with hs_client(sandbox) as api:
            answers = [api.get("/crm/v3/properties/contacts/email") for _ in range(101)]
            assert [a.status_code for a in answers[:100]] == [200] * 100
            refused = answers[100]
            assert refused.status_code == 429
            body = refused.json()
            assert body["message"] == "You have reached your ten_secondly_rolling limit."
            assert (
                body["errorType"] == "RATE_LIMIT" and body["policyName"] == "TEN_SECONDLY_ROLLING"
            )
            assert body["groupName"] and body["correlationId"]
            assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
            sandbox.clock.advance(10)  # the window rolls on with the sandbox clock
            assert api.get("/crm/v3/properties/contacts/email").status_code == 200
    finally:
        sandbox.stop()


def test_the_daily_limit(limited):
    with hs_client(limited) as api:
        statuses = [api.get("/crm/v3/schemas").status_code for _ in range(41)]
        assert statuses[:40] == [200] * 40 and statuses[40] == 429
        body = api.get("/crm/v3/schemas").json()
        assert body["policyName"] == "DAILY"
        assert body["message"] == "You have reached your daily limit."
        limited.clock.advance(86_400)  # the next day
        assert api.get("/crm/v3/schemas").status_code == 200


def test_the_search_bucket_allows_five_a_second(limited):
    limited.limits.reset()
    for _ in range(5):
        limited.limits.search(None)
    with pytest.raises(RateLimited) as refused:
        limited.limits.search(None)
    assert refused.value.policy == "SECONDLY"
    assert refused.value.body()["message"] == "You have reached your secondly limit."
    limited.clock.advance(1)
    limited.limits.search(None)


def test_faults_answer_in_hubspots_shapes(hs_sandbox):
    with hs_client(hs_sandbox) as api:
        try:
            api.put("/__sandbox__/faults", content="429=1,retry_after=3")
            answer = api.get("/crm/v3/objects/contacts")
            assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
            assert answer.json()["policyName"] == "TEN_SECONDLY_ROLLING"
            api.put("/__sandbox__/faults", content="503=1")
            failed = api.get("/crm/v3/objects/contacts")
            assert failed.status_code == 503 and failed.json()["status"] == "error"
            api.put("/__sandbox__/faults", content="limit=1")
            assert api.get("/crm/v3/objects/contacts").json()["policyName"] == "DAILY"
        finally:
            api.put("/__sandbox__/faults", content="")


def test_the_wan_profile_adds_a_round_trip(hs_sandbox):
    with hs_client(hs_sandbox) as api:
        try:
            api.put("/__sandbox__/faults", content="profile=wan,rtt_ms=150")
            started = time.monotonic()
            assert api.get("/crm/v3/objects/contacts", params={"limit": 1}).status_code == 200
            assert time.monotonic() - started >= 0.15
            api.put("/__sandbox__/faults", content="profile=wan,concurrency=1,long_running_s=0")
            assert api.get("/account-info/v3/details").status_code == 200  # one at a time passes
        finally:
            api.put("/__sandbox__/faults", content="")


def test_a_concurrency_limit_set_in_the_faults_refuses_as_hubspot_does(hs_sandbox):
    with hs_client(hs_sandbox) as api:
        try:
            api.put("/__sandbox__/faults", content="latency=400,concurrency=1,long_running_s=0")
            with ThreadPoolExecutor(2) as pool:
                answers = list(
                    pool.map(
                        lambda _: api.get("/crm/v3/objects/contacts", params={"limit": 1}), range(2)
                    )
                )
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [200, 429]
            refused = next(a for a in answers if a.status_code == 429)
            assert refused.json()["policyName"] == "TEN_SECONDLY_ROLLING"
        finally:
            api.put("/__sandbox__/faults", content="")
