"""Sandboxes for the network profile's tests: a Salesforce org big enough for 20,000-record
Bulk jobs and four result pages, and a private Dataverse environment."""

from __future__ import annotations

import pytest

from crmlink.sandbox.dynamics.app import DynamicsSandbox
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.sandbox_network.helpers import set_faults

BIG_RECORDS = 20_000  # contacts: a 20,000-record Bulk job, four pages of 5,000


@pytest.fixture(scope="session")
def sf_big(tmp_path_factory):
    sandbox = SalesforceSandbox(
        state_dir=tmp_path_factory.mktemp("sf-net"), records=BIG_RECORDS, seed=5
    )
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sf_net(sf_big):
    """The big org, its faults and network profile cleared after each test."""
    yield sf_big
    set_faults(sf_big, "")


@pytest.fixture
def dv_net(tmp_path):
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=5, seed=3)
    sandbox.start()
    yield sandbox
    sandbox.stop()
