"""`account edit` of a secret, then `account test` logs in to the Salesforce sandbox."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_edited_secret_is_the_one_account_test_uses(crmlink, sf_sandbox):
    info = sf_sandbox.info()
    args = ["account", "add", "sbx", "--type", "salesforce", "--url", info["url"]]
    args += ["--ca-bundle", info["ca_bundle"], "--auth", "client-credentials"]
    args += ["--client-id", info["client_id"], "--secrets-stdin"]
    assert crmlink(*args, input="client_secret=Not-The-Secret-1\n").exit_code == 0
    assert crmlink("account", "test", "sbx").exit_code == 1  # the wrong secret is refused

    env = {"SBX_SECRET": info["client_secret"]}
    edited = crmlink(
        "account", "edit", "sbx", "--secret-from-env", "SBX_SECRET=client_secret", env_extra=env
    )
    assert edited.exit_code == 0, edited.output
    assert info["client_secret"] not in edited.output

    result = crmlink("account", "test", "sbx")
    assert result.exit_code == 0, result.output
    assert sf_sandbox.org.org_id in result.stdout
