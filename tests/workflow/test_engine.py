"""The engine: dedup, variables, on_error, resume, one run at a time, cursors, journal."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, select, update

from crmlink.db.types import utcnow
from crmlink.errors import UsageError
from crmlink.workflow import populations, steps
from crmlink.workflow.base import ColumnSpec
from crmlink.workflow.cursors import list_committed as list_cursors
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.runs import WorkflowBusy
from crmlink.workflow.tables import export_journal, workflow_runs
from tests.workflow.conftest import CALLS, add_recipients


def by_name(record):
    return {a.name: a for a in record.activities}


def wk_tables(database) -> list[str]:
    return [t for t in inspect(database.engine).get_table_names() if t.startswith("wk_")]


@pytest.mark.parametrize(("keep", "expected"), [("first", ["Ann", "Bo"]), ("last", ["Anna", "Bo"])])
def test_dedup_first_and_last_by_a_field(database, write, keep, expected):
    add_recipients(database, [
        {"email": "a@x.com", "first_name": "Anna", "birth_date": dt.date(1990, 1, 1)},
        {"email": "a@x.com", "first_name": "Ann", "birth_date": dt.date(1980, 1, 1)},
        {"email": "b@x.com", "first_name": "Bo", "birth_date": None},
    ])  # fmt: skip
    kept = Table(
        "kept", MetaData(), Column("email", String(255)), Column("first_name", String(100))
    )
    with database.transaction() as conn:
        kept.create(conn)
    path = write(
        "d.yaml",
        f"""
        name: d
        activities:
          q: {{type: query, table: recipient, fields: [email, first_name, birth_date], next: dd}}
          dd: {{type: dedup, keys: [email], keep: {keep}, by: birth_date, next: out}}
          out: {{type: update, table: kept, operation: insert}}
    """,
    )
    record = run_workflow(database, path)
    assert by_name(record)["dd"].rows_out == 2
    with database.connect() as conn:
        names = conn.execute(select(kept.c.first_name).order_by(kept.c.email)).scalars().all()
    assert names == expected
    assert wk_tables(database) == []  # dropped on success


def test_dedup_never_merges_rows_without_a_key(database, write):
    add_recipients(database, [
        {"email": None, "first_name": "Nokey1"},
        {"email": None, "first_name": "Nokey2"},
        {"email": "c@x.com", "first_name": "C1"},
        {"email": "c@x.com", "first_name": "C2"},
    ])  # fmt: skip
    path = write(
        "n.yaml",
        """
        name: n
        activities:
          q: {type: query, table: recipient, fields: [email, first_name], next: dd}
          dd: {type: dedup, keys: [email]}
    """,
    )
    record = run_workflow(database, path)
    assert by_name(record)["dd"].rows_out == 3  # both keyless rows, one c@x.com


def test_the_writer_numbers_rows(database):
    with database.transaction() as conn:
        table = populations.create(
            conn, "wk_t_in", [ColumnSpec("k", String(5)), ColumnSpec("v", Integer())]
        )
        writer = populations.Writer(conn, table)
        writer.append([{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "a", "v": 3}])
        assert writer.finish().count == 3


def test_variables_are_substituted_and_unknown_ones_named(database, write):
    add_recipients(database, [{"email": "a@x.com"}, {"email": "b@y.com"}])
    text = """
        name: v
        variables: {domain: x.com}
        activities:
          q: {type: query, table: recipient, filter: "email like '%@{{domain}}'"}
    """
    record = run_workflow(database, write("v.yaml", text))
    assert by_name(record)["q"].rows_out == 1
    record = run_workflow(database, write("v.yaml", text), {"domain": "nowhere"})
    assert by_name(record)["q"].rows_out == 0
    bad = run_workflow(database, write("v.yaml", text.replace("{{domain}}", "{{dom}}")), fresh=True)
    assert bad.status == "failed" and bad.exit_code == 2
    assert bad.error.startswith("unknown variable 'dom' in activity 'q' (known: domain)")


def flow(on_error: str, failures: int, errors: str = "") -> str:
    return f"""
        name: e
        activities:
          first: {{type: probe, next: second}}
          second: {{type: probe, failures: {failures}, on_error: "{on_error}", next: third{errors}}}
          third: {{type: probe}}
          handler: {{type: probe}}
    """


def test_on_error_stop_fails_the_run(database, write):
    record = run_workflow(database, write("e.yaml", flow("stop", 1)))
    assert (record.status, record.exit_code, record.error) == ("failed", 1, "probe failure 1")
    assert by_name(record)["second"].status == "failed"
    assert "third" not in by_name(record)


def test_on_error_continue_goes_to_the_errors_transition(database, write):
    record = run_workflow(database, write("e.yaml", flow("continue", 1, ", errors: handler")))
    assert record.status == "succeeded"
    activities = by_name(record)
    assert activities["second"].status == "failed"
    assert activities["third"].status == "skipped"
    assert activities["handler"].status == "succeeded"


def test_on_error_retry(database, write):
    record = run_workflow(database, write("e.yaml", flow("retry(2)", 2)), retry_delay=0)
    assert record.status == "succeeded"
    assert by_name(record)["second"].attempts == 3
    failed = run_workflow(database, write("e.yaml", flow("retry(1)", 2)), retry_delay=0, fresh=True)
    assert failed.status == "failed" and by_name(failed)["second"].attempts == 2


def test_resume_after_a_failure_skips_what_succeeded(database, write):
    path = write("e.yaml", flow("stop", 1))
    first = run_workflow(database, path)
    assert first.status == "failed" and wk_tables(database)  # populations kept for the resume
    second = run_workflow(database, path)
    assert second.id == first.id and second.status == "succeeded" and second.resumes == 1
    assert CALLS[(first.id, "first")] == 1 and CALLS[(first.id, "second")] == 2
    assert wk_tables(database) == []


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_resume_after_a_crash(database, write):
    path = write("e.yaml", flow("stop", 1))
    crashed = run_workflow(database, path)
    with database.transaction() as conn:
        conn.execute(update(workflow_runs).values(status="running", pid=dead_pid(), ended_at=None))
    resumed = run_workflow(database, path)
    assert resumed.id == crashed.id and resumed.status == "succeeded"
    assert CALLS[(crashed.id, "first")] == 1


def test_fresh_abandons_the_unfinished_run(database, write):
    path = write("e.yaml", flow("stop", 1))
    failed = run_workflow(database, path)
    fresh = run_workflow(database, path, fresh=True)
    assert fresh.id != failed.id and fresh.status == "failed"  # probe fails once per run
    with database.connect() as conn:
        status = conn.execute(select(workflow_runs.c.status).where(workflow_runs.c.id == failed.id))
        assert status.scalar() == "abandoned"


def test_one_run_of_a_workflow_at_a_time(database, write):
    path = write("e.yaml", flow("stop", 0))
    record = run_workflow(database, path)
    with database.transaction() as conn:  # a live process (this one) still running it
        conn.execute(update(workflow_runs).values(status="running"))
    with pytest.raises(WorkflowBusy, match=r"workflow 'e' is already running \(run \d+, pid \d+"):
        run_workflow(database, path)
    assert record.status == "succeeded"


def test_cursors_commit_only_when_the_run_succeeds(database, write):
    text = """
        name: c
        activities:
          imp: {type: probe, cursor: "2024-05-01T10:00:00+00:00", next: after}
          after: {type: probe, failures: 1}
    """
    path = write("c.yaml", text)
    assert run_workflow(database, path).status == "failed"
    assert list_cursors(database, "c") == []
    assert run_workflow(database, path).status == "succeeded"
    (cursor,) = list_cursors(database, "c")
    assert (cursor["activity"], cursor["record_id"]) == ("imp", "X1")
    assert cursor["modified"] == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)


def test_a_runs_end_comes_after_its_working_tables_are_dropped(database, write, monkeypatch):
    """Dropping a big population takes a second: the run has not ended before it."""
    dropped: list[dt.datetime] = []
    drop = steps.drop_tables

    def timed_drop(conn, run_id):
        drop(conn, run_id)
        dropped.append(utcnow())

    monkeypatch.setattr(steps, "drop_tables", timed_drop)
    path = write("e.yaml", "name: e\nactivities:\n  imp: {type: probe}\n")
    record = run_workflow(database, path)
    assert record.status == "succeeded" and len(dropped) == 1
    assert record.ended_at >= dropped[0]


def test_the_journal_survives_a_failed_activity(database, write):
    path = write("j.yaml", "name: j\nactivities:\n  exp: {type: probe, journal: 4, failures: 1}\n")
    failed = run_workflow(database, path)
    with database.connect() as conn:
        rows = conn.execute(
            select(export_journal.c.row).where(export_journal.c.run_id == failed.id)
        )
        assert sorted(rows.scalars()) == [1, 2, 3, 4]
    with database.connect() as conn:
        assert conn.execute(select(export_journal)).all()


def test_populations_are_read_in_batches(database):
    with database.transaction() as conn:
        table = populations.create(conn, "wk_t_rows", [ColumnSpec("n", Integer())])
        writer = populations.Writer(conn, table)
        for start in range(0, 2500, 500):
            writer.append([{"n": i} for i in range(start, start + 500)])
        population = writer.finish()
        batches = list(populations.iter_rows(conn, population, batch=1000))
    assert [len(b) for b in batches] == [1000, 1000, 500]
    assert batches[2][-1] == {"_wk_row": 2500, "n": 2499}


def test_an_unknown_target_is_a_usage_error(database):
    with pytest.raises(UsageError, match="no workflow file or registered workflow named 'nope'"):
        run_workflow(database, "nope")


def test_the_journals_raw_insert_names_the_tables_columns_in_its_tuples_order():
    """`DbJournal.record` hands the driver tuples in `_JOURNAL_COLUMNS` order: the table's
    own columns, every one of them, so no value lands in another column."""
    from crmlink.workflow import context

    assert tuple(c.name for c in export_journal.columns) == context._JOURNAL_COLUMNS
