"""Paths and methods the sandboxes do not serve: the CRM's JSON errors, a log line naming
the operation, and a counter in `/__sandbox__/stats`."""

from __future__ import annotations

import logging

import httpx
import pytest

from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.conftest import tls
from tests.sandbox_sf.conftest import signed_in

NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


@pytest.fixture
def http(sf_sandbox):
    """A client of the shared sandbox (these tests change nothing), signed in."""
    with signed_in(sf_sandbox) as client:
        yield client


@pytest.mark.parametrize(
    "path",
    [
        "/no/such/thing",
        "/services/data/v59.0/tooling/query",
        "/services/data/v59.0/sobjects/Contact/0030000000000AAAAA/Account/extra/deep",
        "/services/apexrest/Custom",
    ],
)
def test_unknown_path_is_salesforce_json(http, path):
    response = http.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == NOT_FOUND


def test_wrong_method_is_405_with_allow(http):
    response = http.delete("/services/data/v59.0/limits")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET,HEAD"
    body = response.json()
    assert body == [
        {
            "errorCode": "METHOD_NOT_ALLOWED",
            "message": "HTTP Method 'DELETE' not allowed. Allowed are GET,HEAD",
        }
    ]


def test_unimplemented_operations_are_counted(sf_fresh):
    with signed_in(sf_fresh) as http:
        http.delete("/__sandbox__/stats").raise_for_status()
        http.get("/services/data/v59.0/tooling/sobjects")
        http.get("/services/data/v60.0/tooling/sobjects")
        http.put("/services/data/v59.0/limits")
        stats = http.get("/__sandbox__/stats").json()["by_endpoint"]
    assert stats == {
        "unknown GET /services/data/{version}/tooling/sobjects": 2,
        "unknown PUT /services/data/{version}/limits": 1,
    }


def test_unimplemented_operation_is_named_once_in_the_log(http, caplog):
    caplog.set_level(logging.WARNING, logger="crmlink.sandbox")
    for version in ("58.0", "59.0"):
        http.get(f"/services/data/v{version}/search/scopeOrder")
    lines = [r.getMessage() for r in caplog.records if "search/scopeOrder" in r.getMessage()]
    assert lines == [
        "SalesforceSandbox: unimplemented operation GET /services/data/{version}/search/scopeOrder"
    ]


def test_dataverse_unknown_path_and_method(tmp_path):
    with DynamicsSandbox(state_dir=tmp_path / "dv", records=0) as dv:
        verify = tls(dv)
        with httpx.Client(base_url=dv.url, verify=verify) as http:
            missing = http.get("/no/such/path")
            wrong = http.get("/common/oauth2/v2.0/token")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "0x8006088a"
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    assert wrong.json()["error"] == {
        "code": "0x80060888",
        "message": "The requested resource does not support http method 'GET'.",
    }
