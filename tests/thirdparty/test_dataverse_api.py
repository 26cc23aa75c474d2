"""dataverse-api, unpatched, in its own venv, against the Dynamics sandbox, authenticated as
its README shows (msal client secret on a requests.Session): entity metadata, create (one
request a row and `$batch`), read with $filter, upsert by id and by alternate key, delete,
and the full entity definition."""

from __future__ import annotations

import uuid

import pytest

from tests.thirdparty.conftest import dv_args, dv_rows, run_driver, tool_env, venv_of

pytestmark = pytest.mark.slow


@pytest.fixture
def dva(tool_venvs, dv_sandbox, tmp_path):
    venv = venv_of(tool_venvs, "dataverse_api")
    env = tool_env(venv, tmp_path / "home", dv_sandbox.info()["ca_bundle"])

    def call(operation: str, **args):
        payload = {**dv_args(dv_sandbox), "operation": operation, **args}
        return run_driver(venv, "dataverse_api_driver.py", payload, env, tmp_path)

    return call


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"


def by_email(sandbox, email: str) -> list[tuple]:
    sql = "SELECT contactid, lastname, jobtitle FROM contact WHERE emailaddress1 = ?"
    return dv_rows(sandbox, sql, (email,))


def test_entity_metadata_with_a_secret_token(dva):
    out = dva("entity")
    assert (out["entity_set_name"], out["primary_id"]) == ("contacts", "contactid")
    assert ["emailaddress1"] in out["alternate_keys"].values()


def test_create_one_request_a_row(dva, dv_sandbox):
    emails = [unique_email("dva-create") for _ in range(2)]
    records = [{"lastname": "DVA-Create", "emailaddress1": e} for e in emails]
    assert dva("create", records=records)["statuses"] == [204, 204]
    assert all(len(by_email(dv_sandbox, e)) == 1 for e in emails)


def test_create_in_a_batch(dva, dv_sandbox):
    emails = [unique_email("dva-batch") for _ in range(3)]
    records = [{"lastname": "DVA-Batch", "emailaddress1": e} for e in emails]
    dva("create", records=records, mode="batch")
    assert [by_email(dv_sandbox, e)[0][1] for e in emails] == ["DVA-Batch"] * 3


def test_read_with_filter_matches_the_store(dva, dv_sandbox):
    out = dva("read", select=["lastname", "statecode"], filter="startswith(lastname,'A')")
    expected = dv_rows(dv_sandbox, "SELECT contactid FROM contact WHERE lastname LIKE 'A%'")
    assert sorted(r["contactid"] for r in out["rows"]) == sorted(r[0] for r in expected)
    assert expected


def test_upsert_by_id_updates(dva, dv_sandbox):
    email = unique_email("dva-upsert")
    dva("create", records=[{"lastname": "DVA-Upsert", "emailaddress1": email}])
    ((contact_id, _, _),) = by_email(dv_sandbox, email)
    dva("upsert", records=[{"contactid": contact_id, "jobtitle": "Engineer"}])
    assert by_email(dv_sandbox, email) == [(contact_id, "DVA-Upsert", "Engineer")]


def test_upsert_by_alternate_key_creates_then_updates(dva, dv_sandbox):
    email = unique_email("dva-altkey")
    key = "contact_emailaddress1_key"
    dva("upsert", records=[{"emailaddress1": email, "lastname": "DVA-Key"}], altkey=key)
    dva("upsert", records=[{"emailaddress1": email, "jobtitle": "Chemist"}], altkey=key)
    rows = by_email(dv_sandbox, email)
    assert [(r[1], r[2]) for r in rows] == [("DVA-Key", "Chemist")]


def test_delete(dva, dv_sandbox):
    email = unique_email("dva-delete")
    dva("create", records=[{"lastname": "DVA-Delete", "emailaddress1": email}])
    ((contact_id, _, _),) = by_email(dv_sandbox, email)
    assert dva("delete", ids=[contact_id])["statuses"] == [204]
    assert by_email(dv_sandbox, email) == []


def test_entity_definition(dva):
    """Parsed by the library's own pydantic model of EntityMetadata."""
    definition = dva("definition")["definition"]
    assert (definition["schema_name"], definition["entity_set_name"]) == ("contact", "contacts")
    assert definition["primary_name_attribute"] == "fullname"
    assert definition["display_name"]["user_localized_label"]["label"] == "Contact"
