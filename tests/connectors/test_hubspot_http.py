"""HubSpot's HTTP layer on a mock transport: its error bodies mapped to crmlink's errors,
the rate-limit headers remembered and honoured (ten-second window, 5 searches a second),
429s retried after the limit's interval, a daily 429 not retried."""

from __future__ import annotations

import httpx
import pytest

from crmlink.errors import (
    AuthError,
    NotFoundError,
    QuotaExhausted,
    RemoteError,
    RetryableError,
    UsageError,
)
from tests.connectors.test_hubspot_support import Clock, FakeHubSpot, answer, connector, error

PATH = "/crm/v3/objects/contacts"
SEARCH = "/crm/v3/objects/contacts/search"


@pytest.mark.parametrize(
    ("status", "category", "kind"),
    [
        (400, "VALIDATION_ERROR", UsageError),
        (401, "INVALID_AUTHENTICATION", AuthError),
        (403, "MISSING_SCOPES", AuthError),
        (404, "OBJECT_NOT_FOUND", NotFoundError),
        (409, "CONFLICT", RemoteError),
        (500, "INTERNAL_ERROR", RemoteError),
    ],
)
def test_error_bodies_map_to_the_error_tree(status, category, kind):
    fake = FakeHubSpot()
    fake.on("GET", PATH, lambda r: error(status, category, "It went wrong."))
    with pytest.raises(kind) as caught, connector(fake) as hs:
        hs.http.json("GET", PATH)
    assert type(caught.value) is kind
    assert caught.value.message == f"HubSpot answered {status} {category}: It went wrong."
    assert caught.value.context["code"] == category and caught.value.context["status"] == status
    assert len(fake.requests) == 1  # none of these is retried


def test_the_sub_category_is_the_code_when_hubspot_sends_one():
    fake = FakeHubSpot()
    reply = error(400, "VALIDATION_ERROR", "Bad.", subCategory="INVALID_OPTION")
    fake.on("GET", PATH, lambda r: reply)
    with pytest.raises(UsageError) as caught, connector(fake) as hs:
        hs.http.json("GET", PATH)
    assert caught.value.context["code"] == "INVALID_OPTION"


def _limited(policy: str, then: dict, headers: dict | None = None):
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return error(
                429,
                "RATE_LIMITS",
                "You have reached your ten_secondly_rolling limit.",
                errorType="RATE_LIMIT",
                policyName=policy,
                headers=headers,
            )
        return answer(200, then)

    return handler, calls


def test_a_ten_secondly_429_is_retried_after_the_window():
    fake, clock = FakeHubSpot(), Clock()
    handler, calls = _limited(
        "TEN_SECONDLY_ROLLING",
        {"results": []},
        {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"},
    )
    fake.on("GET", PATH, handler)
    with connector(fake, clock=clock) as hs:
        assert hs.http.json("GET", PATH) == {"results": []}
    assert len(calls) == 2 and clock.slept == [10.0]


def test_a_secondly_429_is_retried_after_a_second():
    fake, clock = FakeHubSpot(), Clock()
    handler, calls = _limited("SECONDLY", {"results": []})
    fake.on("POST", SEARCH, handler)
    with connector(fake, clock=clock) as hs:
        hs.http.json("POST", SEARCH, json={})
    assert len(calls) == 2 and clock.slept == [1.0]


def test_a_daily_429_is_quota_exhausted_and_not_retried():
    fake = FakeHubSpot()
    handler, calls = _limited("DAILY", {"results": []})
    fake.on("GET", PATH, handler)
    with pytest.raises(QuotaExhausted) as caught, connector(fake) as hs:
        hs.http.json("GET", PATH)
    assert len(calls) == 1 and "daily API limit" in caught.value.message


def test_a_503_is_retryable():
    fake = FakeHubSpot()
    fake.on("GET", PATH, lambda r: error(503, "INTERNAL_ERROR", "Unavailable."))
    with pytest.raises(RetryableError), connector(fake) as hs:
        hs.http.json("GET", PATH)
    assert len(fake.requests) == 4  # FAST_RETRY's attempts


def _headers(remaining: int, secondly: int = 9, daily_left: int = 499_000) -> dict:
    return {
        "X-HubSpot-RateLimit-Daily": "500000",
        "X-HubSpot-RateLimit-Daily-Remaining": str(daily_left),
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Max": "190",
        "X-HubSpot-RateLimit-Remaining": str(remaining),
        "X-HubSpot-RateLimit-Secondly": "19",
        "X-HubSpot-RateLimit-Secondly-Remaining": str(secondly),
    }


def test_rate_headers_are_remembered_and_a_spent_window_is_waited_out():
    fake, clock = FakeHubSpot(), Clock()
    left = iter([1, 0, 189])
    fake.on("GET", PATH, lambda r: answer(200, {}, _headers(next(left))))
    with connector(fake, clock=clock) as hs:
        hs.http.json("GET", PATH)
        assert hs.http.rate["x-hubspot-ratelimit-remaining"] == "1"
        hs.http.json("GET", PATH)  # answers Remaining: 0
        clock.now += 4  # 4 s of the 10 s window have passed
        hs.http.json("GET", PATH)
        assert clock.slept == [6.0]
        assert hs.http.rate["x-hubspot-ratelimit-max"] == "190"


def test_searches_are_paced_to_five_a_second():
    fake, clock = FakeHubSpot(), Clock()
    sent_at: list[float] = []

    def search(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.now)
        return answer(200, {"total": 0, "results": []})

    fake.on("POST", SEARCH, search)
    fake.on("GET", PATH, {"results": []})
    with connector(fake, clock=clock) as hs:
        for _ in range(12):
            hs.http.json("POST", SEARCH, json={})
            hs.http.json("GET", PATH)  # other calls are not paced by the search limit
            clock.now += 0.01
    assert len(sent_at) == 12
    for i in range(len(sent_at) - 5):
        assert sent_at[i + 5] - sent_at[i] >= 1.0  # never 6 in one second
    assert sent_at[-1] - sent_at[0] < 2.5  # and no slower than that


def test_a_spent_secondly_search_limit_waits_a_second():
    fake, clock = FakeHubSpot(), Clock()
    fake.on("POST", SEARCH, lambda r: answer(200, {"results": []}, _headers(100, secondly=0)))
    with connector(fake, clock=clock) as hs:
        hs.http.json("POST", SEARCH, json={})
        hs.http.json("POST", SEARCH, json={})
    assert clock.slept and 1.0 <= clock.slept[0] <= 1.1


def test_usage_comes_from_the_daily_headers():
    fake = FakeHubSpot()
    left = iter([400_000, 399_990])
    fake.on("GET", PATH, lambda r: answer(200, {}, _headers(100, daily_left=next(left))))
    with connector(fake) as hs:
        hs.http.json("GET", PATH)
        before = hs.usage()
        hs.http.json("GET", PATH)
        after = hs.usage()
    assert (before.used, before.limit) == (100_000, 500_000)
    assert after.used == 100_010
    assert after.details["x-hubspot-ratelimit-max"] == "190"


def test_usage_without_headers_asks_the_daily_usage_endpoint():
    fake = FakeHubSpot()
    usage = {"results": [{"name": "api-calls-daily", "usageLimit": 250000, "currentUsage": 1234}]}
    fake.on("GET", "/account-info/v3/api-usage/daily/private-apps", usage)
    with connector(fake) as hs:
        found = hs.usage()
    assert (found.used, found.limit) == (1234, 250000)


def test_an_introspected_token_is_masked_in_error_context():
    fake = FakeHubSpot()
    with pytest.raises(NotFoundError) as caught, connector(fake) as hs:
        hs.http.json("GET", "/oauth/v1/access-tokens/secret-token-value")
    assert caught.value.context["path"] == "/oauth/v1/access-tokens/***"
