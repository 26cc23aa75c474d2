"""Shared fixtures: a Salesforce sandbox served over real TLS, and clients wired to it."""

from __future__ import annotations

import ssl

import httpx
import pytest
import requests

from crmlink.sandbox.salesforce.app import SalesforceSandbox

pytest_plugins = ["tests.fixtures_db", "tests.xdist_plan"]

SF_RECORDS = 300  # contacts seeded in the shared sandbox

# simple-salesforce clients' sessions, by sandbox: closed before their sandbox stops (a
# keep-alive connection left open holds a stopping sandbox for its 1 s graceful timeout)
_SESSIONS: dict[int, list[requests.Session]] = {}


def _close_sessions(sandbox) -> None:
    for session in _SESSIONS.pop(id(sandbox), []):
        session.close()


@pytest.fixture(scope="session")
def sf_sandbox(tmp_path_factory):
    """One sandbox for the whole run. Tests may add records to it, so they compare with
    the org's current counts (`sandbox.org.count`) rather than with SF_RECORDS; tests
    that set faults, quotas or expect exact counts use `sf_fresh`."""
    sandbox = SalesforceSandbox(
        state_dir=tmp_path_factory.mktemp("sf-sandbox"), records=SF_RECORDS, seed=7
    )
    sandbox.start()
    yield sandbox
    _close_sessions(sandbox)
    sandbox.stop()


@pytest.fixture
def sf_fresh(tmp_path):
    """A private sandbox for tests that change faults, quotas or sessions."""
    sandbox = SalesforceSandbox(state_dir=tmp_path / "sf", records=50, seed=3)
    sandbox.start()
    yield sandbox
    _close_sessions(sandbox)
    sandbox.stop()


def tls(sandbox) -> ssl.SSLContext:
    """Verification against the sandbox's own CA (never switched off)."""
    return ssl.create_default_context(cafile=sandbox.info()["ca_bundle"])


def password_token(sandbox) -> dict:
    info = sandbox.info()
    response = httpx.post(
        f"{info['url']}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "username": info["username"],
            "password": info["password"] + info["security_token"],
        },
        verify=tls(sandbox),
    )
    response.raise_for_status()
    return response.json()


def sf_client(sandbox, token: dict | None = None):
    """simple-salesforce, unchanged, over TLS verified with the sandbox's CA."""
    from simple_salesforce import Salesforce

    token = token or password_token(sandbox)
    session = requests.Session()
    session.trust_env = False  # else requests lets REQUESTS_CA_BUNDLE override `verify`
    session.verify = sandbox.info()["ca_bundle"]
    _SESSIONS.setdefault(id(sandbox), []).append(session)
    return Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        session=session,
        version="59.0",
    )


@pytest.fixture
def sf(sf_sandbox):
    client = sf_client(sf_sandbox)
    yield client
    client.session.close()


@pytest.fixture
def sf_http(sf_sandbox):
    """An httpx client with a bearer token, for raw wire checks."""
    token = password_token(sf_sandbox)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    with httpx.Client(base_url=sf_sandbox.url, headers=headers, verify=tls(sf_sandbox)) as client:
        yield client
