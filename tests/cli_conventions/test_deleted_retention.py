"""`import_deleted` warns about the CRM's retention only when deletions can really be missed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.workflow.crm.test_deleted import DELETED, contact_ids, delete

pytestmark = pytest.mark.slow


def warnings(flow, run) -> list[str]:
    return [line for line in flow.log(run) if "cannot be reported" in line]


def test_no_warning_when_the_crm_reports_its_oldest_deletion(flow):
    ids = contact_ids(flow)
    flow.advance(-600)
    delete(flow, ids[:2])
    flow.advance(120)  # getDeleted covers whole minutes only
    run = flow.run(DELETED % "")  # first run: the window starts 29 days back
    assert run.succeeded, run.error
    assert sorted(r["id"] for r in flow.rows("rows")) == ids[:2]
    assert any("keeps deleted records from" in line for line in flow.log(run))
    assert warnings(flow, run) == []


def test_a_warning_when_the_window_starts_before_what_the_crm_keeps(flow):
    ids = contact_ids(flow)
    flow.advance(-600)
    delete(flow, ids[:2])  # the CRM's oldest kept deletion: about 10 minutes ago
    flow.advance(120)
    now = dt.datetime.now(dt.UTC)
    start, end = (now - dt.timedelta(days=1)).isoformat(), (now - dt.timedelta(minutes=30))
    window = f'start: "{start}"\n        end: "{end.isoformat()}"'
    run = flow.run(DELETED % window)
    assert run.succeeded, run.error
    assert flow.rows("rows") == []
    (line,) = warnings(flow, run)
    assert line.startswith("warning: the window starts at ")
