"""OpenID Connect userinfo, token revocation and introspection on the Salesforce sandbox."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import password_token, tls

USERINFO_KEYS = {
    "sub", "user_id", "organization_id", "preferred_username", "nickname", "name", "email",
    "email_verified", "given_name", "family_name", "zoneinfo", "photos", "profile", "picture",
    "address", "is_salesforce_integration_user", "urls", "active", "user_type", "language",
    "locale", "utcOffset", "updated_at", "is_app_installed",
}  # fmt: skip


@pytest.fixture
def http(sf_fresh):
    with httpx.Client(base_url=sf_fresh.url, verify=tls(sf_fresh)) as client:
        yield client


def refresh_grant(http, info) -> httpx.Response:
    return http.post(
        "/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "refresh_token": info["refresh_token"],
        },
    )


def introspect(http, info, token: str) -> httpx.Response:
    creds = {"client_id": info["client_id"], "client_secret": info["client_secret"]}
    return http.post("/services/oauth2/introspect", data={"token": token, **creds})


def limits(http, token: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token}"}
    return http.get("/services/data/v59.0/limits", headers=auth)


def test_userinfo_get_and_post(sf_fresh, http):
    token = password_token(sf_fresh)["access_token"]
    got = http.get("/services/oauth2/userinfo", headers={"Authorization": f"Bearer {token}"})
    posted = http.post("/services/oauth2/userinfo", data={"access_token": token})
    assert got.status_code == posted.status_code == 200
    body = got.json()
    assert set(body) == USERINFO_KEYS
    assert body == posted.json()
    org = sf_fresh.org
    assert body["sub"] == f"{sf_fresh.url}/id/{org.org_id}/{org.user_id}"
    assert body["user_id"] == org.user_id and body["organization_id"] == org.org_id
    assert body["preferred_username"] == sf_fresh.info()["username"]
    assert body["urls"]["rest"].startswith(f"{sf_fresh.url}/services/data/v")


def test_userinfo_refuses_a_bad_token(http):
    response = http.get("/services/oauth2/userinfo", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 403
    assert response.text == "Bad_OAuth_Token"


def test_identity_url_has_urls(sf_fresh, http):
    token = password_token(sf_fresh)
    identity = http.get(token["id"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert identity.status_code == 200
    assert identity.json()["id"] == token["id"]
    assert set(identity.json()["urls"]) >= {"rest", "sobjects", "query", "partner"}


def test_identity_url_needs_a_live_token(sf_fresh, http):
    token = password_token(sf_fresh)
    assert http.get(token["id"]).status_code == 403
    by_param = http.get(token["id"], params={"oauth_token": token["access_token"]})
    assert by_param.status_code == 200 and by_param.json()["id"] == token["id"]


def test_revoked_access_token_is_refused(sf_fresh, http):
    token = password_token(sf_fresh)["access_token"]
    assert limits(http, token).status_code == 200
    revoked = http.post("/services/oauth2/revoke", data={"token": token})
    assert revoked.status_code == 200 and revoked.content == b""
    refused = limits(http, token)
    assert refused.status_code == 401
    assert refused.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_revoking_an_unknown_token(http):
    response = http.post("/services/oauth2/revoke", data={"token": "never-issued"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_token_type"


def test_revoked_refresh_token_takes_its_access_tokens(sf_fresh, http):
    info = sf_fresh.info()
    from_refresh = refresh_grant(http, info).json()["access_token"]
    from_password = password_token(sf_fresh)["access_token"]
    assert http.get("/services/oauth2/revoke", params={"token": info["refresh_token"]}).is_success
    assert refresh_grant(http, info).json()["error"] == "invalid_grant"
    assert limits(http, from_refresh).status_code == 401
    assert limits(http, from_password).status_code == 200
    http.post("/__sandbox__/reset").raise_for_status()
    assert refresh_grant(http, info).status_code == 200  # reset: valid again


def test_introspect_active_access_token(sf_fresh, http):
    info = sf_fresh.info()
    token = password_token(sf_fresh)["access_token"]
    body = introspect(http, info, token).json()
    assert body["active"] is True
    assert body["token_type"] == "access_token"
    assert body["client_id"] == info["client_id"] and body["username"] == info["username"]
    assert body["sub"].endswith(f"/id/{sf_fresh.org.org_id}/{sf_fresh.org.user_id}")
    assert "api" in body["scope"].split()
    assert body["iat"] == body["nbf"] and body["exp"] - body["iat"] == 7200


def test_introspect_refresh_and_dead_tokens(sf_fresh, http):
    info = sf_fresh.info()
    assert introspect(http, info, info["refresh_token"]).json()["token_type"] == "refresh_token"
    assert introspect(http, info, "nope").json() == {"active": False}
    token = password_token(sf_fresh)["access_token"]
    http.post("/services/oauth2/revoke", data={"token": token}).raise_for_status()
    assert introspect(http, info, token).json() == {"active": False}


def test_introspect_requires_client_credentials(sf_fresh, http):
    info = sf_fresh.info()
    token = password_token(sf_fresh)["access_token"]
    bare = http.post("/services/oauth2/introspect", data={"token": token})
    assert bare.status_code == 401
    assert bare.json()["error"] == "invalid_client"
    basic = http.post(
        "/services/oauth2/introspect",
        data={"token": token},
        auth=(info["client_id"], info["client_secret"]),
    )
    assert basic.json()["active"] is True
