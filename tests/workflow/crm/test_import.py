"""`operation: import`: filter, order_by, limit, query_all, conversions, ids_from, and
the field checks — real workflows against the Salesforce sandbox."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from crmlink.errors import UsageError
from tests.conftest import sf_client

pytestmark = pytest.mark.slow


def soql(sandbox, text: str) -> list[dict]:
    return sf_client(sandbox).query_all(text)["records"]


def test_filter_order_limit_and_typed_columns(shared_flow):
    run = shared_flow.run("""
        name: contacts
        activities:
          read:
            type: crm
            operation: import
            account: sfdc
            object: Contact
            fields: [email, LastName, Birthdate]
            filter: "Email != null and LastName like 'M%'"
            order_by: [LastName desc, Email]
            limit: 7
            next: keep
          keep: {type: capture, key: rows}
    """)
    assert run.succeeded, run.error
    rows = shared_flow.rows("rows")
    expected = soql(
        shared_flow.sandbox,
        "SELECT Id, LastName, Email FROM Contact WHERE Email != null AND LastName LIKE 'M%' "
        "ORDER BY LastName DESC, Email LIMIT 7",
    )
    assert [r["Id"] for r in rows] == [r["Id"] for r in expected]
    assert set(rows[0]) == {"_wk_row", "Id", "SystemModstamp", "Email", "LastName", "Birthdate"}
    assert all(isinstance(r["SystemModstamp"], dt.datetime) for r in rows)
    assert all(r["Birthdate"] is None or isinstance(r["Birthdate"], dt.date) for r in rows)
    crm = run.activities[0]
    assert (crm.rows_out, crm.api_calls > 0) == (7, True)


def test_unknown_field_fails_the_run_with_suggestions(shared_flow):
    with pytest.raises(UsageError) as failed:  # the preflight, before the import runs
        shared_flow.run("""
            name: typo
            activities:
              read: {type: crm, operation: import, account: sfdc, object: Contact,
                     fields: [Emial]}
        """)
    assert "unknown field 'Emial' on Contact (did you mean 'Email'?)" in str(failed.value)


def test_query_all_includes_deleted_records(flow):
    connector = flow.connector()
    victim = soql(flow.sandbox, "SELECT Id FROM Contact ORDER BY Id LIMIT 1")[0]["Id"]
    [result] = connector.delete("Contact", [victim])
    assert result.success
    workflow = """
        name: everything
        activities:
          read: {type: crm, operation: import, account: sfdc, object: Contact,
                 fields: [IsDeleted], query_all: %s, next: keep}
          keep: {type: capture, key: rows}
    """
    assert flow.run(workflow % "false").succeeded
    live = {r["Id"]: r["IsDeleted"] for r in flow.rows("rows")}
    assert flow.run(workflow % "true").succeeded
    every = {r["Id"]: r["IsDeleted"] for r in flow.rows("rows")}
    assert victim not in live and every[victim] is True
    assert set(every) - set(live) == {victim}


def test_conversions(flow):
    connector = flow.connector()
    record = soql(flow.sandbox, "SELECT Id FROM Contact ORDER BY Id LIMIT 1")[0]["Id"]
    touched = dt.datetime(2024, 3, 1, 23, 30, 15, 250000, dt.UTC)  # 2 March in Paris
    update = {"Id": record, "Last_Campaign_Touch__c": touched}
    [written] = connector.write("Contact", [update], "update")
    assert written.success, written.error
    run = flow.run(f"""
        name: conversions
        activities:
          read:
            type: crm
            operation: import
            account: sfdc
            object: Contact
            filter: "Id = '{record}'"
            fields: [Last_Campaign_Touch__c, CreatedDate, LastModifiedDate, DoNotCall]
            timezone: Europe/Paris
            conversions:
              Last_Campaign_Touch__c: date_only
              CreatedDate: without_time_offset
              LastModifiedDate: copy
              DoNotCall: copy
            next: keep
          keep: {{type: capture, key: rows}}
    """)
    assert run.succeeded, run.error
    [row] = flow.rows("rows")
    assert row["Last_Campaign_Touch__c"] == dt.date(2024, 3, 2)
    assert row["CreatedDate"].tzinfo is None  # the wall clock the CRM sent (UTC)
    assert isinstance(row["LastModifiedDate"], str) and row["LastModifiedDate"].endswith("Z")
    assert row["DoNotCall"] in ("true", "false")


def test_ids_from_imports_exactly_those_records(flow):
    ids = [r["Id"] for r in soql(flow.sandbox, "SELECT Id FROM Contact ORDER BY Id LIMIT 5")]
    table = Table(
        "campaign_people",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("crm_id", String(18)),
    )
    with flow.database.transaction() as conn:
        table.create(conn)
        values = [*ids, ids[0], ids[1][:15], "003000000000000AAA", None]
        conn.execute(insert(table), [{"id": i, "crm_id": v} for i, v in enumerate(values)])
    run = flow.run("""
        name: enrich
        activities:
          people: {type: query, table: campaign_people, next: [read]}
          read:
            type: crm
            operation: import
            account: sfdc
            object: Contact
            fields: [Email]
            ids_from: crm_id
            next: keep
            rejects: missing
          keep: {type: capture, key: rows}
          missing: {type: capture, key: missing}
    """)
    assert run.succeeded, run.error
    assert sorted(r["Id"] for r in flow.rows("rows")) == sorted(ids)
    [missing] = flow.rows("missing")
    assert (missing["crm_id"], missing["error_symbol"]) == ("003000000000000AAA", "not_found")


def test_without_fields_every_storable_field_is_imported(shared_flow):
    run = shared_flow.run("""
        name: everything
        activities:
          read: {type: crm, operation: import, account: sfdc, object: Contact, limit: 3,
                 next: [keep]}
          keep: {type: capture, key: rows}
    """)
    assert run.succeeded, run.error
    row = shared_flow.rows("rows")[0]
    assert {"Id", "Email", "MailingCity", "SystemModstamp"} <= set(row)
    assert "MailingAddress" not in row
    assert any("compound fields come as their parts" in line for line in shared_flow.log(run))
    # the limit reached the CRM: one REST page of 3 rows, not a read of the whole object
    plan = "read plan: rest: at most 3 rows (the limit): REST pages (1 API call)"
    assert any(line.endswith(plan) for line in shared_flow.log(run))


def test_read_plan_fewest_calls_reaches_the_connector_s_planner(shared_flow):
    """The option goes from the workflow file to the planner, whose reason says it (the
    connector tests show what it changes on a slow link), and every row is read."""
    run = shared_flow.run("""
        name: fewest
        activities:
          read: {type: crm, operation: import, account: sfdc, object: Contact, fields: [Email],
                 read_plan: fewest_calls, next: [keep]}
          keep: {type: capture, key: rows}
    """)
    assert run.succeeded, run.error
    assert len(shared_flow.rows("rows")) == shared_flow.sandbox.org.count("Contact")
    plans = [line for line in shared_flow.log(run) if "read plan: " in line]
    assert len(plans) == 1 and "(read_plan: fewest_calls)" in plans[0], plans


def test_progress_carries_the_crm_s_count_to_the_observer(shared_flow):
    """The live line's total and ETA come from here: the import reports rows of a total."""
    from crmlink.workflow.observer import Observer

    seen: list[tuple[int, int | None]] = []

    class Watch(Observer):
        def progress(self, name, rows, api_calls, total=None):
            seen.append((rows, total))

    run = shared_flow.run(
        """
        name: progress
        activities:
          read: {type: crm, operation: import, account: sfdc, object: Contact, fields: [Email]}
        """,
        observer=Watch(),
    )
    count = shared_flow.sandbox.org.count("Contact")
    assert run.status == "succeeded", run.error
    assert seen and seen[-1] == (count, count)
