"""The dashboard counts what `account list`, `workflow list` and `workflow runs` show."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from crmlink.workflow.tables import workflow_runs


def _run(database, status: str, error: str | None = None) -> None:
    row = {"workflow": "nightly", "definition": "x", "status": status, "variables": "{}",
           "started_at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "error": error,
           "resumes": 0}  # fmt: skip
    with database.transaction() as connection:
        connection.execute(insert(workflow_runs).values(**row))


def test_recent_runs_and_failures(signed_in, database):
    _run(database, "succeeded")
    _run(database, "failed", "<b>the CRM said no</b>")
    html = signed_in("viewer").get("/").text
    assert "<strong>1</strong> failed run among the last 2" in html
    assert "2026-01-02 03:04:05 UTC" in html
    assert "&lt;b&gt;the CRM said no&lt;/b&gt;" in html  # escaped, never markup
    assert '<tr class="failed">' in html


def test_no_runs_yet(signed_in):
    html = signed_in("viewer").get("/").text
    assert "<strong>0</strong> external accounts" in html
    assert "No runs yet" in html
