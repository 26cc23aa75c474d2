"""OAuth 2.0 (authorize → code → tokens, refresh, expiry on the sandbox clock,
introspection, refresh-token deletion) and the account-info endpoints."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sandbox_hs.conftest import hs_client

REDIRECT = "http://localhost:8976/callback"


@pytest.fixture
def oauth(hs_sandbox):
    with hs_client(hs_sandbox, token="") as client:
        yield client


def _code(oauth, info, scope="crm.objects.contacts.read oauth", state=None) -> str:
    params = {"client_id": info["client_id"], "redirect_uri": REDIRECT, "scope": scope}
    if state:
        params["state"] = state
    answer = oauth.get("/oauth/authorize", params=params)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    if state:
        assert query["state"] == [state]
    return query["code"][0]


def _grant(oauth, info, **form) -> dict:
    base = {"client_id": info["client_id"], "client_secret": info["client_secret"]}
    answer = oauth.post("/oauth/v1/token", data={**base, **form})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_authorization_code_then_refresh_then_introspection(oauth, hs_sandbox):
    info = hs_sandbox.info()
    code = _code(oauth, info, state="xyz")
    tokens = _grant(oauth, info, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 1800
    assert set(tokens) == {"token_type", "refresh_token", "access_token", "expires_in"}
    with hs_client(hs_sandbox, token=tokens["access_token"]) as api:
        assert api.get("/crm/v3/objects/contacts", params={"limit": 1}).status_code == 200
    about = oauth.get(f"/oauth/v1/access-tokens/{tokens['access_token']}").json()
    assert about["token"] == tokens["access_token"]
    assert about["hub_id"] == info["portal_id"] and about["token_type"] == "access"
    assert about["scopes"] == ["crm.objects.contacts.read", "oauth"]
    assert 0 < about["expires_in"] <= 1800
    assert {"user", "hub_domain", "app_id", "user_id"} <= set(about)
    refreshed = _grant(
        oauth, info, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed["refresh_token"] == tokens["refresh_token"]
    assert refreshed["access_token"] != tokens["access_token"]
    refresh_info = oauth.get(f"/oauth/v1/refresh-tokens/{tokens['refresh_token']}").json()
    assert (
        refresh_info["client_id"] == info["client_id"] and refresh_info["token_type"] == "refresh"
    )
    assert oauth.delete(f"/oauth/v1/refresh-tokens/{tokens['refresh_token']}").status_code == 204
    assert oauth.get(f"/oauth/v1/refresh-tokens/{tokens['refresh_token']}").status_code == 404
    dead = oauth.post(
        "/oauth/v1/token",
        data={
            "grant_type": "refresh_token",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert dead.status_code == 400 and dead.json()["status"] == "BAD_REFRESH_TOKEN"


def test_the_installed_apps_refresh_token_from_the_ready_line(oauth, hs_sandbox):
    info = hs_sandbox.info()
    tokens = _grant(oauth, info, grant_type="refresh_token", refresh_token=info["refresh_token"])
    with hs_client(hs_sandbox, token=tokens["access_token"]) as api:
        assert api.get("/crm/v3/properties/deals").status_code == 200


def test_access_tokens_expire_on_the_sandbox_clock(oauth, hs_sandbox):
    info = hs_sandbox.info()
    tokens = _grant(oauth, info, grant_type="refresh_token", refresh_token=info["refresh_token"])
    offset = hs_sandbox.clock.offset
    try:
        hs_sandbox.clock.advance(1805)
        with hs_client(hs_sandbox, token=tokens["access_token"]) as api:
            answer = api.get("/crm/v3/objects/contacts")
        assert answer.status_code == 401
        body = answer.json()
        assert body["category"] == "EXPIRED_AUTHENTICATION"
        assert body["message"].startswith("The OAuth token used to make this call expired ")
        assert oauth.get(f"/oauth/v1/access-tokens/{tokens['access_token']}").status_code == 404
        # the private-app token never expires
        with hs_client(hs_sandbox) as private:
            assert private.get("/crm/v3/objects/contacts", params={"limit": 1}).status_code == 200
    finally:
        hs_sandbox.clock.offset = offset


def test_refused_grants(oauth, hs_sandbox):
    info = hs_sandbox.info()
    code = _code(oauth, info)
    base = {"client_id": info["client_id"], "client_secret": info["client_secret"]}
    cases = [
        ({**base, "grant_type": "password"}, "BAD_GRANT_TYPE"),
        ({**base, "client_id": "nope", "grant_type": "refresh_token"}, "BAD_CLIENT_ID"),
        ({**base, "client_secret": "nope", "grant_type": "refresh_token"}, "BAD_CLIENT_SECRET"),
        (
            {**base, "grant_type": "authorization_code", "code": "nope", "redirect_uri": REDIRECT},
            "BAD_AUTH_CODE",
        ),
        (
            {**base, "grant_type": "authorization_code", "code": code, "redirect_uri": "http://x/"},
            "BAD_REDIRECT_URI",
        ),
    ]
    for form, status in cases:
        answer = oauth.post("/oauth/v1/token", data=form)
        assert answer.status_code == 400 and answer.json()["status"] == status, form
        assert answer.json()["correlationId"]
    # a code is used once (the failed redirect above consumed it)
    reused = oauth.post(
        "/oauth/v1/token",
        data={**base, "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
    )
    assert reused.json()["status"] == "BAD_AUTH_CODE"
    unknown_client = oauth.get(
        "/oauth/authorize", params={"client_id": "nope", "redirect_uri": REDIRECT}
    )
    assert unknown_client.status_code == 400
    for elsewhere in ("https://attacker.example/cb", "javascript:alert(1)", ""):
        refused = oauth.get(
            "/oauth/authorize", params={"client_id": info["client_id"], "redirect_uri": elsewhere}
        )
        assert refused.status_code == 400 and refused.json()["status"] == "BAD_REDIRECT_URI"
    registered = oauth.get(
        "/oauth/authorize",
        params={"client_id": info["client_id"], "redirect_uri": info["redirect_uri"]},
    )
    assert registered.headers["Location"].startswith(info["redirect_uri"] + "?code=")


def test_account_details_and_daily_usage(hs, hs_sandbox):
    details = hs.get("/account-info/v3/details").json()
    assert details["portalId"] == hs_sandbox.info()["portal_id"]
    assert {
        "accountType",
        "timeZone",
        "companyCurrency",
        "additionalCurrencies",
        "utcOffset",
        "utcOffsetMilliseconds",
        "uiDomain",
        "dataHostingLocation",
    } <= set(details)
    first = hs.get("/account-info/v3/api-usage/daily/private-apps").json()["results"][0]
    second = hs.get("/account-info/v3/api-usage/daily/private-apps").json()["results"][0]
    assert second["currentUsage"] == first["currentUsage"] + 1
    assert first["usageLimit"] == 250_000 and first["fetchStatus"] == "SUCCESS"
    assert first["resetsAt"].endswith("T00:00:00.000Z") and first["collectedAt"].endswith("Z")
