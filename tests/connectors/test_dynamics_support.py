"""Shared by the Dynamics connector tests (no tests here): accounts and connectors wired
to a Dataverse sandbox, and a module-scoped sandbox that tests may write to."""

from __future__ import annotations

import pytest

from crmlink.connectors.dynamics import DynamicsConnector, RetryPolicy
from crmlink.model import AccountSettings
from crmlink.sandbox.dynamics.app import DynamicsSandbox

FAST_RETRY = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05, max_retry_after=0.05)
SECRETS = {
    "client-secret": ("client_secret",),
    "certificate": (),
    "password": ("password",),
}


def dv_account(sandbox, auth: str = "client-secret", **changes) -> AccountSettings:
    info = sandbox.info()
    settings = {
        "name": "dv-test",
        "type": "dynamics",
        "url": info["url"],
        "auth": auth,
        "username": info["username"] if auth == "password" else None,
        "client_id": info["client_id"],
        "tenant_id": info["tenant_id"],
        "ca_bundle": info["ca_bundle"],
        "private_key": info["private_key"] if auth == "certificate" else None,
        "secrets": {key: info[key] for key in SECRETS[auth]},
    }
    return AccountSettings(**(settings | changes))


def dv_connector(sandbox, auth: str = "client-secret", **options) -> DynamicsConnector:
    options.setdefault("retry", FAST_RETRY)
    return DynamicsConnector(dv_account(sandbox, auth), **options)


def rows_of(connector, table: str, fields: list[str], **kwargs) -> list[dict]:
    return [row for batch in connector.read(table, fields, **kwargs) for row in batch]


@pytest.fixture(scope="module")
def dv_writable(tmp_path_factory):
    sandbox = DynamicsSandbox(state_dir=tmp_path_factory.mktemp("dv-conn"), records=40, seed=11)
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def dv(dv_writable):
    with dv_connector(dv_writable) as opened:
        yield opened
