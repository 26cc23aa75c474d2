"""One Dataverse sandbox over real TLS for the tests of this folder, and a Web API client."""

from __future__ import annotations

import pytest

from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.dynamics.conftest import SandboxCredential, api_client


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    started = DynamicsSandbox(state_dir=tmp_path_factory.mktemp("dv"), records=40, seed=11)
    started.start()
    yield started
    started.stop()


@pytest.fixture
def web(sandbox):
    """An httpx client on `<sandbox>/api/data/v9.2/` with a fresh bearer token."""
    with api_client(sandbox) as client:
        yield client


@pytest.fixture
def dataverse(sandbox, monkeypatch):
    """PowerPlatform-Dataverse-Client, unchanged, trusting the sandbox CA via requests."""
    from PowerPlatform.Dataverse.client import DataverseClient

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.info()["ca_bundle"])
    with DataverseClient(sandbox.url, SandboxCredential(sandbox)) as client:
        yield client
