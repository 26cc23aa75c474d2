"""Azure AD answering 503 while msal discovers the tenant is a crmlink RetryableError,
retried by the connector like any busy answer (msal raises its own MsalServiceError,
which crossed the HTTP boundary as it was and was never retried)."""

from __future__ import annotations

import pytest

from crmlink.errors import RetryableError
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.connectors.conftest import set_faults
from tests.connectors.test_dynamics_support import dv_connector


@pytest.fixture
def dataverse(tmp_path):
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=5, seed=1)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_discovery_503_is_retryable_and_retried(dataverse):
    with dv_connector(dataverse) as connector:
        set_faults(dataverse, "503=1")
        with pytest.raises(RetryableError, match="Azure AD answered badly"):
            connector.identity()
        set_faults(dataverse, "503=0.5,seed=3")  # some discovery and token calls fail
        assert connector.identity().org_id
