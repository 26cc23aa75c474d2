"""The connector conformance suite against the Salesforce sandbox."""

from __future__ import annotations

import functools

import pytest

from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.testing import ConformanceSpec, ConnectorConformance
from tests.connectors.conftest import advance_clock, connector


@pytest.fixture(scope="module")
def conformance_sandbox(tmp_path_factory):
    sandbox = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("sf-conf"), records=120, seed=5)
    sandbox.start()
    yield sandbox
    sandbox.stop()


class TestSalesforceConformance(ConnectorConformance):
    @pytest.fixture(scope="class")
    @classmethod
    def connector(cls, conformance_sandbox):
        with connector(conformance_sandbox) as opened:
            yield opened

    @pytest.fixture(scope="class")
    @classmethod
    def spec(cls, conformance_sandbox):
        return ConformanceSpec(
            table="Contact",
            text_field="LastName",
            bad_field="Email",
            external_id="External_Id__c",
            advance_clock=functools.partial(advance_clock, conformance_sandbox),
        )


class TestSalesforceConformanceOverBulk(ConnectorConformance):
    """The same protocol with every read and write planned onto Bulk API 2.0."""

    @pytest.fixture(scope="class")
    @classmethod
    def connector(cls, conformance_sandbox):
        options = {"plan_limits": Thresholds(force="bulk"), "bulk_write_threshold": 1}
        with connector(conformance_sandbox, **options) as opened:
            yield opened

    @pytest.fixture(scope="class")
    @classmethod
    def spec(cls, conformance_sandbox):
        return ConformanceSpec(
            table="Contact",
            text_field="LastName",
            bad_field="Email",
            external_id="External_Id__c",
            advance_clock=functools.partial(advance_clock, conformance_sandbox),
            one_write_one_stamp=False,  # Bulk ingest writes in chunks, stamps may differ
        )
