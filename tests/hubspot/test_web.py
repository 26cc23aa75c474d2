"""The web console with HubSpot, on SQLite and PostgreSQL: the account form offers it
(its auth methods and secret fields, from the registry), a private-app and an OAuth
account are added and tested through the pages, and no page carries a secret."""

from __future__ import annotations

from tests.web.conftest import (  # the console's fixtures, served over TLS
    console,
    new_client,
    page_csrf,
    server,
    settings,
    signed_in,
    users,
)

__all__ = ["console", "new_client", "server", "settings", "signed_in", "users"]


def _create(admin, values: dict):
    return admin.post("/accounts", data=values | {"csrf_token": page_csrf(admin)})


def test_the_form_offers_hubspot_and_its_secrets(signed_in):
    html = signed_in("admin").get("/accounts/new").text
    assert 'value="hubspot"' in html and ">HubSpot<" in html
    for method in ("private-app", "oauth"):
        assert f'value="{method}"' in html
    assert 'name="secret_access_token"' in html and 'name="secret_refresh_token"' in html
    assert "Tenant id (Dynamics)" not in html  # the settings say which CRMs use them
    assert "Used by salesforce" in html and "hubspot: oauth" in html


def test_a_private_app_account_is_added_and_tested(signed_in, hs_box, console):
    info = hs_box.info()
    admin = signed_in("admin")
    form = {"name": "hs", "type": "hubspot", "auth": "private-app", "url": info["url"],
            "ca_bundle": info["ca_bundle"],
            "secret_access_token": info["access_token"]}  # fmt: skip
    answer = _create(admin, form)
    assert (answer.status_code, answer.headers["location"]) == (303, "/accounts/hs")
    assert console.state.web.accounts().settings("hs").secrets == {
        "access_token": info["access_token"]
    }
    tested = admin.post("/accounts/hs/test", data={"csrf_token": page_csrf(admin)})
    assert tested.status_code == 200
    assert f'<dd id="org-id">{info["portal_id"]}</dd>' in tested.text
    for page in ("/accounts", "/accounts/hs", "/accounts/hs/edit"):
        assert info["access_token"] not in admin.get(page).text
    assert info["access_token"] not in tested.text


def test_an_oauth_account_is_added_and_tested_by_an_operator(signed_in, hs_box, console):
    info = hs_box.info()
    form = {"name": "hsapp", "type": "hubspot", "auth": "oauth", "url": info["url"],
            "client_id": info["client_id"], "ca_bundle": info["ca_bundle"],
            "secret_client_secret": info["client_secret"],
            "secret_refresh_token": info["refresh_token"]}  # fmt: skip
    assert _create(signed_in("admin"), form).status_code == 303
    operator = signed_in("operator")
    tested = operator.post("/accounts/hsapp/test", data={"csrf_token": page_csrf(operator)})
    assert f'<dd id="org-id">{info["portal_id"]}</dd>' in tested.text
    assert "admin@crmlink-sandbox.example" in tested.text  # the OAuth token's user
    for secret in (info["client_secret"], info["refresh_token"]):
        assert secret not in tested.text and secret not in operator.get("/accounts/hsapp").text


def test_an_oauth_account_without_its_refresh_token_is_refused_on_the_form(signed_in, hs_box):
    info = hs_box.info()
    form = {"name": "half", "type": "hubspot", "auth": "oauth", "url": info["url"],
            "client_id": info["client_id"], "ca_bundle": info["ca_bundle"],
            "secret_client_secret": info["client_secret"]}  # fmt: skip
    answer = _create(signed_in("admin"), form)
    assert answer.status_code == 400
    assert 'class="error"' in answer.text and "refresh_token" in answer.text
    assert info["client_secret"] not in answer.text
