"""`crmlink account edit` (validated as `add` is) and `account remove` without a terminal."""

from __future__ import annotations

import json

import pytest

from tests.catalog.helpers import SECRETS, SF_URL, write_pem_pair

SOAP = ["--auth", "soap", "--username", "u@acme.example"]


def add_soap(crmlink, name: str = "sf") -> None:
    args = ["account", "add", name, "--type", "salesforce", "--url", SF_URL, *SOAP]
    lines = f"password={SECRETS['password']}\nsecurity_token={SECRETS['security_token']}\n"
    result = crmlink(*args, "--secrets-stdin", input=lines)
    assert result.exit_code == 0, result.output


def shown(crmlink, name: str = "sf") -> dict:
    result = crmlink("account", "show", name, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_edit_url_and_ca_bundle_then_show_has_them(crmlink, tmp_path):
    add_soap(crmlink)
    _, cert = write_pem_pair(tmp_path)
    new_url = "https://acme--uat.sandbox.my.salesforce.com"
    result = crmlink("account", "edit", "sf", "--url", new_url + "/", "--ca-bundle", str(cert))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Account 'sf' updated:\n"
        f"  url: {SF_URL} -> {new_url}\n"
        f"  ca_bundle: (not set) -> {cert.resolve()}\n"
    )
    account = shown(crmlink)
    assert (account["url"], account["ca_bundle"]) == (new_url, str(cert.resolve()))
    assert account["username"] == "u@acme.example"  # what was not edited is kept


def test_an_invalid_edit_changes_nothing(crmlink, tmp_path):
    add_soap(crmlink)
    before = shown(crmlink)
    _, cert = write_pem_pair(tmp_path)
    result = crmlink(
        "account", "edit", "sf", "--url", "http://acme.example", "--ca-bundle", str(cert)
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: crmlink only talks to CRMs over https")
    assert shown(crmlink) == before


def test_edit_refuses_what_the_auth_method_does_not_use(crmlink):
    add_soap(crmlink)
    result = crmlink("account", "edit", "sf", "--tenant-id", "t-1")
    assert result.exit_code == 2
    assert result.stderr == "Error: --auth soap does not use --tenant-id: leave it out.\n"


def test_edit_a_secret_never_prints_it(crmlink, crmlink_home, database_url):
    from tests.catalog.helpers import stored_settings

    add_soap(crmlink)
    env = {"NEW_PW": "Brand-New-Password-42"}
    result = crmlink("account", "edit", "sf", "--secret-from-env", "NEW_PW=password", env_extra=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == "Account 'sf' updated:\n  secret password: replaced\n"
    assert stored_settings(crmlink_home, database_url, "sf").secrets == {
        "password": "Brand-New-Password-42",
        "security_token": SECRETS["security_token"],
    }


def test_edit_an_unknown_account_names_close_ones(crmlink):
    add_soap(crmlink, "sf-prod")
    result = crmlink("account", "edit", "sf-prd", "--api-version", "60")
    assert result.exit_code == 2
    assert result.stderr == "Error: no account named 'sf-prd': did you mean 'sf-prod'?\n"


def test_ask_secrets_needs_a_terminal(crmlink):
    add_soap(crmlink)
    result = crmlink("account", "edit", "sf", "--ask-secrets")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --ask-secrets needs a terminal")


def test_ask_secrets_prompts_without_echo(crmlink, crmlink_home, database_url, monkeypatch):
    from tests.catalog.helpers import stored_settings

    monkeypatch.setattr("crmlink.cli.account._stdin_is_terminal", lambda: True)
    add_soap(crmlink)
    result = crmlink("account", "edit", "sf", "--ask-secrets", input="Typed-Secret-99\n\n")
    assert result.exit_code == 0, result.output
    assert "Password: " in result.output and "Typed-Secret-99" not in result.output
    secrets = stored_settings(crmlink_home, database_url, "sf").secrets
    assert secrets == {"password": "Typed-Secret-99", "security_token": ""}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_remove_without_a_terminal_or_yes_exits_2(crmlink):
    add_soap(crmlink)
    result = crmlink("account", "remove", "sf")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: account 'sf' was not removed: stdin is not a terminal, so crmlink cannot ask; "
        "add --yes to remove it without asking.\n"
    )
    assert "Aborted" not in result.output
    assert shown(crmlink)["name"] == "sf"
