"""`operation: export`: rejects (output and CSV), remote ids written back by `update`,
insert / update-by-Id / upsert, match_on, and an in-process crash then resume."""

from __future__ import annotations

import csv
import uuid

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, insert, select

from tests.conftest import sf_client

pytestmark = pytest.mark.slow


def campaign_table(database, rows: list[dict], name: str = "campaign_contacts") -> Table:
    table = Table(
        name,
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("last_name", String(80)),
        Column("email", String(120)),
        Column("channel", String(40)),
        Column("ext_id", String(40)),
        Column("crm_id", String(18)),
        Column("vip", Boolean),
    )
    with database.transaction() as conn:
        table.create(conn)
        conn.execute(insert(table), rows)
    return table


def people(count: int, tag: str | None = None) -> list[dict]:
    tag = tag or uuid.uuid4().hex[:8]
    return [
        {
            "id": i,
            "last_name": f"Export{i}",
            "email": f"export{i}.{tag}@example.com",
            "channel": "Email",
            "ext_id": f"{tag}-{i}",
            "crm_id": None,
            "vip": i % 2 == 0,
        }
        for i in range(1, count + 1)
    ]


def by_external_id(sandbox, tag: str) -> dict[str, int]:
    records = sf_client(sandbox).query_all(
        f"SELECT External_Id__c FROM Contact WHERE External_Id__c LIKE '{tag}-%'"
    )["records"]
    counts: dict[str, int] = {}
    for record in records:
        counts[record["External_Id__c"]] = counts.get(record["External_Id__c"], 0) + 1
    return counts


EXPORT = """
    name: to-crm
    activities:
      pick: {type: query, table: campaign_contacts, order_by: [id], next: [export]}
      export:
        type: crm
        operation: export
        account: sfdc
        object: Contact
        mapping:
          LastName: last_name
          Email: email
          Preferred_Channel__c: channel
          External_Id__c: ext_id
          DoNotCall: vip
        %s
        next: [save, exported]
        rejects: [bad]
      save:
        type: update
        table: campaign_contacts
        operation: update
        keys: [id]
        mapping: {id: id, crm_id: remote_id}
        next: [done]
      done: {type: capture, key: saved}
      exported: {type: capture, key: ok}
      bad: {type: capture, key: rejects}
"""


def test_rejects_land_on_the_reject_output_and_in_the_file(flow, tmp_path):
    rows = people(5, "rej")
    rows[1]["channel"] = "Pigeon"  # not in the restricted picklist
    rows[3]["last_name"] = None  # LastName is required
    table = campaign_table(flow.database, rows)
    rejects_file = tmp_path / "out" / "rejects.csv"
    run = flow.run(EXPORT % f"key: External_Id__c\n        rejects_file: {rejects_file}")
    assert run.succeeded, run.error
    export = run.activities[1]
    assert (export.rows_in, export.rows_out, export.rows_rejected) == (5, 3, 2)
    bad = {r["id"]: r for r in flow.rows("rejects")}
    assert bad[2]["error_code"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert bad[2]["error_symbol"] == "picklist" and "Pigeon" in bad[2]["error_message"]
    assert (bad[4]["error_code"], bad[4]["error_symbol"]) == ("REQUIRED_FIELD_MISSING", "required")
    assert bad[2]["email"] == rows[1]["email"]  # the row itself comes along
    with rejects_file.open(newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [(r["id"], r["error_symbol"]) for r in written] == [("2", "picklist"), ("4", "required")]
    assert set(written[0]) >= {"ext_id", "error_code", "error_message"}
    assert by_external_id(flow.sandbox, "rej") == {"rej-1": 1, "rej-3": 1, "rej-5": 1}
    with flow.database.connect() as conn:
        saved = dict(conn.execute(select(table.c.id, table.c.crm_id)).all())
    assert saved[2] is None and saved[4] is None
    ok = {r["id"]: r for r in flow.rows("ok")}
    assert set(ok) == {1, 3, 5}


def test_remote_ids_are_written_back_and_a_rerun_updates(flow):
    rows = people(4, "back")
    table = campaign_table(flow.database, rows)
    first = flow.run(EXPORT % "key: External_Id__c")
    assert first.succeeded, first.error
    with flow.database.connect() as conn:
        saved = dict(conn.execute(select(table.c.ext_id, table.c.crm_id)).all())
    client = sf_client(flow.sandbox)
    crm = client.query_all(
        "SELECT Id, External_Id__c FROM Contact WHERE External_Id__c LIKE 'back-%'"
    )
    assert saved == {r["External_Id__c"]: r["Id"] for r in crm["records"]}
    second = flow.run(EXPORT % "key: External_Id__c", fresh=True)
    assert second.succeeded and second.id != first.id
    assert by_external_id(flow.sandbox, "back") == {f"back-{i}": 1 for i in range(1, 5)}


def test_insert_without_key_warns_and_update_by_id_when_mapped(flow):
    rows = people(3, "ins")
    campaign_table(flow.database, rows)
    run = flow.run(EXPORT % "")
    assert run.succeeded, run.error
    assert {r["created"] for r in flow.rows("ok")} == {True}
    assert any("without a key or match_on" in line for line in flow.log(run))
    # now the ids are in crm_id: an export mapping Id updates those rows, inserts the others
    mapped = EXPORT.replace("name: to-crm", "name: by-id").replace(
        "DoNotCall: vip", "DoNotCall: vip\n          Id: crm_id"
    )
    with flow.database.transaction() as conn:
        conn.execute(insert(Table("campaign_contacts", MetaData(), autoload_with=conn)),
                     [{**people(1, "ins2")[0], "id": 9}])  # fmt: skip
    again = flow.run(mapped % "")
    assert again.succeeded, again.error
    created = {r["id"]: r["created"] for r in flow.rows("ok")}
    assert created == {1: False, 2: False, 3: False, 9: True}
    assert by_external_id(flow.sandbox, "ins") == {f"ins-{i}": 1 for i in range(1, 4)}


def test_match_on_does_not_insert_a_record_already_there(flow):
    rows = people(2, "match")
    [existing] = flow.connector().write(
        "Contact", [{"LastName": "Old", "Email": rows[0]["email"]}], "insert"
    )
    campaign_table(flow.database, rows)
    run = flow.run(EXPORT % "match_on: Email")
    assert run.succeeded, run.error
    ok = {r["id"]: r for r in flow.rows("ok")}
    assert (ok[1]["remote_id"], ok[1]["created"]) == (existing.id, False)
    assert ok[2]["created"] is True


class CrashingWrites:
    """A connector that dies after `calls` write calls have been answered."""

    def __init__(self, inner, calls: int) -> None:
        self.inner, self.calls = inner, calls

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def write(self, *args, **kwargs):
        if self.calls == 0:
            results = list(self.inner.write(*args, **kwargs))  # sent, never journaled
            raise ConnectionError(f"crashed after sending {len(results)} rows")
        self.calls -= 1
        return self.inner.write(*args, **kwargs)


@pytest.mark.parametrize("mode", ["key: External_Id__c", "match_on: Email"])
def test_a_crashed_export_resumes_exactly_once(flow, mode):
    tag = uuid.uuid4().hex[:6]
    campaign_table(flow.database, people(35, tag))
    opened = flow.connector
    flow.connector = lambda account="sfdc": CrashingWrites(opened(account), 2)
    options = f"{mode}\n        batch_size: 10"
    failed = flow.run(EXPORT % options)
    assert failed.status == "failed" and "crashed after sending 10 rows" in failed.error
    assert sum(by_external_id(flow.sandbox, tag).values()) == 30  # 20 journaled, 10 in doubt
    flow.connector = opened
    resumed = flow.run(EXPORT % options)
    assert resumed.succeeded and resumed.id == failed.id, resumed.error
    assert by_external_id(flow.sandbox, tag) == {f"{tag}-{i}": 1 for i in range(1, 36)}
    assert len(flow.rows("ok")) == 35 and len({r["remote_id"] for r in flow.rows("ok")}) == 35
    assert any("20 rows are already in the journal" in line for line in flow.log(resumed))
