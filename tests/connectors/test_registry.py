"""The connector registry is the one list of CRMs: every layer (catalog validation, secret
fields, `account add` help and refusals) reads it, and so do the sandbox commands theirs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from crmlink.catalog.accounts import AccountInput, auth_rule, check, check_secrets
from crmlink.cli import app
from crmlink.connectors import registry
from crmlink.connectors.spec import SETTING_FIELDS, AuthRule, Capabilities, ConnectorSpec
from crmlink.errors import UsageError
from crmlink.model import AccountSettings
from crmlink.sandbox.registry import SANDBOXES

runner = CliRunner()
URL = "https://fake.example.com"


def _no_connector(account: AccountSettings):
    raise AssertionError("the fake CRM is never opened")


FAKE = ConnectorSpec(
    type="fakecrm",
    label="Fake CRM",
    auth_methods={"api-key": AuthRule(("client_id", "api_key"))},
    secret_fields=("api_key",),
    open=_no_connector,
    type_map={},
    capabilities=Capabilities(
        deleted_retention=None,
        first_deleted_lookback=dt.timedelta(days=1),
        case_insensitive_match=False,
        write_batch_size=10,
        max_read_page=10,
    ),
)


@pytest.fixture
def fake_crm(monkeypatch) -> ConnectorSpec:
    monkeypatch.setitem(registry.SPECS, FAKE.type, FAKE)
    return FAKE


def test_the_registry_lists_salesforce_dynamics_and_hubspot():
    assert registry.crm_types() == ("salesforce", "dynamics", "hubspot")
    assert all(registry.spec_for(name).type == name for name in registry.crm_types())


@pytest.mark.parametrize("spec", registry.SPECS.values(), ids=lambda spec: spec.type)
def test_auth_needs_are_account_settings_or_the_specs_secrets(spec):
    settings = {f.name for f in dataclasses.fields(AccountSettings)}
    assert set(SETTING_FIELDS) <= settings
    assert spec.auth_methods
    for method, rule in spec.auth_methods.items():
        for name in rule.needs + rule.accepts:
            assert name in SETTING_FIELDS or name in spec.secret_fields, (method, name)


@pytest.mark.parametrize("spec", registry.SPECS.values(), ids=lambda spec: spec.type)
def test_secret_fields_are_exactly_those_the_auth_methods_use(spec):
    used = {name for rule in spec.auth_methods.values() for name in rule.secrets(optional=True)}
    assert set(spec.secret_fields) == used


@pytest.mark.parametrize("spec", registry.SPECS.values(), ids=lambda spec: spec.type)
def test_first_deleted_lookback_is_inside_the_retention(spec):
    retention = spec.capabilities.deleted_retention
    assert retention is None or spec.capabilities.first_deleted_lookback < retention


def test_listing_the_specs_does_not_load_a_connector():
    code = (
        "import sys, crmlink.connectors.registry as r; r.crm_types(); "
        "print([m for m in sys.modules if m.endswith('.connector')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_open_connector_opens_the_connector_of_the_accounts_type():
    account = AccountSettings(name="d", type="dynamics", url=URL, auth="client-secret")
    connector = registry.open_connector(account)
    try:
        assert registry.spec_of(connector) is registry.SPECS["dynamics"]
    finally:
        connector.close()


def test_a_misspelt_type_gets_the_close_name():
    with pytest.raises(UsageError, match=r"did you mean --type salesforce\?"):
        registry.spec_for("salesforc")


def test_account_add_refuses_an_unknown_type_naming_every_registered_one(fake_crm):
    args = ["account", "add", "x", "--type", "nosuchcrm", "--url", URL, "--auth", "soap"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "unknown CRM type 'nosuchcrm'" in result.output
    for name in ("salesforce", "dynamics", "hubspot", fake_crm.type):
        assert f"--type {name}" in result.output


def test_a_registered_spec_appears_in_account_add_help(fake_crm):
    result = runner.invoke(app, ["account", "add", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "salesforce, dynamics, hubspot or fakecrm." in result.output
    assert "fakecrm: api-key." in result.output
    assert "api_key" in result.output  # a secret field only the fake CRM has


def test_a_registered_spec_passes_the_catalogs_validation(fake_crm):
    data = AccountInput(name="f", type="fakecrm", url=URL, auth="api-key", client_id="c")
    checked = check(data)
    check_secrets(dataclasses.replace(checked, secrets={"api_key": "k" * 16}))
    assert auth_rule("fakecrm", "api-key").secrets() == ("api_key",)


def test_a_registered_spec_is_accepted_by_account_add(fake_crm, crmlink):
    args = ["account", "add", "f", "--type", "fakecrm", "--url", URL, "--auth", "api-key"]
    result = crmlink(
        *args, "--client-id", "c", "--secret-from-env", "KEY=api_key", env_extra={"KEY": "k" * 16}
    )
    assert result.exit_code == 0, result.output
    assert "Added account 'f' (fakecrm, api-key)" in result.output


def test_sandbox_help_lists_every_sandbox_spec():
    result = runner.invoke(app, ["sandbox", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert set(SANDBOXES) == {"salesforce", "dynamics", "hubspot"}
    for spec in SANDBOXES.values():
        assert f"{spec.name}  " in result.output
        assert spec.help.splitlines()[0] in result.output


def test_sandbox_commands_are_the_specs_and_wait():
    from typer.main import get_command

    group = get_command(app).commands["sandbox"]
    assert set(group.commands) == {*SANDBOXES, "wait"}  # type: ignore[attr-defined]
