"""Retries of the Dynamics connector: 429 (Retry-After), 503, service protection."""

from __future__ import annotations

import pytest

from crmlink.connectors.dynamics import RetryPolicy
from crmlink.errors import RetryableError
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.connectors.conftest import set_faults
from tests.connectors.test_dynamics_support import dv_connector, rows_of


@pytest.fixture
def faulty(tmp_path):
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=30, seed=2)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _recording(connector, policy: RetryPolicy) -> list[float]:
    waits: list[float] = []
    connector.http.retry, connector.http.sleep = policy, waits.append
    return waits


def test_429_is_retried_honouring_retry_after(faulty):
    with dv_connector(faulty) as connector:
        connector.identity()  # the token first: msal hides the token endpoint's headers
        set_faults(faulty, "429=0.5,retry_after=3,seed=4")
        waits = _recording(connector, RetryPolicy(attempts=20, base_delay=0.01, max_delay=0.02))
        rows = rows_of(connector, "contact", ["contactid"])
    assert len(rows) == 30
    assert waits and all(w >= 3 for w in waits)


def test_503_is_retried(faulty):
    set_faults(faulty, "503=0.5,seed=5")
    with dv_connector(faulty) as connector:
        waits = _recording(connector, RetryPolicy(attempts=20, base_delay=0.01, max_delay=0.02))
        assert len(rows_of(connector, "contact", ["contactid"])) == 30
    assert waits


def test_service_protection_limit_is_retryable_after_retries(tmp_path):
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=3, seed=1, requests_per_window=3)
    with sandbox:
        sandbox.start()
        with dv_connector(sandbox) as connector:
            waits = _recording(connector, RetryPolicy(attempts=3, max_retry_after=600))
            with pytest.raises(RetryableError) as caught:
                for _ in range(5):
                    connector.identity()
    assert caught.value.context["code"] == "0x80072322"
    assert len(waits) == 2 and all(w > 200 for w in waits)  # the window's Retry-After
