"""A Dynamics sandbox served over real TLS, and clients wired to it."""

from __future__ import annotations

import ssl

import httpx
import pytest

from crmlink.sandbox.dynamics.app import DynamicsSandbox

DV_RECORDS = 300


@pytest.fixture(scope="session")
def dv_sandbox(tmp_path_factory):
    sandbox = DynamicsSandbox(
        state_dir=tmp_path_factory.mktemp("dv-sandbox"), records=DV_RECORDS, seed=7
    )
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def dv_fresh(tmp_path):
    """A private sandbox for tests that change faults, limits or token lifetimes."""
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=20, seed=3, requests_per_window=5)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def secret_token(sandbox, v2: bool = True) -> dict:
    info = sandbox.info()
    form = {
        "grant_type": "client_credentials",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
    }
    if v2:
        form["scope"] = f"{info['url']}/.default"
        url = f"{info['authority']}/oauth2/v2.0/token"
    else:
        form["resource"] = info["url"]
        url = f"{info['authority']}/oauth2/token"
    response = httpx.post(
        url, data=form, verify=ssl.create_default_context(cafile=info["ca_bundle"])
    )
    response.raise_for_status()
    return response.json()


def api_client(sandbox, token: dict | None = None) -> httpx.Client:
    token = token or secret_token(sandbox)
    headers = {
        "Authorization": f"Bearer {token['access_token']}",
        "OData-Version": "4.0",
        "OData-MaxVersion": "4.0",
        "Accept": "application/json",
    }
    return httpx.Client(
        base_url=f"{sandbox.url}/api/data/v9.2/",
        headers=headers,
        verify=ssl.create_default_context(cafile=sandbox.info()["ca_bundle"]),
        timeout=30,
    )


@pytest.fixture
def dv_http(dv_sandbox):
    with api_client(dv_sandbox) as client:
        yield client


class SandboxCredential:
    """An azure.core TokenCredential that asks the sandbox's token endpoint (secret flow)."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.calls = 0

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        self.calls += 1
        info = self.sandbox.info()
        response = httpx.post(
            f"{info['authority']}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
                "scope": " ".join(scopes),
            },
            verify=ssl.create_default_context(cafile=info["ca_bundle"]),
        )
        response.raise_for_status()
        body = response.json()
        import time

        return AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))


@pytest.fixture
def dataverse(dv_sandbox, monkeypatch):
    """PowerPlatform-Dataverse-Client, unchanged, trusting the sandbox CA via requests."""
    from azure.core.credentials import TokenCredential
    from PowerPlatform.Dataverse.client import DataverseClient

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", dv_sandbox.info()["ca_bundle"])
    credential = SandboxCredential(dv_sandbox)
    assert isinstance(credential, TokenCredential)
    with DataverseClient(dv_sandbox.url, credential) as client:
        yield client
