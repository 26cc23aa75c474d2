"""Every crm operation of a workflow on a HubSpot account, through the CLI, on SQLite and
PostgreSQL: import (incremental, picking up a change), export (upsert by email, a bad
option rejected per row), delete (ids from a population), import_deleted (archived
records) applied to the imported table."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from sqlalchemy import text

from crmlink.db import open_database
from crmlink.model import WriteMode
from crmlink.sandbox.hubspot.app import HubSpotSandbox
from tests.connectors.test_hubspot_support import sandbox_connector

IMPORT = """
name: hs-import
activities:
  import:
    type: crm
    operation: import
    account: hs
    object: contacts
    fields: [firstname, lastname, email, lifecyclestage, interests]
    incremental: true
    next: [save]
  save:
    type: update
    table: hs_contacts
    operation: upsert
    keys: [hs_object_id]
    mapping:
      hs_object_id: hs_object_id
      firstname: firstname
      lastname: lastname
      email: email
      lifecyclestage: lifecyclestage
      interests: interests
      hs_lastmodifieddate: hs_lastmodifieddate
"""
EXPORT = """
name: hs-export
activities:
  pick:
    type: query
    table: hs_contacts
    filter: "lastname = 'Exported'"
    next: [export]
  export:
    type: crm
    operation: export
    account: hs
    object: contacts
    key: email
    mapping: {email: email, lastname: lastname, lifecyclestage: lifecyclestage}
"""
DELETE = """
name: hs-delete
activities:
  pick:
    type: query
    table: hs_contacts
    filter: "lastname = 'Doomed'"
    next: [delete]
  delete:
    type: crm
    operation: delete
    account: hs
    object: contacts
    ids_from: hs_object_id
"""
DELETED = """
name: hs-deleted
activities:
  deleted:
    type: crm
    operation: import_deleted
    account: hs
    object: contacts
    start: "2000-01-01T00:00:00Z"
    next: [remove]
  remove:
    type: update
    table: hs_contacts
    operation: delete
    keys: [hs_object_id]
    mapping: {hs_object_id: id}
"""


@pytest.fixture(scope="module")
def hs_sandbox(tmp_path_factory):
    sandbox = HubSpotSandbox(state_dir=tmp_path_factory.mktemp("hs-wf"), records=60, seed=4)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _run(crmlink, tmp_path, name: str, flow: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(flow))
    result = crmlink("workflow", "run", str(path))
    assert result.exit_code == 0, result.output
    return result


def _local(database_url: str, sql: str, **params) -> list[tuple]:
    with open_database(database_url) as db, db.transaction() as conn:
        result = conn.execute(text(sql), params)
        return [tuple(row) for row in result] if result.returns_rows else []


def test_every_crm_operation_end_to_end(crmlink, database_url, hs_sandbox, tmp_path):
    info = hs_sandbox.info()
    added = crmlink(
        "account", "add", "hs", "--type", "hubspot", "--url", info["url"],
        "--auth", "private-app", "--ca-bundle", info["ca_bundle"], "--secrets-stdin",
        input=f"access_token={info['access_token']}\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert crmlink("wizard", "hs", "--tables", "contacts").exit_code == 0
    with sandbox_connector(hs_sandbox) as hs:
        live = {r["hs_object_id"] for b in hs.read("contacts", ["hs_object_id"]) for r in b}

    _run(crmlink, tmp_path, "import", IMPORT)
    count = "SELECT count(*) FROM crm_hs_contacts"
    assert _local(database_url, count) == [(len(live),)]

    # incremental: a record changed in HubSpot arrives with the next run
    some = sorted(live)[:3]
    with sandbox_connector(hs_sandbox) as hs:
        changed = [{"hs_object_id": i, "lastname": "Changed"} for i in some]
        assert all(r.success for r in hs.write("contacts", changed, WriteMode.UPDATE))
    _run(crmlink, tmp_path, "import", IMPORT)
    again = "SELECT hs_object_id FROM crm_hs_contacts WHERE lastname = 'Changed'"
    assert sorted(r[0] for r in _local(database_url, again)) == some

    # export: upsert by email; one row with an option HubSpot does not have is its reject
    emailed = _local(database_url, "SELECT hs_object_id, email FROM crm_hs_contacts "
                     "WHERE email IS NOT NULL ORDER BY hs_object_id")[:3]  # fmt: skip
    assert len(emailed) == 3
    for n, (record_id, _) in enumerate(emailed):
        stage = "no-such-stage" if n == 2 else "customer"
        _local(
            database_url,
            "UPDATE crm_hs_contacts SET lastname = 'Exported', lifecyclestage = :stage "
            "WHERE hs_object_id = :id",
            stage=stage,
            id=record_id,
        )
    exported = _run(crmlink, tmp_path, "export", EXPORT)
    assert re.search(r"^export +crm +succeeded +3 +2 +1 ", exported.output, re.M), exported.output
    run_id = re.search(r"Run (\d+) of 'hs-export'", exported.output).group(1)
    rejects = json.loads(crmlink("workflow", "rejects", run_id, "--json").output)
    assert [r["row"]["email"] for r in rejects] == [emailed[2][1]]
    assert rejects[0]["error_code"] == "INVALID_OPTION"
    assert rejects[0]["error_message"].startswith("lifecyclestage: no-such-stage was not one")
    with sandbox_connector(hs_sandbox) as hs:
        ids = [record_id for record_id, _ in emailed]
        fields = ["hs_object_id", "lastname", "lifecyclestage"]
        rows = {r["hs_object_id"]: r for b in hs.read("contacts", fields, ids=ids) for r in b}
    assert [rows[i]["lastname"] for i in ids[:2]] == ["Exported", "Exported"]
    assert [rows[i]["lifecyclestage"] for i in ids[:2]] == ["customer", "customer"]
    assert rows[ids[2]]["lastname"] != "Exported"  # the rejected row changed nothing

    # delete ids from a population, then import_deleted removes them locally
    doomed = sorted(live - set(some) - {i for i, _ in emailed})[:2]
    for record_id in doomed:
        _local(database_url, "UPDATE crm_hs_contacts SET lastname = 'Doomed' "
               "WHERE hs_object_id = :id", id=record_id)  # fmt: skip
    _run(crmlink, tmp_path, "delete", DELETE)
    with sandbox_connector(hs_sandbox) as hs:
        assert not [r for b in hs.read("contacts", ["lastname"], ids=doomed) for r in b]
    _run(crmlink, tmp_path, "deleted", DELETED)
    left = _local(
        database_url, "SELECT hs_object_id FROM crm_hs_contacts WHERE lastname = 'Doomed'"
    )
    assert left == []
    assert _local(database_url, count) == [(len(live) - 2,)]
