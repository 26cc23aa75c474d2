"""Response header names on the wire, spelled as Salesforce and Dataverse spell them.

Read with a raw `ssl` socket (httpx would normalise the names): a client that reads
`Sforce-Locator` case-sensitively must find it.
"""

from __future__ import annotations

import json
import ssl

import httpx
import pytest

from crmlink.sandbox.core.header_names import HeaderNames, title_case
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.conftest import password_token, tls
from tests.sandbox_sf.wire import raw_request


def bearer(sandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {password_token(sandbox)['access_token']}"}


def no_lower_case_names(names: list[str]) -> bool:
    return all(name != name.lower() for name in names)


def test_title_case_rule_and_exceptions():
    names = HeaderNames.of(["Sforce-NumberOfRecords", "ETag"], lower_prefixes=("x-ms-",))
    assert title_case("sforce-limit-info") == "Sforce-Limit-Info"
    assert names.spell("sforce-numberofrecords") == "Sforce-NumberOfRecords"
    assert names.spell("etag") == "ETag"
    assert names.spell("X-MS-Service-Request-Id") == "x-ms-service-request-id"
    assert names.spell("content-type") == "Content-Type"


def test_salesforce_rest_answer_names(sf_sandbox):
    raw = raw_request(sf_sandbox, "GET", "/services/data/v59.0/limits", bearer(sf_sandbox))
    assert raw.status == 200
    assert raw.header("Content-Type") == "application/json"
    assert raw.header("Sforce-Limit-Info").startswith("api-usage=")
    assert raw.header("Date") is not None
    assert no_lower_case_names(raw.names()), raw.names()
    assert "Server" not in raw.names()


def test_salesforce_oauth_and_error_answer_names(sf_sandbox):
    raw = raw_request(sf_sandbox, "GET", "/services/data/v59.0/sobjects/NoSuch__c")
    assert raw.status == 401  # no session: the error still has Salesforce's names
    assert raw.header("Content-Type") == "application/json"
    assert no_lower_case_names(raw.names()), raw.names()


def test_salesforce_bulk2_result_names(sf_fresh):
    headers = bearer(sf_fresh)
    with httpx.Client(base_url=sf_fresh.url, headers=headers, verify=tls(sf_fresh)) as http:
        job = http.post(
            "/services/data/v59.0/jobs/query",
            json={"operation": "query", "query": "SELECT Id, LastName FROM Contact"},
        ).json()
        http.post("/__sandbox__/clock", params={"advance": 5}).raise_for_status()
    path = f"/services/data/v59.0/jobs/query/{job['id']}/results?maxRecords=10"
    raw = raw_request(sf_fresh, "GET", path, headers)
    assert raw.status == 200
    assert raw.header("Sforce-NumberOfRecords") == "10"
    assert raw.header("Sforce-Locator") not in (None, "null")
    assert raw.header("Content-Type").startswith("text/csv")
    assert raw.body.startswith(b'"Id","LastName"')
    assert no_lower_case_names(raw.names()), raw.names()


@pytest.fixture(scope="module")
def dv():
    sandbox = DynamicsSandbox(records=5, seed=1)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def dv_token(sandbox) -> str:
    info = sandbox.info()
    form = {
        "grant_type": "client_credentials",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "scope": f"{info['url']}/.default",
    }
    verify = ssl.create_default_context(cafile=info["ca_bundle"])
    response = httpx.post(f"{info['authority']}/oauth2/v2.0/token", data=form, verify=verify)
    response.raise_for_status()
    return response.json()["access_token"]


def test_dataverse_names(dv):
    headers = {"Authorization": f"Bearer {dv_token(dv)}", "Prefer": "odata.maxpagesize=2"}
    raw = raw_request(dv, "GET", "/api/data/v9.2/contacts?$select=fullname", headers)
    assert raw.status == 200
    assert raw.header("OData-Version") == "4.0"
    assert raw.header("Preference-Applied") == "odata.maxpagesize=2"
    assert raw.header("Content-Type").startswith("application/json")
    assert no_lower_case_names(raw.names()), raw.names()


def test_dataverse_create_names(dv):
    headers = {"Authorization": f"Bearer {dv_token(dv)}", "Content-Type": "application/json"}
    body = json.dumps({"lastname": "Wire"}).encode()
    raw = raw_request(dv, "POST", "/api/data/v9.2/contacts", headers, body)
    assert raw.status == 204
    assert "/api/data/v9.2/contacts(" in raw.header("OData-EntityId")
    assert no_lower_case_names(raw.names()), raw.names()


def test_dataverse_error_names(dv):
    raw = raw_request(dv, "GET", "/no/such/path")
    assert raw.status == 404
    assert raw.header("OData-Version") == "4.0"
    assert no_lower_case_names(raw.names()), raw.names()
