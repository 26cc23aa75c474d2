"""End to end through the CLI: a Dynamics account added, tested, and run through the
wizard, on SQLite and PostgreSQL (the `crmlink` fixture), with no change above
`connectors/`."""

from __future__ import annotations

import json

from tests.connectors import test_dynamics_support as support

dv_writable = support.dv_writable  # a fixture


def test_account_add_test_and_wizard(crmlink, dv_writable):
    info = dv_writable.info()
    added = crmlink(
        "account", "add", "dyn", "--type", "dynamics", "--url", info["url"],
        "--auth", "client-secret", "--tenant-id", info["tenant_id"],
        "--client-id", info["client_id"], "--ca-bundle", info["ca_bundle"], "--secrets-stdin",
        input=f"client_secret={info['client_secret']}\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    tested = crmlink("account", "test", "dyn", "--json")
    assert tested.exit_code == 0, tested.output
    body = json.loads(tested.output)
    assert body["api_version"] == "9.2" and body["org_id"]
    assert body["usage"]["limit"] == 6000
    listed = crmlink("wizard", "dyn", "--list")
    assert listed.exit_code == 0 and "cr7a3_loyaltycard" in listed.output
    wizard = crmlink("wizard", "dyn", "--tables", "contact")
    assert wizard.exit_code == 0, wizard.output
    shown = crmlink("schema", "show", "dyn_contact", "--json")
    assert shown.exit_code == 0, shown.output
    assert "parentcustomerid" in shown.output and "cr7a3_interests" in shown.output


def test_certificate_account_tests_through_the_cli(crmlink, dv_writable):
    info = dv_writable.info()
    added = crmlink(
        "account", "add", "dyncert", "--type", "dynamics", "--url", info["url"],
        "--auth", "certificate", "--tenant-id", info["tenant_id"],
        "--client-id", info["client_id"], "--ca-bundle", info["ca_bundle"],
        "--private-key", info["private_key"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    tested = crmlink("account", "test", "dyncert")
    assert tested.exit_code == 0, tested.output
    assert "API version  9.2" in tested.output
