"""Connector reads carry the CRM's count of their rows (`Batches.total`)."""

from __future__ import annotations

import pytest

from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.connectors.conftest import connector
from tests.connectors.test_dynamics_support import dv_connector

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dv_sandbox(tmp_path_factory):
    sandbox = DynamicsSandbox(state_dir=tmp_path_factory.mktemp("dv-total"), records=60, seed=2)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_a_salesforce_read_reports_the_query_total(sf_sandbox):
    with connector(sf_sandbox) as opened:
        batches = opened.read("Contact", ["Id", "LastName"])
        assert getattr(batches, "total", None) is None  # nothing asked yet
        rows = sum(len(batch) for batch in batches)
    assert batches.total == rows == sf_sandbox.org.count("Contact")


def test_a_dynamics_read_reports_the_odata_count(dv_sandbox):
    with dv_connector(dv_sandbox) as opened:
        batches = opened.read("contact", ["contactid", "lastname"])
        first = next(batches)
        assert first
        rows = len(first) + sum(len(batch) for batch in batches)
    assert batches.total == rows
