"""Faults on demand: from --faults and at run time through /__sandbox__/faults."""

from __future__ import annotations

import time

import httpx
import pytest
from simple_salesforce.exceptions import SalesforceGeneralError

from crmlink.sandbox.core.faults import FaultSpec, FaultSpecError
from tests.conftest import sf_client, tls


def _set_faults(sandbox, spec: str) -> dict:
    response = httpx.put(f"{sandbox.url}/__sandbox__/faults", content=spec, verify=tls(sandbox))
    response.raise_for_status()
    return response.json()


def test_fault_spec_parses_aliases():
    spec = FaultSpec.parse("latency=50, 503=0.5,429=0.25,limit=0.1,drop=0.2,token_lifetime=60")
    assert (spec.latency_ms, spec.error_503, spec.error_429) == (50, 0.5, 0.25)
    assert (spec.limit_exceeded, spec.drop, spec.token_lifetime) == (0.1, 0.2, 60)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("latency", "fault 'latency' needs a value, as in latency=50"),
        ("503=2", "fault 'error_503': Input should be less than or equal to 1"),
        ("nonsense=1", "fault 'nonsense': Extra inputs are not permitted"),
    ],
)
def test_bad_fault_spec_says_what_is_wrong(text, message):
    with pytest.raises(FaultSpecError) as caught:
        FaultSpec.parse(text)
    assert str(caught.value) == message


def test_every_request_503(sf_fresh):
    sf = sf_client(sf_fresh)
    _set_faults(sf_fresh, "503=1,retry_after=7")
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.query("SELECT Id FROM Contact")
    assert caught.value.status == 503
    assert caught.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    _set_faults(sf_fresh, "")
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 50


def test_429_carries_retry_after(sf_fresh):
    token = sf_client(sf_fresh).session_id
    _set_faults(sf_fresh, "429=1,retry_after=3")
    response = httpx.get(
        f"{sf_fresh.url}/services/data/v59.0/limits",
        headers={"Authorization": f"Bearer {token}"},
        verify=tls(sf_fresh),
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"


def test_limit_fault_is_request_limit_exceeded(sf_fresh):
    sf = sf_client(sf_fresh)
    _set_faults(sf_fresh, "limit=1")
    response = httpx.get(
        f"{sf_fresh.url}/services/data/v59.0/limits",
        headers={"Authorization": f"Bearer {sf.session_id}"},
        verify=tls(sf_fresh),
    )
    assert response.status_code == 403
    assert response.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]


def test_dropped_connection_cuts_the_body(sf_fresh):
    sf = sf_client(sf_fresh)
    _set_faults(sf_fresh, "drop=1")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(
            f"{sf_fresh.url}/services/data/v59.0/sobjects/Contact/describe",
            headers={"Authorization": f"Bearer {sf.session_id}"},
            verify=tls(sf_fresh),
        )


def test_latency_is_added(sf_fresh):
    sf = sf_client(sf_fresh)
    _set_faults(sf_fresh, "latency=300")
    started = time.monotonic()
    sf.query("SELECT COUNT() FROM Contact")
    assert time.monotonic() - started >= 0.3


def test_late_commit_is_invisible_until_it_lands(sf_fresh):
    sf = sf_client(sf_fresh)
    _set_faults(sf_fresh, "late_commit=60")
    created = sf.Contact.create({"LastName": "Late"})
    soql = f"SELECT Id, SystemModstamp FROM Contact WHERE Id = '{created['id']}'"
    assert sf.query(soql)["totalSize"] == 0
    httpx.post(
        f"{sf_fresh.url}/__sandbox__/clock", params={"advance": 61}, verify=tls(sf_fresh)
    ).raise_for_status()
    record = sf.query(soql)["records"][0]
    stamp = sf_fresh.org.now().strftime("%Y-%m-%dT%H:%M")
    assert record["SystemModstamp"] < stamp  # stamped before the moment it became visible


def test_stats_count_calls_by_endpoint(sf_fresh):
    sf = sf_client(sf_fresh)
    httpx.delete(f"{sf_fresh.url}/__sandbox__/stats", verify=tls(sf_fresh))
    sf.query("SELECT Id FROM Contact")
    sf.Contact.describe()
    sf.Contact.describe()
    stats = httpx.get(f"{sf_fresh.url}/__sandbox__/stats", verify=tls(sf_fresh)).json()
    assert stats["by_endpoint"] == {"GET describe": 2, "GET query": 1}
    assert stats["total"] == 3


def test_reset_and_seed_through_control_api(sf_fresh):
    sf = sf_client(sf_fresh)
    sf.Contact.create({"LastName": "Gone after the reset"})
    httpx.post(f"{sf_fresh.url}/__sandbox__/reset", verify=tls(sf_fresh)).raise_for_status()
    sf = sf_client(sf_fresh)  # sessions went with the reset
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 50  # as seeded at start
    seeded = httpx.post(
        f"{sf_fresh.url}/__sandbox__/seed", params={"records": 20, "seed": 1}, verify=tls(sf_fresh)
    ).json()
    assert seeded["Contact"] == 20
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 70
