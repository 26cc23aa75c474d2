"""aiosalesforce (async REST), unpatched, against the Salesforce sandbox: query, sObject
create/get/update/delete, composite and composite batch, with client-credentials and SOAP
logins. It accepts only My Domain URLs, so it reaches the sandbox through the login proxy."""

from __future__ import annotations

import pytest

from tests.conftest import sf_client
from tests.thirdparty.conftest import run_driver, tool_env, venv_of
from tests.thirdparty.login_proxy import SANDBOX_MY_DOMAIN

pytestmark = pytest.mark.slow


@pytest.fixture
def aiosf(tool_venvs, sf_sandbox, login_proxy, tmp_path):
    venv = venv_of(tool_venvs, "aiosalesforce")
    info = sf_sandbox.info()
    env = tool_env(venv, tmp_path / "home", login_proxy.bundle, HTTPS_PROXY=login_proxy.url)

    def call(operation: str, auth: str = "client_credentials", **args):
        keys = ("client_id", "client_secret", "username", "password", "security_token")
        payload = {"base_url": SANDBOX_MY_DOMAIN, "auth": auth, "operation": operation}
        payload |= {k: info[k] for k in keys} | args
        return run_driver(venv, "aiosalesforce_driver.py", payload, env, tmp_path)

    return call


@pytest.fixture
def sf(sf_sandbox):
    client = sf_client(sf_sandbox)
    yield client
    client.session.close()


def test_query_pages_through_every_contact(aiosf, sf_sandbox):
    out = aiosf("query", soql="SELECT Id, LastName FROM Contact")
    assert len(out["records"]) == sf_sandbox.org.count("Contact")
    assert len({r["Id"] for r in out["records"]}) == len(out["records"])


def test_query_with_soap_login(aiosf, sf):
    soql = "SELECT Id, Email FROM Contact WHERE Email LIKE '%a%' ORDER BY Id LIMIT 20"
    out = aiosf("query", auth="soap", soql=soql)
    expected = [(r["Id"], r["Email"]) for r in sf.query(soql)["records"]]
    assert [(r["Id"], r["Email"]) for r in out["records"]] == expected


def test_create_get_update_delete(aiosf, sf):
    record = {"LastName": "Aio-Crud", "Email": "aio-crud@example.com"}
    out = aiosf("crud", record=record, change={"LastName": "Aio-Crud-Changed"})
    assert out["before"]["Email"] == "aio-crud@example.com"
    assert out["after"]["LastName"] == "Aio-Crud-Changed"
    query = f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{out['id']}'"
    assert sf.query_all(query, include_deleted=True)["records"][0]["IsDeleted"] is True


def test_upsert_by_external_id(aiosf, sf):
    out = aiosf("upsert", key="aio-up-1", record={"LastName": "Aio-Up"}, change={"Title": "CTO"})
    assert out["first"][1] is True and out["second"] == [out["first"][0], False]
    contact = sf.Contact.get(out["first"][0])
    assert (contact["LastName"], contact["Title"], contact["External_Id__c"]) == (
        "Aio-Up",
        "CTO",
        "aio-up-1",
    )


def test_composite_with_a_reference_in_a_body(aiosf, sf):
    out = aiosf("composite", account="Aio-Composite Inc", contact="Aio-Composite", get=False)
    assert sf.Contact.get(out["contact"])["AccountId"] == out["account"]
    assert sf.Account.get(out["account"])["Name"] == "Aio-Composite Inc"


def test_composite_with_a_reference_in_a_url(aiosf, sf):
    """aiosalesforce percent-encodes the id segment: `/sobjects/Contact/@%7Bref.id%7D`."""
    out = aiosf("composite", account="Aio-Composite-Get Inc", contact="Aio-Get", get=True)
    assert out["fetched"]["Id"] == out["contact"]
    assert out["fetched"]["AccountId"] == out["account"]


def test_composite_batch(aiosf, sf, sf_sandbox):
    out = aiosf("batch", soql="SELECT Id FROM Account", contact="Aio-Batch")
    assert len(out["records"]) == sf_sandbox.org.count("Account")
    assert sf.Contact.get(out["created"])["LastName"] == "Aio-Batch"


def test_bulk_v2_insert(aiosf, sf):
    records = [
        {"LastName": f"Aio-Bulk-{n}", "Email": f"aio-bulk-{n}@example.com"} for n in range(3)
    ]
    out = aiosf("bulk_insert", records=records)
    assert out["failed"] == [] and set(out["states"]) == {"JobComplete"}
    ids = [row["sf__Id"] for row in out["successful"]]
    assert sorted(sf.Contact.get(i)["Email"] for i in ids) == [r["Email"] for r in records]
