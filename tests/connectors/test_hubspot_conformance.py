"""The connector conformance suite against the HubSpot sandbox."""

from __future__ import annotations

import functools

import pytest

from crmlink.sandbox.hubspot.app import HubSpotSandbox
from crmlink.testing import ConformanceSpec, ConnectorConformance
from tests.connectors.test_hubspot_support import (
    advance_clock,
    create_property,
    sandbox_connector,
)

# The suite upserts markers such as `conf-1a2b…`, which HubSpot refuses as an email: the
# contacts get a unique text property of their own (HubSpot allows ten per object) as key.
REFERENCE = {
    "name": "crmlink_ref",
    "label": "crmlink reference",
    "type": "string",
    "fieldType": "text",
    "groupName": "contactinformation",
    "hasUniqueValue": True,
}


@pytest.fixture(scope="module")
def hs_conformance_sandbox(tmp_path_factory):
    sandbox = HubSpotSandbox(state_dir=tmp_path_factory.mktemp("hs-conf"), records=120, seed=5)
    sandbox.start()
    create_property(sandbox, "contacts", REFERENCE)
    yield sandbox
    sandbox.stop()


class TestHubSpotConformance(ConnectorConformance):
    @pytest.fixture(scope="class")
    @classmethod
    def connector(cls, hs_conformance_sandbox):
        with sandbox_connector(hs_conformance_sandbox) as opened:
            yield opened

    @pytest.fixture(scope="class")
    @classmethod
    def spec(cls, hs_conformance_sandbox):
        return ConformanceSpec(
            table="contacts",
            text_field="lastname",
            bad_field="email",
            bad_value="not-an-email",
            external_id="crmlink_ref",
            advance_clock=functools.partial(advance_clock, hs_conformance_sandbox),
            # HubSpot stamps each record of a batch in milliseconds: one call may span two.
            one_write_one_stamp=False,
        )


class TestHubSpotConformanceOAuth(TestHubSpotConformance):
    @pytest.fixture(scope="class")
    @classmethod
    def connector(cls, hs_conformance_sandbox):
        with sandbox_connector(hs_conformance_sandbox, "oauth") as opened:
            yield opened
