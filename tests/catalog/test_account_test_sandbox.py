"""`crmlink account test` against the Salesforce sandbox over TLS, for every auth method."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow

FLAGS = {  # auth method -> (flags from the sandbox's info, secrets it needs)
    "soap": (["username"], ("password", "security_token")),
    "password": (["username", "client_id"], ("password", "security_token", "client_secret")),
    "client-credentials": (["client_id"], ("client_secret",)),
    "jwt": (["username", "client_id", "private_key"], ()),
    "refresh-token": (["client_id"], ("refresh_token",)),
}


def add_sandbox_account(crmlink, info: dict, auth: str, secrets: dict | None = None, name="sbx"):
    flags, needed = FLAGS[auth]
    args = ["account", "add", name, "--type", "salesforce", "--url", info["url"], "--auth", auth]
    args += ["--ca-bundle", info["ca_bundle"]]
    for flag in flags:
        args += ["--" + flag.replace("_", "-"), info[flag]]
    values = {field: info[field] for field in needed} | (secrets or {})
    lines = "".join(f"{field}={value}\n" for field, value in values.items())
    result = crmlink(*args, "--secrets-stdin", input=lines)
    assert result.exit_code == 0, result.output


def secret_values(info: dict) -> list[str]:
    return [info[k] for k in ("password", "security_token", "client_secret", "refresh_token")]


@pytest.mark.parametrize("auth", list(FLAGS))
def test_account_test_logs_in_with_each_auth_method(crmlink, sf_sandbox, auth):
    info = sf_sandbox.info()
    add_sandbox_account(crmlink, info, auth)
    result = crmlink("account", "test", "sbx")
    assert result.exit_code == 0, result.output
    org_id = sf_sandbox.org.org_id
    assert org_id in result.stdout
    assert f"user         {info['username']}" in result.stdout
    assert "API usage    " in result.stdout and " calls" in result.stdout
    assert not any(secret in result.output for secret in secret_values(info))


def test_account_test_json(crmlink, sf_sandbox):
    info = sf_sandbox.info()
    add_sandbox_account(crmlink, info, "password")
    result = crmlink("account", "test", "sbx", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["org_id"] == sf_sandbox.org.org_id and data["user"] == info["username"]
    assert data["usage"]["limit"] >= data["usage"]["used"] >= 0
    assert data["api_version"]


@pytest.mark.parametrize("auth", ["soap", "password"])
def test_bad_credentials_exit_1_with_one_sentence(crmlink, sf_sandbox, auth):
    info = sf_sandbox.info()
    add_sandbox_account(crmlink, info, auth, {"password": "Wrong-Password-123"})
    result = crmlink("account", "test", "sbx")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output and "Wrong-Password-123" not in result.output
    assert not any(secret in result.output for secret in secret_values(info))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the CRM side only
def test_tls_is_verified_without_the_sandbox_ca(crmlink, sf_sandbox):
    info = sf_sandbox.info()
    args = ["account", "add", "noca", "--type", "salesforce", "--url", info["url"]]
    args += ["--auth", "client-credentials", "--client-id", info["client_id"]]
    lines = f"client_secret={info['client_secret']}\n"
    assert crmlink(*args, "--secrets-stdin", input=lines).exit_code == 0
    result = crmlink("account", "test", "noca")
    assert result.exit_code == 2, result.output  # not transient: fix --ca-bundle
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "certificate" in result.stderr.lower()


def test_unknown_account(crmlink):
    result = crmlink("account", "test", "ghost")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no account named 'ghost'")
