"""query → update into `recipient`: operations, rejects, empty_if_null (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from crmlink.workflow.engine import run_workflow
from crmlink.workflow.tables import run_rejects
from tests.workflow.conftest import add_recipients, recipients

SOURCE = """
name: load
activities:
  read:
    type: query
    table: contacts_in
    next: save
  save:
    type: update
    table: recipient
    operation: {operation}
    keys: [email]
    mapping: {{email: Email, first_name: First, birth_date: Birth}}
    empty_if_null: {empty}
    rejects: bad
  bad:
    type: dedup
    keys: [Email]
"""


def contacts(database, rows: list[tuple]) -> None:
    table = Table(
        "contacts_in",
        MetaData(),
        Column("pk", Integer, primary_key=True),
        Column("Email", String(500)),
        Column("First", String(100)),
        Column("Birth", String(40)),
    )
    with database.transaction() as conn:
        table.create(conn)
        conn.execute(
            insert(table), [dict(zip(("Email", "First", "Birth"), r, strict=True)) for r in rows]
        )


def run(database, write, operation="upsert", empty="true"):
    path = write("load.yaml", SOURCE.format(operation=operation, empty=empty))
    return run_workflow(database, path, retry_delay=0)


def activity(record, name):
    return next(a for a in record.activities if a.name == name)


def test_upsert_with_rejects(database, write):
    add_recipients(database, [{"email": "a@x.com", "first_name": "Old", "last_name": "Kept"}])
    long_email = "l" * 300 + "@x.com"
    contacts(
        database,
        [("a@x.com", "Ann", "1990-05-01"), ("b@x.com", "Bob", None),
         ("c@x.com", "Cy", "31/02/1990"), (long_email, "Lo", None)],
    )  # fmt: skip
    record = run(database, write)
    assert record.status == "succeeded", record.error
    save = activity(record, "save")
    assert (save.rows_in, save.rows_out, save.rows_rejected) == (4, 2, 2)
    assert activity(record, "bad").rows_in == 2  # the reject transition fired
    rows = recipients(database, "email", "first_name", "last_name", "birth_date")
    assert rows == [("a@x.com", "Ann", "Kept", dt.date(1990, 5, 1)), ("b@x.com", "Bob", None, None)]
    with database.connect() as conn:
        kept = conn.execute(select(run_rejects).order_by(run_rejects.c.id)).mappings().all()
    assert [(r["error_code"], r["error_symbol"], r["error_message"]) for r in kept] == [
        ("INVALID_VALUE", "birth_date", "birth_date: '31/02/1990' is not a date (YYYY-MM-DD)"),
        ("INVALID_VALUE", "email", "email: 306 characters, more than the column's 255"),
    ]
    assert json.loads(kept[0]["row"]) == {
        "pk": 3,
        "Email": "c@x.com",
        "First": "Cy",
        "Birth": "31/02/1990",
    }


def test_update_only_touches_existing_rows(database, write):
    add_recipients(database, [{"email": "a@x.com", "first_name": "Old"}])
    contacts(database, [("a@x.com", "New", None), ("zz@x.com", "Nobody", None)])
    record = run(database, write, "update")
    assert activity(record, "save").rows_out == 1
    assert recipients(database, "email", "first_name") == [("a@x.com", "New")]


def test_insert_skips_existing_keys(database, write):
    add_recipients(database, [{"email": "a@x.com", "first_name": "Old"}])
    contacts(database, [("a@x.com", "New", None), ("b@x.com", "Bee", "2001-02-03")])
    record = run(database, write, "insert")
    assert activity(record, "save").rows_out == 1
    assert recipients(database, "email", "first_name") == [("a@x.com", "Old"), ("b@x.com", "Bee")]


def test_delete(database, write):
    add_recipients(database, [{"email": e} for e in ("a@x.com", "b@x.com", "c@x.com")])
    contacts(database, [("a@x.com", None, None), ("c@x.com", None, None), ("q@x.com", None, None)])
    record = run(database, write, "delete")
    assert activity(record, "save").rows_out == 2
    assert recipients(database) == [("b@x.com",)]


def test_empty_if_null_empties_by_default(database, write):
    add_recipients(
        database, [{"email": "a@x.com", "first_name": "Old", "birth_date": dt.date(1980, 1, 1)}]
    )
    contacts(database, [("a@x.com", None, None)])
    run(database, write)
    assert recipients(database, "first_name", "birth_date") == [(None, None)]


def test_empty_if_null_false_keeps_the_value(database, write):
    add_recipients(
        database, [{"email": "a@x.com", "first_name": "Old", "birth_date": dt.date(1980, 1, 1)}]
    )
    contacts(database, [("a@x.com", None, "1999-09-09")])
    run(database, write, empty="false")
    assert recipients(database, "first_name", "birth_date") == [("Old", dt.date(1999, 9, 9))]


def test_unchanged_rows_keep_modified_at_and_ok_has_ids(database, write):
    add_recipients(database, [{"email": "a@x.com", "first_name": "Ann"}])
    (before,) = recipients(database, "modified_at")
    contacts(database, [("a@x.com", "Ann", None), ("b@x.com", "Bob", None)])
    text = SOURCE.format(operation="upsert", empty="true")
    text = text.replace("    rejects: bad\n", "    next: ids\n    rejects: bad\n")
    path = write("ids.yaml", text + "  ids:\n    type: dedup\n    keys: [id]\n")
    record = run_workflow(database, path)
    assert activity(record, "ids").rows_in == 2
    assert recipients(database, "modified_at")[0] == before
    assert recipients(database, "id", "created_at")[1][1] is not None


def _outputs(database, run_id: int, name: str) -> set[str]:
    from crmlink.workflow.tables import activity_runs

    with database.connect() as conn:
        stored = conn.execute(
            select(activity_runs.c.outputs).where(
                activity_runs.c.run_id == run_id, activity_runs.c.activity == name
            )
        ).scalar_one()
    return set(json.loads(stored))


def test_the_ok_output_is_made_only_when_a_transition_takes_it(database, write):
    contacts(database, [("a@x.com", "Ann", None), ("b@x.com", "Bob", None)])
    last = run(database, write, operation="insert")  # `save` is the last step
    assert activity(last, "save").rows_out == 2  # counted all the same
    assert _outputs(database, last.id, "save") == {"rejects"}

    followed = SOURCE.replace("    rejects: bad\n", "    next: bad\n").replace("load", "load2")
    path = write("load2.yaml", followed.format(operation="upsert", empty="true"))
    record = run_workflow(database, path, retry_delay=0)
    assert record.status == "succeeded", record.error
    assert _outputs(database, record.id, "save") == {"ok", "rejects"}
    assert (activity(record, "save").rows_out, activity(record, "bad").rows_in) == (2, 2)
