"""Azure AD logins of the Dynamics connector: each auth method, refresh, refusals."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest

from crmlink.connectors.dynamics import DynamicsConnector, authority_for
from crmlink.connectors.dynamics.auth import find_certificate
from crmlink.errors import AuthError, UsageError
from crmlink.model import AccountSettings
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.connectors import test_dynamics_support as support
from tests.connectors.test_dynamics_support import FAST_RETRY, dv_account, dv_connector

dv_writable = support.dv_writable  # a fixture


@pytest.mark.parametrize("auth", ["client-secret", "certificate", "password"])
def test_each_auth_method_logs_in(dv_writable, auth):
    with dv_connector(dv_writable, auth) as connector:
        who = connector.identity()
    assert who.org_id and who.api_version == "9.2"
    assert who.instance_url == dv_writable.info()["url"]
    if auth == "password":
        assert who.user == dv_writable.info()["username"]


def test_loopback_authority_is_url_and_tenant(dv_writable):
    info = dv_writable.info()
    assert authority_for(dv_account(dv_writable)) == info["authority"]


def test_public_authority_is_login_microsoftonline():
    account = AccountSettings(
        "x", "dynamics", "https://org.crm.dynamics.com", "client-secret", tenant_id="t-1"
    )
    assert authority_for(account) == "https://login.microsoftonline.com/t-1"


def test_certificate_is_found_beside_the_key(dv_writable):
    info = dv_writable.info()
    assert str(find_certificate(Path(info["private_key"]))) == (info["certificate"])


def test_certificate_missing_is_a_usage_error(dv_writable, tmp_path):
    key = tmp_path / "lonely.pem"
    key.write_text(Path(dv_writable.info()["private_key"]).read_text())
    account = dv_account(dv_writable, "certificate", private_key=str(key))
    with pytest.raises(UsageError) as caught:
        DynamicsConnector(account, retry=FAST_RETRY).identity()
    assert "no certificate found" in caught.value.message


@pytest.mark.parametrize(
    ("auth", "change", "needle"),
    [
        ("client-secret", {"secrets": {"client_secret": "wrong"}}, "client secret"),
        ("password", {"secrets": {"password": "wrong"}}, "username or password"),
        ("client-secret", {"tenant_id": "00000000-0000-0000-0000-000000000000"}, "no tenant"),
    ],
)
def test_refused_login_is_an_auth_error(dv_writable, auth, change, needle):
    account = dv_account(dv_writable, auth, **change)
    with pytest.raises(AuthError) as caught, DynamicsConnector(account, retry=FAST_RETRY) as c:
        c.identity()
    assert needle in caught.value.message
    assert "wrong" not in caught.value.message  # never the secret


def test_expired_token_is_refreshed_once(tmp_path):
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=3, seed=1, token_lifetime=2)
    with sandbox:
        sandbox.start()
        with dv_connector(sandbox, "password") as connector:
            connector.identity()
            token = connector.http.client.auth._token
            expires = jwt.decode(token, options={"verify_signature": False})["exp"]
            time.sleep(max(0.0, expires - time.time()) + 0.1)
            assert connector.identity().org_id  # 401 -> fresh token -> replayed
            assert connector.http.tokens.logins == 2


def test_token_refused_after_refresh_is_an_auth_error(dv_writable):
    with dv_connector(dv_writable) as connector:
        connector.http.client.auth._token_fn = lambda fresh: "not-a-token"
        with pytest.raises(AuthError) as caught:
            connector.identity()
    assert caught.value.context["code"] == "0x80072560"
