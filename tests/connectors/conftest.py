"""Connectors opened on the Salesforce sandbox, for every auth method."""

from __future__ import annotations

import httpx
import pytest

from crmlink.connectors.salesforce import RetryPolicy, SalesforceConnector
from crmlink.connectors.salesforce import read as sf_read
from crmlink.filters import ast
from crmlink.model import AccountSettings
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.conftest import tls

SECRET_KEYS = ("password", "security_token", "client_secret", "refresh_token")
PAGE = 200  # rows of a REST or Web API page in the small sandboxes below (`sf_pages`)
FAST_RETRY = RetryPolicy(attempts=8, base_delay=0.01, max_delay=0.05, max_retry_after=0.05)


def account(sandbox, auth: str = "password", **changes) -> AccountSettings:
    info = sandbox.info()
    settings = {
        "name": "sf-test",
        "type": "salesforce",
        "url": info["url"],
        "auth": auth,
        "username": info["username"],
        "client_id": info["client_id"],
        "ca_bundle": info["ca_bundle"],
        "private_key": info["private_key"],
        "secrets": {key: info[key] for key in SECRET_KEYS},
    }
    return AccountSettings(**(settings | changes))


def connector(sandbox, auth: str = "password", **options) -> SalesforceConnector:
    options.setdefault("retry", FAST_RETRY)
    return SalesforceConnector(account(sandbox, auth), **options)


def set_faults(sandbox, spec: str) -> None:
    httpx.put(f"{sandbox.url}/__sandbox__/faults", content=spec, verify=tls(sandbox))


def advance_clock(sandbox, seconds: float) -> None:
    url = f"{sandbox.url}/__sandbox__/clock"
    httpx.post(url, params={"advance": seconds}, verify=tls(sandbox)).raise_for_status()


@pytest.fixture(scope="module")
def sf_writable(tmp_path_factory):
    """A private sandbox for tests that write (the shared `sf_sandbox` stays read-only:
    other tests count its rows)."""
    sandbox = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("sf-writable"), records=20)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def in_range(condition: ast.Expr | None, value: str) -> bool:
    """Whether an Id is inside one of `ranges.conditions`' ranges (None: unbounded)."""
    if condition is None:
        return True
    parts = condition.items if isinstance(condition, ast.And) else (condition,)
    for part in parts:
        bound = part.value.value
        if (part.op == ast.Op.GE and value < bound) or (part.op == ast.Op.LT and value >= bound):
            return False
    return True


# -- small sandboxes for the planner's tests (a module each) ----------------------------
@pytest.fixture(scope="module")
def sf_700(tmp_path_factory):
    sandbox = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("sf-700"), records=700)
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sf_pages(monkeypatch):
    """REST pages of `PAGE` rows, so that 700 records are several pages."""
    monkeypatch.setattr(sf_read, "_PAGE", {"Sforce-Query-Options": f"batchSize={PAGE}"})


@pytest.fixture(scope="module")
def dv_600(tmp_path_factory):
    box = DynamicsSandbox(state_dir=tmp_path_factory.mktemp("dv-600"), records=600, seed=5)
    box.start()
    yield box
    box.stop()
