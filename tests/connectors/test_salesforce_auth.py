"""Every login method against the sandbox over TLS; bad credentials; session expiry."""

from __future__ import annotations

import time

import pytest

from crmlink.connectors.registry import open_connector
from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.errors import AuthError, UsageError
from crmlink.model import AccountSettings
from tests.connectors.conftest import FAST_RETRY, account, connector, set_faults


@pytest.mark.parametrize("auth", ["soap", "password", "client-credentials", "jwt", "refresh-token"])
def test_each_auth_method_logs_in(sf_sandbox, auth):
    with connector(sf_sandbox, auth) as opened:
        who = opened.identity()
    assert who.org_id == sf_sandbox.org.org_id
    assert who.user == sf_sandbox.info()["username"]
    assert (who.api_version, who.instance_url) == ("59.0", sf_sandbox.url)


def test_registry_opens_the_salesforce_connector(sf_sandbox):
    opened = open_connector(account(sf_sandbox))
    assert isinstance(opened, SalesforceConnector)
    opened.close()


@pytest.mark.parametrize(
    ("auth", "secret", "code"),
    [
        ("password", "password", "invalid_grant"),
        ("soap", "password", "INVALID_LOGIN"),
        ("client-credentials", "client_secret", "invalid_client"),
        ("refresh-token", "refresh_token", "invalid_grant"),
    ],
)
def test_bad_credentials_are_an_auth_error_without_the_secret(sf_sandbox, auth, secret, code):
    info = sf_sandbox.info()
    secrets = {k: info[k] for k in ("password", "security_token", "client_secret", "refresh_token")}
    wrong = "Wr0ng-" + secret + "-s3cret"
    bad = account(sf_sandbox, auth, secrets=secrets | {secret: wrong})
    with pytest.raises(AuthError) as caught, SalesforceConnector(bad, retry=FAST_RETRY) as c:
        c.identity()
    text = str(caught.value) + repr(caught.value.context)
    assert caught.value.context["code"] == code
    assert "sf-test" in text
    for value in (wrong, info["password"], info["security_token"], info["client_secret"]):
        assert value not in text
    assert "Wr0ng" not in repr(bad)


def test_jwt_with_another_key_is_refused(sf_sandbox, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "other.pem").write_bytes(pem)
    bad = account(sf_sandbox, "jwt", private_key=str(tmp_path / "other.pem"))
    with (
        pytest.raises(AuthError, match="refused the login"),
        SalesforceConnector(bad, retry=FAST_RETRY) as c,
    ):
        c.identity()


def test_unknown_auth_method_is_a_usage_error(sf_sandbox):
    with pytest.raises(UsageError, match="unknown Salesforce auth method 'magic'"):
        SalesforceConnector(account(sf_sandbox, "magic"))


def test_tls_is_verified_without_the_ca_bundle(sf_sandbox):
    from crmlink.errors import UsageError

    settings = account(sf_sandbox, ca_bundle=None)
    with (
        pytest.raises(UsageError, match="certificate .* could not be verified"),
        SalesforceConnector(settings, retry=FAST_RETRY) as opened,
    ):
        opened.identity()


def test_expired_session_relogs_in_once(sf_fresh):
    with connector(sf_fresh) as opened:
        opened.identity()
        set_faults(sf_fresh, "token_lifetime=1")
        opened.http.auth.session = None  # take a session that lives 1 s
        opened.list_tables()
        logins = opened.http.auth.logins
        time.sleep(1.2)
        rows = [r for b in opened.read("Contact", ["Id"]) for r in b]
        assert len(rows) == 50
        assert opened.http.auth.logins == logins + 1


def test_account_repr_masks_secrets(sf_sandbox):
    settings: AccountSettings = account(sf_sandbox)
    assert sf_sandbox.info()["password"] not in repr(settings)
