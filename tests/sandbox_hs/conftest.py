"""One HubSpot sandbox over real TLS for the tests of this folder, and verified clients.

`hs_sandbox` is shared by the whole session (seeded with 300 contacts, seed 7, its
ten-second limit raised so that fast tests never meet it: the limits have their own
sandboxes); tests that change its clock or faults put them back.
`hs_client(sandbox, token=None)` gives an httpx client on the sandbox's URL verifying its
CA, with the private-app token (or `token`; "" for none).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from crmlink.sandbox.hubspot.app import HubSpotSandbox


def hs_client(sandbox: HubSpotSandbox, token: str | None = None) -> httpx.Client:
    info = sandbox.info()
    bearer = token if token is not None else info["access_token"]
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    verify = ssl.create_default_context(cafile=info["ca_bundle"])
    return httpx.Client(base_url=info["url"], verify=verify, headers=headers)


@pytest.fixture(scope="session")
def hs_sandbox(tmp_path_factory) -> Iterator[HubSpotSandbox]:
    started = HubSpotSandbox(
        state_dir=tmp_path_factory.mktemp("hs"), records=300, seed=7, tier=100_000
    )
    started.start()
    yield started
    started.stop()


@pytest.fixture
def hs(hs_sandbox) -> Iterator[httpx.Client]:
    """A verified client with the private-app token."""
    with hs_client(hs_sandbox) as client:
        yield client
