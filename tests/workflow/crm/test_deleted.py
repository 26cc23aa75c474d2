"""`operation: import_deleted` (a window, or since the last successful run, with the
CRM's retention reported) and `operation: delete` (per-record results and rejects)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from tests.conftest import sf_client

pytestmark = pytest.mark.slow

DELETED = """
    name: gone
    activities:
      read:
        type: crm
        operation: import_deleted
        account: sfdc
        object: Contact
        %s
        next: [keep]
      keep: {type: capture, key: rows}
"""


def contact_ids(flow) -> list[str]:
    records = sf_client(flow.sandbox).query_all("SELECT Id FROM Contact ORDER BY Id")
    return [r["Id"] for r in records["records"]]


def delete(flow, ids: list[str]) -> None:
    assert all(r.success for r in flow.connector().delete("Contact", ids))


def test_since_the_last_run_with_the_retention_reported(flow):
    ids = contact_ids(flow)
    flow.advance(-600)  # behind our clock: the window's end (run start) covers the org's now
    delete(flow, ids[:3])
    flow.advance(120)  # getDeleted covers whole minutes only
    first = flow.run(DELETED % "")
    assert first.succeeded, first.error
    assert sorted(r["id"] for r in flow.rows("rows")) == ids[:3]
    assert all(isinstance(r["deleted_at"], dt.datetime) for r in flow.rows("rows"))
    earliest = flow.variables("rows")["crmEarliestAvailable"]
    log = flow.log(first)
    assert earliest and any(f"keeps deleted records from {earliest}" in line for line in log)
    assert not any("cannot be reported" in line for line in log)  # its oldest deletion is here

    delete(flow, ids[3:5])
    flow.advance(120)
    second = flow.run(DELETED % "")
    assert second.succeeded and second.id != first.id
    assert sorted(r["id"] for r in flow.rows("rows")) == ids[3:5]


def test_between_start_and_end(flow):
    ids = contact_ids(flow)
    flow.advance(-600)
    delete(flow, ids[:2])
    flow.advance(120)
    now = dt.datetime.now(dt.UTC)
    start = (now - dt.timedelta(days=1)).strftime("%Y/%m/%d %H:%M:%S")
    window = f'start: "{start}"\n        end: "{{{{until}}}}"'
    run = flow.run(DELETED % window, {"until": now.isoformat()})
    assert run.succeeded, run.error
    assert sorted(r["id"] for r in flow.rows("rows")) == ids[:2]
    variables = flow.variables("rows")
    assert variables["crmStartDate"].startswith(start[:10].replace("/", "-"))
    empty = flow.run(DELETED % 'start: "2020-01-01"\n        end: "2020-01-02"', fresh=True)
    assert empty.succeeded and flow.rows("rows") == []
    assert any("no retention limit" in line for line in flow.log(empty))


def test_delete_with_per_record_rejects(flow):
    ids = contact_ids(flow)
    table = Table(
        "to_remove",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("crm_id", String(18)),
    )
    values = [ids[0], ids[1], "003000000000000AAA", "bogus", None]
    with flow.database.transaction() as conn:
        table.create(conn)
        conn.execute(insert(table), [{"id": i, "crm_id": v} for i, v in enumerate(values, 1)])
    workflow = """
        name: remove
        activities:
          pick: {type: query, table: to_remove, order_by: [id], next: [remove]}
          remove:
            type: crm
            operation: delete
            account: sfdc
            object: Contact
            ids_from: crm_id
            next: [done]
            rejects: [bad]
          done: {type: capture, key: ok}
          bad: {type: capture, key: rejects}
    """
    run = flow.run(workflow)
    assert run.succeeded, run.error
    assert sorted(r["remote_id"] for r in flow.rows("ok")) == sorted(ids[:2])
    bad = {r["id"]: (r["error_code"], r["error_symbol"]) for r in flow.rows("rejects")}
    assert set(bad) == {3, 4, 5}
    assert bad[4] == ("MALFORMED_ID", "bad_id") and bad[5] == ("MISSING_ID", "required")
    assert bad[3][1] in ("not_found", "bad_id", "bad_reference")
    assert set(contact_ids(flow)).isdisjoint(ids[:2])
    again = flow.run(workflow, fresh=True)
    assert again.succeeded
    assert {r["error_symbol"] for r in flow.rows("rejects") if r["id"] <= 2} == {"not_found"}
