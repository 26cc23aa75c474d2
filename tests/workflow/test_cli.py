"""`crmlink workflow …` and `crmlink worker` end to end (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import json

from sqlalchemy import update

from crmlink.db import open_database
from crmlink.workflow.tables import run_rejects, workflows
from tests.workflow.conftest import run_json

FLOW = """
name: {name}
schedule: "{schedule}"
activities:
  make: {{type: probe, rows: 2, next: save}}
  save:
    type: update
    table: recipient
    operation: insert
    mapping: {{email: tag, birth_date: tag}}
    rejects: [log]
  log: {{type: probe}}
"""


def flow(write, name="wf", schedule="* * * * *"):
    return write(f"{name}.yaml", FLOW.format(name=name, schedule=schedule))


def test_run_prints_a_summary_and_keeps_rejects(crmlink, write, tmp_path):
    result = crmlink("workflow", "run", str(flow(write)))
    assert result.exit_code == 0, result.output
    assert "save      update  succeeded  2   0    2" in result.stdout
    assert "Run 1 of 'wf' succeeded in " in result.stdout
    rejects = run_json(crmlink, "workflow", "rejects", "1")
    assert [(r["activity"], r["error_code"], r["row"]) for r in rejects] == [
        ("save", "INVALID_VALUE", {"n": 1, "tag": "t1"}),
        ("save", "INVALID_VALUE", {"n": 2, "tag": "t0"}),
    ]
    out = tmp_path / "rejects.csv"
    result = crmlink("workflow", "rejects", "1", "--csv", str(out))
    assert result.stdout == f"2 rejected rows written to {out}.\n"
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0] == {"activity": "save", "n": "1", "tag": "t1", "error_code": "INVALID_VALUE",
                       "error_symbol": "birth_date",
                       "error_message": "birth_date: 't1' is not a date (YYYY-MM-DD)"}  # fmt: skip


def test_rejects_csv_defuses_cells_a_spreadsheet_would_run(crmlink, write, tmp_path, database_url):
    assert crmlink("workflow", "run", str(flow(write))).exit_code == 0
    hostile = '=HYPERLINK("http://evil")'
    with open_database(database_url) as database, database.transaction() as conn:
        conn.execute(update(run_rejects).values(row=json.dumps({"n": 1, "tag": hostile})))
    out = tmp_path / "rejects.csv"
    assert crmlink("workflow", "rejects", "1", "--csv", str(out)).exit_code == 0
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["tag"] for r in rows] == ["'" + hostile] * 2  # text, never a formula
    assert rows[0]["error_message"].startswith("birth_date: ")


def test_run_json_and_failure_exit_code(crmlink, write):
    path = write("f.yaml", "name: f\nactivities:\n  a: {type: probe, failures: 1}\n")
    result = crmlink("workflow", "run", str(path), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["status"], data["error"], data["activities"][0]["status"]) == (
        "failed", "probe failure 1", "failed")  # fmt: skip
    result = crmlink("workflow", "run", str(path))
    assert result.exit_code == 0, result.output
    assert "Resuming run 1 (failed): activities that succeeded are not rerun" in result.stderr


def test_bad_var(crmlink, write):
    result = crmlink("workflow", "run", str(flow(write)), "--var", "novalue")
    assert (result.exit_code, result.stderr) == (2, "Error: --var 'novalue' is not NAME=VALUE.\n")


def test_add_list_show_remove(crmlink, write):
    path = flow(write)
    result = crmlink("workflow", "add", str(path))
    assert result.stdout == "Workflow 'wf' registered (schedule * * * * *).\n"
    (listed,) = run_json(crmlink, "workflow", "list")
    assert (listed["name"], listed["schedule"], listed["enabled"]) == ("wf", "* * * * *", True)
    shown = run_json(crmlink, "workflow", "show", "wf")
    assert [a["name"] for a in shown["activities"]] == ["make", "save", "log"]
    assert shown["activities"][1]["rejects"] == ["log"]
    result = crmlink("workflow", "run", "wf")
    assert result.exit_code == 0, result.output
    assert crmlink("workflow", "remove", "wf").stdout == "Workflow 'wf' removed.\n"
    result = crmlink("workflow", "show", "wf")
    assert (result.exit_code, result.stderr) == (
        2, "Error: no registered workflow named 'wf'; see `crmlink workflow list`.\n")  # fmt: skip


def test_runs_and_run_show(crmlink, write):
    crmlink("workflow", "run", str(flow(write)))
    (run,) = run_json(crmlink, "workflow", "runs", "wf")
    assert (run["id"], run["status"]) == (1, "succeeded")
    detail = run_json(crmlink, "workflow", "run-show", "1")
    assert [a["rows_out"] for a in detail["activities"]] == [2, 0, 3]
    assert detail["log"][0]["message"] == "run 1 of 'wf' started"
    text = crmlink("workflow", "run-show", "1").stdout
    assert "[save] insert into recipient: nothing to do; 2 rejected" in text
    result = crmlink("workflow", "run-show", "99")
    assert result.exit_code == 2 and "no workflow run 99" in result.stderr


def test_cursor_show_and_reset(crmlink, write):
    path = write(
        "c.yaml", 'name: c\nactivities:\n  imp: {type: probe, cursor: "2024-01-02T03:04:05Z"}\n'
    )
    crmlink("workflow", "run", str(path))
    (cursor,) = run_json(crmlink, "workflow", "cursor", "show", "c")
    assert (cursor["activity"], cursor["modified"]) == ("imp", "2024-01-02T03:04:05+00:00")
    result = crmlink("workflow", "cursor", "reset", "c", "--activity", "imp")
    assert result.stdout == "1 cursor(s) of 'c' reset.\n"
    assert run_json(crmlink, "workflow", "cursor", "show", "c") == []


def test_worker_once_runs_only_due_workflows(crmlink, write, database_url):
    # yearly schedules: "due" was added two years ago, so a new year has come since; "later"
    # five minutes ago. Once "due" has run, its next time is a year away, so the second
    # pass finds nothing (a schedule of every minute could come due again between them)
    crmlink("workflow", "add", str(flow(write, "due", "0 0 1 1 *")))
    crmlink("workflow", "add", str(flow(write, "later", "0 0 1 1 *")))
    now = dt.datetime.now(dt.UTC)
    with open_database(database_url) as database, database.transaction() as conn:
        added = {"due": now - dt.timedelta(days=730), "later": now - dt.timedelta(minutes=5)}
        for name, when in added.items():
            conn.execute(update(workflows).where(workflows.c.name == name).values(added_at=when))
    result = crmlink("worker", "--once")
    assert result.exit_code == 0, result.output
    assert "due: due (schedule 0 0 1 1 *); running" in result.stdout
    assert "due: run 1 succeeded" in result.stdout
    assert "later" not in result.stdout
    assert [r["workflow"] for r in run_json(crmlink, "workflow", "runs")] == ["due"]
    assert "due: due" not in crmlink("worker", "--once").stdout  # it just ran
