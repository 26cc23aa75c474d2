"""PowerPlatform-Dataverse-Client (Microsoft's Dataverse SDK), unpatched, in its own venv,
against the Dynamics sandbox: azure-identity's ClientSecretCredential against the sandbox's
Azure AD, create, read, query with $filter, update, delete and table metadata."""

from __future__ import annotations

import uuid

import pytest

from tests.thirdparty.conftest import dv_args, dv_rows, run_driver, tool_env, venv_of

pytestmark = pytest.mark.slow


@pytest.fixture
def dvc(tool_venvs, dv_sandbox, tmp_path):
    venv = venv_of(tool_venvs, "dataverse_client")
    env = tool_env(venv, tmp_path / "home", dv_sandbox.info()["ca_bundle"])

    def call(operation: str, **args):
        payload = {**dv_args(dv_sandbox), "operation": operation, **args}
        return run_driver(venv, "dataverse_client_driver.py", payload, env, tmp_path)

    return call


@pytest.fixture
def contact(dvc):
    """A contact made by the client (its id)."""
    email = f"grace-{uuid.uuid4().hex[:8]}@example.org"  # e-mail is an alternate key
    record = {"firstname": "Grace", "lastname": "DV-Client", "emailaddress1": email}
    return dvc("create", record=record)["id"]


def test_client_secret_credential_gets_a_token_the_api_accepts(dvc, dv_sandbox):
    out = dvc("auth")
    assert out["token"].count(".") == 2 and out["expires_on"] > 0
    assert out["rows"] == 1


def test_create(dvc, dv_sandbox):
    record = {"firstname": "Ada", "lastname": "DV-Create", "emailaddress1": "ada-dvc@example.org"}
    out = dvc("create", record=record)
    assert out["record"]["fullname"] == "Ada DV-Create"
    stored = dv_rows(
        dv_sandbox, "SELECT emailaddress1 FROM contact WHERE contactid = ?", (out["id"],)
    )
    assert stored == [("ada-dvc@example.org",)]


def test_query_with_filter_matches_the_store(dvc, dv_sandbox):
    out = dvc("query", select=["fullname", "lastname"], filter="startswith(lastname,'B')")
    expected = dv_rows(dv_sandbox, "SELECT contactid FROM contact WHERE lastname LIKE 'B%'")
    assert sorted(r["contactid"] for r in out["records"]) == sorted(r[0] for r in expected)
    assert expected


def test_update(dvc, dv_sandbox, contact):
    out = dvc("update", id=contact, changes={"jobtitle": "Analyst"})
    assert out["record"]["jobtitle"] == "Analyst"
    assert dv_rows(dv_sandbox, "SELECT jobtitle FROM contact WHERE contactid = ?", (contact,)) == [
        ("Analyst",)
    ]


def test_delete(dvc, dv_sandbox, contact):
    assert dvc("delete", id=contact)["record"] is None
    assert dv_rows(dv_sandbox, "SELECT 1 FROM contact WHERE contactid = ?", (contact,)) == []


def test_table_metadata(dvc):
    out = dvc("metadata", table="contact")
    assert out["table"]["entity_set_name"] == "contacts"
    assert out["table"]["primary_id_attribute"] == "contactid"
    assert out["missing"] is None


def test_sql_query_returns_only_matching_rows(dvc, dv_sandbox):
    """`client.query.sql` sends `GET contacts?sql=…` (Dataverse's read-only SQL endpoint)."""
    out = dvc("sql", sql="SELECT fullname, lastname FROM contact WHERE lastname = 'Anderson'")
    expected = dv_rows(dv_sandbox, "SELECT contactid FROM contact WHERE lastname = 'Anderson'")
    assert len(out["records"]) == len(expected) > 0
    assert {r["lastname"] for r in out["records"]} == {"Anderson"}


def test_batch_creates_in_one_request(dvc, dv_sandbox):
    records = [{"lastname": f"DV-Batch-{n}"} for n in range(2)]
    out = dvc("batch", records=records)
    assert out["codes"] == [204, 204]
    names = [
        dv_rows(dv_sandbox, "SELECT lastname FROM contact WHERE contactid = ?", (i,))
        for i in out["ids"]
    ]
    assert names == [[("DV-Batch-0",)], [("DV-Batch-1",)]]


def test_upsert_by_alternate_key(dvc, dv_sandbox):
    email = f"dvc-upsert-{uuid.uuid4().hex[:8]}@example.org"
    dvc("upsert", email=email, record={"lastname": "DV-Upsert"})
    dvc("upsert", email=email, record={"jobtitle": "Pilot"})
    sql = "SELECT lastname, jobtitle FROM contact WHERE emailaddress1 = ?"
    assert dv_rows(dv_sandbox, sql, (email,)) == [("DV-Upsert", "Pilot")]


def test_create_a_custom_table(dvc):
    out = dvc(
        "create_table", table="new_rehearsal", columns={"new_code": "string", "new_score": "int"}
    )
    assert out["read_back"]["entity_set_name"] == "new_rehearsals"
