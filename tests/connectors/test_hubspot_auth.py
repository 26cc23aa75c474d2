"""HubSpot logins on a mock transport: the private app's bearer token, the OAuth
refresh-token grant (cached, refreshed before expiry and once on a 401), refusals."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from crmlink.errors import AuthError
from tests.connectors.test_hubspot_support import (
    TOKEN,
    Clock,
    FakeHubSpot,
    answer,
    connector,
    error,
)

DETAILS = {"portalId": 42, "accountType": "STANDARD", "timeZone": "US/Eastern"}


def _token_endpoint(fake: FakeHubSpot, lifetime: int = 1800) -> list[dict]:
    grants: list[dict] = []

    def grant(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        grants.append(form)
        if form.get("refresh_token") != "rt-secret-1":
            return answer(400, {"status": "BAD_REFRESH_TOKEN", "message": "missing or unknown"})
        token = f"oauth-token-{len(grants)}"
        return answer(200, {"access_token": token, "expires_in": lifetime, "token_type": "bearer"})

    fake.on("POST", "/oauth/v1/token", grant)
    return grants


def _details_for(valid: set[str]):
    def details(request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in valid:
            return error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        return answer(200, DETAILS)

    return details


def test_a_private_app_sends_its_token_as_bearer():
    fake = FakeHubSpot()
    fake.on("GET", "/account-info/v3/details", _details_for({TOKEN}))
    with connector(fake) as hs:
        who = hs.identity()
    assert who.org_id == "42" and who.api_version == "v3" and who.user == "private app"
    assert fake.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_refused_private_app_token_is_an_auth_error_without_the_token():
    fake = FakeHubSpot()
    fake.on("GET", "/account-info/v3/details", _details_for(set()))
    with pytest.raises(AuthError) as caught, connector(fake) as hs:
        hs.identity()
    assert "INVALID_AUTHENTICATION" in caught.value.message
    assert TOKEN not in caught.value.message
    assert len(fake.requests) == 1  # a private-app token is never refreshed


def test_oauth_logs_in_with_the_refresh_grant_and_reuses_the_token():
    fake = FakeHubSpot()
    grants = _token_endpoint(fake)
    fake.on("GET", "/account-info/v3/details", _details_for({"oauth-token-1"}))
    fake.on(
        "GET",
        "/oauth/v1/access-tokens/oauth-token-1",
        {"token": "oauth-token-1", "user": "owner@example.com", "hub_id": 42},
    )
    with connector(fake, "oauth") as hs:
        who = hs.identity()
        hs.identity()
    assert who.user == "owner@example.com"
    assert len(grants) == 1
    assert grants[0] == {
        "grant_type": "refresh_token",
        "client_id": "client-1",
        "client_secret": "shh-client-secret",
        "refresh_token": "rt-secret-1",
    }


def test_oauth_refreshes_before_the_token_expires():
    fake, clock = FakeHubSpot(), Clock()
    grants = _token_endpoint(fake, lifetime=300)
    fake.on("GET", "/account-info/v3/details", _details_for({"oauth-token-1", "oauth-token-2"}))
    with connector(fake, "oauth", clock) as hs:
        hs.http.json("GET", "/account-info/v3/details")
        clock.now += 200  # 100 s left: still good
        hs.http.json("GET", "/account-info/v3/details")
        assert len(grants) == 1
        clock.now += 50  # 50 s left: inside the margin, replaced before it is sent
        hs.http.json("GET", "/account-info/v3/details")
    assert len(grants) == 2
    assert fake.requests[-1].headers["Authorization"] == "Bearer oauth-token-2"
    assert [r.url.path for r in fake.requests].count("/account-info/v3/details") == 3


def test_oauth_refreshes_once_on_a_401_and_replays_the_request():
    fake = FakeHubSpot()
    grants = _token_endpoint(fake)
    fake.on("GET", "/account-info/v3/details", _details_for({"oauth-token-2"}))  # 1 revoked
    with connector(fake, "oauth") as hs:
        assert hs.http.json("GET", "/account-info/v3/details")["portalId"] == 42
    assert len(grants) == 2
    assert hs.api_calls == 1  # the replay belongs to the same call


def test_oauth_a_second_401_is_an_auth_error():
    fake = FakeHubSpot()
    grants = _token_endpoint(fake)
    fake.on("GET", "/account-info/v3/details", _details_for(set()))
    with pytest.raises(AuthError), connector(fake, "oauth") as hs:
        hs.http.json("GET", "/account-info/v3/details")
    assert len(grants) == 2  # the first login, then one refresh


def test_a_refused_refresh_token_is_an_auth_error_naming_no_secret(monkeypatch):
    fake = FakeHubSpot()
    _token_endpoint(fake)
    fake.on("GET", "/account-info/v3/details", _details_for({"oauth-token-1"}))
    hs = connector(fake, "oauth")
    hs.account.secrets["refresh_token"] = "rt-wrong"
    with pytest.raises(AuthError) as caught, hs:
        hs.identity()
    message = caught.value.message
    assert "BAD_REFRESH_TOKEN" in message and "refresh_token" in message
    assert "rt-wrong" not in message and "shh-client-secret" not in message


def test_a_busy_token_endpoint_is_retried():
    fake = FakeHubSpot()
    tries = []

    def busy_then_ok(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        if len(tries) == 1:
            return answer(503, {"status": "error", "message": "try later"})
        return answer(200, {"access_token": "oauth-token-1", "expires_in": 1800})

    fake.on("POST", "/oauth/v1/token", busy_then_ok)
    fake.on("GET", "/account-info/v3/details", _details_for({"oauth-token-1"}))
    with connector(fake, "oauth") as hs:
        assert hs.http.json("GET", "/account-info/v3/details")["portalId"] == 42
    assert len(tries) == 2
