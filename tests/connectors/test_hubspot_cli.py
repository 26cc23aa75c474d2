"""End to end through the CLI: HubSpot accounts added (by hand and from the sandbox's
ready line), tested, and run through the wizard, on SQLite and PostgreSQL (the `crmlink`
fixture), with no change above `connectors/`."""

from __future__ import annotations

import json

import pytest

from crmlink.sandbox.hubspot.app import HubSpotSandbox


@pytest.fixture(scope="module")
def hs_sandbox(tmp_path_factory):
    sandbox = HubSpotSandbox(state_dir=tmp_path_factory.mktemp("hs-cli"), records=30, seed=3)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_account_add_test_and_wizard(crmlink, hs_sandbox):
    info = hs_sandbox.info()
    added = crmlink(
        "account", "add", "hs", "--type", "hubspot", "--url", info["url"],
        "--auth", "private-app", "--ca-bundle", info["ca_bundle"], "--secrets-stdin",
        input=f"access_token={info['access_token']}\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Added account 'hs' (hubspot, private-app)" in added.output
    tested = crmlink("account", "test", "hs", "--json")
    assert tested.exit_code == 0, tested.output
    body = json.loads(tested.output)
    assert body["api_version"] == "v3" and body["org_id"] == str(info["portal_id"])
    assert body["usage"]["limit"] == 250_000 and body["usage"]["used"] >= 1
    listed = crmlink("wizard", "hs", "--list")
    assert listed.exit_code == 0, listed.output
    for table in ("contacts", "companies", "deals", "loyalty_card"):
        assert table in listed.output
    wizard = crmlink("wizard", "hs", "--tables", "contacts")
    assert wizard.exit_code == 0, wizard.output
    shown = crmlink("schema", "show", "hs_contacts", "--json")
    assert shown.exit_code == 0, shown.output
    columns = json.dumps(json.loads(shown.output))
    assert "hs_object_id" in columns and "hs_lastmodifieddate" in columns
    assert "interests" in columns  # a multiple-checkbox property
    synced = crmlink("enum", "sync", "hs", "--all", "--json")
    assert synced.exit_code == 0, synced.output
    by_name = {e["enumeration"]: e for e in json.loads(synced.output)}
    assert by_name["contacts_lifecyclestage"]["added"] > 0
    assert by_name["contacts_interests"]["added"] > 0
    shown = crmlink("enum", "show", "contacts_interests", "--json")
    assert shown.exit_code == 0, shown.output
    enumeration = json.loads(shown.output)
    assert enumeration["multiple"] is True
    assert all(v["label"] for v in enumeration["values"])  # HubSpot's option labels


def test_an_account_from_the_sandbox_ready_line_tests_with_oauth(crmlink, hs_sandbox):
    state = str(hs_sandbox.state_dir)
    added = crmlink("account", "add", "box", "--from-sandbox", state)
    assert added.exit_code == 0, added.output
    assert "(hubspot, private-app)" in added.output
    assert crmlink("account", "test", "box").exit_code == 0
    oauth = crmlink("account", "add", "boxo", "--from-sandbox", state, "--auth", "oauth")
    assert oauth.exit_code == 0, oauth.output
    tested = crmlink("account", "test", "boxo", "--json")
    assert tested.exit_code == 0, tested.output
    body = json.loads(tested.output)
    assert body["user"] == "admin@crmlink-sandbox.example"  # the OAuth token's user


def test_a_wrong_token_is_one_sentence_not_a_traceback(crmlink, hs_sandbox):
    info = hs_sandbox.info()
    crmlink(
        "account", "add", "bad", "--type", "hubspot", "--url", info["url"],
        "--auth", "private-app", "--ca-bundle", info["ca_bundle"], "--secrets-stdin",
        input="access_token=pat-na1-wrong\n",
    )  # fmt: skip
    tested = crmlink("account", "test", "bad")
    assert tested.exit_code != 0
    assert "HubSpot answered 401" in tested.output and "Traceback" not in tested.output
    assert "pat-na1-wrong" not in tested.output
