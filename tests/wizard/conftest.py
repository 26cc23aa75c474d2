"""Wizard fixtures: a campaign database (SQLite and PostgreSQL) with a sandbox account."""

from __future__ import annotations

import json

import pytest

from tests.catalog.test_account_test_sandbox import add_sandbox_account


@pytest.fixture
def sfdc(crmlink, sf_sandbox):
    """`crmlink` with an account `sfdc` on the shared Salesforce sandbox."""
    add_sandbox_account(crmlink, sf_sandbox.info(), "password", name="sfdc")
    return crmlink


def run_json(crmlink, *args) -> object:
    result = crmlink(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
