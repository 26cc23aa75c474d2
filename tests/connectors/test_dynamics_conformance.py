"""The connector conformance suite against the Dataverse sandbox."""

from __future__ import annotations

import pytest

from crmlink.sandbox.dynamics.app import DynamicsSandbox
from crmlink.testing import ConformanceSpec, ConnectorConformance
from tests.connectors.test_dynamics_support import dv_connector


@pytest.fixture(scope="module")
def dv_conformance_sandbox(tmp_path_factory):
    sandbox = DynamicsSandbox(state_dir=tmp_path_factory.mktemp("dv-conf"), records=120, seed=5)
    sandbox.start()
    yield sandbox
    sandbox.stop()


class TestDynamicsConformance(ConnectorConformance):
    @pytest.fixture(scope="class")
    @classmethod
    def connector(cls, dv_conformance_sandbox):
        with dv_connector(dv_conformance_sandbox) as opened:
            yield opened

    @pytest.fixture(scope="class")
    @classmethod
    def spec(cls):
        return ConformanceSpec(
            table="contact",
            text_field="lastname",
            bad_field="gendercode",
            bad_value="99",  # not an option of the choice column
            external_id="emailaddress1",  # the contact's alternate key
            # $batch runs each row in its own transaction: stamps may differ by a second.
            one_write_one_stamp=False,
        )
