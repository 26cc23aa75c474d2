"""Retries through 503s, 429s and dropped connections; quota exhaustion."""

from __future__ import annotations

import pytest

from crmlink.errors import QuotaExhausted, RetryableError
from crmlink.model import WriteMode
from tests.connectors.conftest import connector, set_faults


def _all(opened, **kw) -> list[dict]:
    return [
        r for b in opened.read("Contact", ["Id", "LastName", "SystemModstamp"], **kw) for r in b
    ]


@pytest.fixture
def opened(sf_fresh):
    with connector(sf_fresh) as c:
        c.identity()
        yield c


def test_reads_retry_through_503s(sf_fresh, opened):
    expected = _all(opened)
    set_faults(sf_fresh, "503=0.3,retry_after=0,seed=4")
    calls = opened.http.calls
    assert _all(opened) == expected
    assert opened.http.calls > calls + 2  # some calls were answered 503 and repeated


def test_writes_retry_through_429s(sf_fresh, opened):
    set_faults(sf_fresh, "429=0.3,retry_after=0,seed=2")
    rows = [{"LastName": f"retry-{i}"} for i in range(5)]
    results = [list(opened.write("Contact", rows, WriteMode.INSERT)) for _ in range(4)]
    assert all(r.success for batch in results for r in batch)


def test_dropped_connections_are_retried_for_reads(sf_fresh, opened):
    expected = _all(opened)
    set_faults(sf_fresh, "drop=0.3,seed=11")
    for _ in range(3):
        assert _all(opened) == expected


def test_dropped_connections_retried_for_bulk_reads(sf_fresh):
    with connector(sf_fresh, bulk_read_threshold=0) as opened:
        expected = sorted(_all(opened), key=lambda r: r["Id"])
        set_faults(sf_fresh, "drop=0.3,seed=5")
        assert sorted(_all(opened), key=lambda r: r["Id"]) == expected
        assert opened.last_read_api == "bulk"


def test_retries_are_bounded(sf_fresh, opened):
    set_faults(sf_fresh, "503=1,retry_after=0")
    with pytest.raises(RetryableError, match="Salesforce is busy \\(503 SERVER_UNAVAILABLE\\)"):
        opened.list_tables()


def test_quota_exhausted_says_so(sf_fresh, opened):
    opened.list_tables()
    set_faults(sf_fresh, "limit=1")
    with pytest.raises(QuotaExhausted) as caught:
        opened.list_tables()
    message = caught.value.message
    assert message.startswith("the org's daily API quota is spent: ")
    assert message.endswith(" calls; rerun after it resets or raise the limit")
    assert "/1000000 calls" in message
    assert caught.value.context["code"] == "REQUEST_LIMIT_EXCEEDED"


def test_bulk_job_failure_falls_back_to_rest(sf_fresh):
    with connector(sf_fresh, bulk_read_threshold=0) as opened:
        expected = len(_all(opened))
        set_faults(sf_fresh, "bulk_fail=1")
        assert len(_all(opened)) == expected
        assert opened.last_read_api == "rest"
