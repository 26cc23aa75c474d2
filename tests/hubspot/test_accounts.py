"""HubSpot accounts through the CLI, on SQLite and PostgreSQL: from the sandbox's ready
line and with explicit flags (secrets on stdin), for both auth methods; `account test`
reaches the portal; secrets never show; the help names HubSpot's auth methods."""

from __future__ import annotations

import json

import pytest

from tests.hubspot.conftest import add_account


def probed(crmlink, name: str) -> dict:
    result = crmlink("account", "test", name, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("auth", ["private-app", "oauth"])
def test_an_account_from_the_sandbox_ready_line(crmlink, hs_box, auth):
    add_account(crmlink, hs_box, "box", "--auth", auth)
    shown = json.loads(crmlink("account", "show", "box", "--json").output)
    assert (shown["type"], shown["auth"]) == ("hubspot", auth)
    body = probed(crmlink, "box")
    assert body["org_id"] == str(hs_box.info()["portal_id"]) and body["api_version"] == "v3"


def test_a_private_app_account_with_explicit_flags(crmlink, hs_box):
    info = hs_box.info()
    added = crmlink(
        "account", "add", "pat", "--type", "hubspot", "--url", info["url"],
        "--auth", "private-app", "--ca-bundle", info["ca_bundle"], "--secrets-stdin",
        input=f"access_token={info['access_token']}\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Added account 'pat' (hubspot, private-app)" in added.output
    body = probed(crmlink, "pat")
    assert body["org_id"] == str(info["portal_id"])
    shown = crmlink("account", "show", "pat", "--json").output
    assert info["access_token"] not in shown


def test_an_oauth_account_with_explicit_flags(crmlink, hs_box):
    info = hs_box.info()
    added = crmlink(
        "account", "add", "app", "--type", "hubspot", "--url", info["url"],
        "--auth", "oauth", "--client-id", info["client_id"], "--ca-bundle", info["ca_bundle"],
        "--secrets-stdin",
        input=f"client_secret={info['client_secret']}\nrefresh_token={info['refresh_token']}\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "(hubspot, oauth)" in added.output
    body = probed(crmlink, "app")
    assert body["org_id"] == str(info["portal_id"])
    assert body["user"] == "admin@crmlink-sandbox.example"  # the user who installed the app
    shown = crmlink("account", "show", "app", "--json").output
    assert info["client_secret"] not in shown and info["refresh_token"] not in shown


def test_an_oauth_account_without_its_refresh_token_is_refused(crmlink, hs_box):
    info = hs_box.info()
    added = crmlink(
        "account", "add", "half", "--type", "hubspot", "--url", info["url"],
        "--auth", "oauth", "--client-id", info["client_id"], "--ca-bundle", info["ca_bundle"],
        "--secrets-stdin", input=f"client_secret={info['client_secret']}\n",
    )  # fmt: skip
    assert added.exit_code == 2
    assert "refresh_token" in added.output and "Traceback" not in added.output


def test_a_revoked_refresh_token_fails_the_test_in_one_sentence(crmlink, hs_box):
    info = hs_box.info()
    crmlink(
        "account", "add", "stale", "--type", "hubspot", "--url", info["url"],
        "--auth", "oauth", "--client-id", info["client_id"], "--ca-bundle", info["ca_bundle"],
        "--secrets-stdin",
        input=f"client_secret={info['client_secret']}\nrefresh_token=not-the-token\n",
    )  # fmt: skip
    result = crmlink("account", "test", "stale")
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "not-the-token" not in result.output
    assert "HubSpot refused the OAuth login of account stale" in result.output


def test_account_help_names_hubspot_and_its_auth_methods(crmlink):
    helped = crmlink("account", "add", "--help")
    assert helped.exit_code == 0
    text = " ".join(helped.output.split())
    assert "hubspot" in text and "private-app" in text and "oauth" in text
    assert "access_token" in text
    assert "The CRM app's client id (salesforce:" in text and "hubspot: oauth)" in text
    assert "HubSpot" in " ".join(crmlink("--help").output.split())  # the labels, generated
