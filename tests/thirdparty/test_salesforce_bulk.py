"""salesforce-bulk (Bulk API 1.0 client), unpatched, against the Salesforce sandbox: query
jobs (CSV and JSON results), insert, update and delete jobs, and its own SOAP login."""

from __future__ import annotations

import pytest

from tests.conftest import password_token, sf_client
from tests.thirdparty.conftest import run_driver, tool_env, venv_of

pytestmark = pytest.mark.slow


@pytest.fixture
def bulk(tool_venvs, sf_sandbox, tmp_path):
    """bulk(operation, **args) runs the driver with a session id for the sandbox."""
    venv = venv_of(tool_venvs, "salesforce_bulk")
    token = password_token(sf_sandbox)
    env = tool_env(venv, tmp_path / "home", sf_sandbox.info()["ca_bundle"])

    def call(operation: str, **args):
        session = {"url": token["instance_url"], "session_id": token["access_token"]}
        payload = {**session, "operation": operation, **args}
        return run_driver(venv, "salesforce_bulk_driver.py", payload, env, tmp_path)

    return call


@pytest.fixture
def sf(sf_sandbox):
    client = sf_client(sf_sandbox)
    yield client
    client.session.close()


def test_query_job_returns_every_contact_as_csv(bulk, sf_sandbox):
    out = bulk("query", object="Contact", soql="SELECT Id, LastName, Email FROM Contact")
    assert out["state"] == "Completed"
    assert len(out["rows"]) == sf_sandbox.org.count("Contact")
    assert set(out["rows"][0]) == {"Id", "LastName", "Email"}


def test_query_job_values_match_the_org(bulk, sf):
    soql = "SELECT Id, LastName FROM Contact WHERE LastName LIKE 'A%' ORDER BY Id"
    out = bulk("query", object="Contact", soql=soql)
    expected = [(r["Id"], r["LastName"]) for r in sf.query_all(soql)["records"]]
    assert [(r["Id"], r["LastName"]) for r in out["rows"]] == expected
    assert expected


def test_query_job_with_json_results(bulk, sf_sandbox):
    out = bulk("query", object="Contact", soql="SELECT Id FROM Contact", content_type="JSON")
    assert len(out["rows"]) == sf_sandbox.org.count("Contact")
    assert all(r["Id"].startswith("003") for r in out["rows"])


def test_insert_job_creates_the_records(bulk, sf):
    records = [
        {"LastName": f"Bulk1-Insert-{n}", "Email": f"bulk1-{n}@example.com"} for n in range(3)
    ]
    out = bulk("insert", object="Contact", records=records)
    assert [r["success"] for r in out["results"]] == ["true"] * 3
    for result, record in zip(out["results"], records, strict=True):
        assert sf.Contact.get(result["id"])["Email"] == record["Email"]


def test_update_job(bulk, sf):
    created = [sf.Contact.create({"LastName": f"Bulk1-Update-{n}"})["id"] for n in range(2)]
    updates = [{"Id": i, "LastName": "Bulk1-Updated"} for i in created]
    out = bulk("update", object="Contact", records=updates)
    assert [r["success"] for r in out["results"]] == ["true", "true"]
    assert {sf.Contact.get(i)["LastName"] for i in created} == {"Bulk1-Updated"}


def test_delete_job(bulk, sf):
    created = [sf.Contact.create({"LastName": "Bulk1-Delete"})["id"] for _ in range(2)]
    out = bulk("delete", object="Contact", records=[{"Id": i} for i in created])
    assert [r["success"] for r in out["results"]] == ["true", "true"]
    query = "SELECT COUNT() FROM Contact WHERE LastName = 'Bulk1-Delete'"
    assert sf.query(query)["totalSize"] == 0


def test_upsert_job_by_external_id(bulk, sf):
    existing = sf.Contact.create({"LastName": "Bulk1-Upsert", "External_Id__c": "bulk1-up-1"})
    records = [
        {"External_Id__c": "bulk1-up-1", "LastName": "Bulk1-Upserted"},
        {"External_Id__c": "bulk1-up-2", "LastName": "Bulk1-Upserted"},
    ]
    out = bulk("upsert", object="Contact", external_id="External_Id__c", records=records)
    assert [(r["success"], r["created"]) for r in out["results"]] == [
        ("true", "false"),
        ("true", "true"),
    ]
    assert out["results"][0]["id"] == existing["id"]
    query = "SELECT COUNT() FROM Contact WHERE LastName = 'Bulk1-Upserted'"
    assert sf.query(query)["totalSize"] == 2


def test_soap_login_through_the_login_host(tool_venvs, sf_sandbox, login_proxy, tmp_path):
    """The library logs in itself (SOAP, login.salesforce.com), then queries."""
    venv = venv_of(tool_venvs, "salesforce_bulk")
    info = sf_sandbox.info()
    env = tool_env(venv, tmp_path / "home", login_proxy.bundle, HTTPS_PROXY=login_proxy.url)
    args = {k: info[k] for k in ("username", "password", "security_token")}
    args |= {"operation": "query", "object": "Contact", "soql": "SELECT Id FROM Contact"}
    out = run_driver(venv, "salesforce_bulk_driver.py", args, env, tmp_path)
    assert len(out["rows"]) == sf_sandbox.org.count("Contact")
