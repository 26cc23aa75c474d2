"""The org's daily API quota runs out in the middle of a run: the run stops with one
clear sentence (exit 1, no traceback), keeps what it committed (the import that
finished, the export rows journaled), and once the quota is raised the next run resumes
from there: the import is not run again, the export sends only what is not journaled,
and every person is in the CRM exactly once. (Dataverse has no daily quota: its service
protection answers 429 with Retry-After, retried in the fault matrix.)"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.reliability.conftest import string_table
from tests.reliability.crashing import Home, add_account, calls, ok
from tests.reliability.profiles import CONTACT_COLUMNS, SALESFORCE
from tests.reliability.test_crash_workflow import _Engine

pytestmark = pytest.mark.slow
CONTACTS, PEOPLE, BATCH = 2_000, 3_000, 500
SPARE = 12  # calls left when the run starts: the import's and a few of the export's


@pytest.fixture
def org(tmp_path):
    sandbox = SalesforceSandbox(state_dir=tmp_path / "org", records=CONTACTS, seed=5)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _log(home: Home, fragment: str) -> int:
    sql = "SELECT count(*) FROM run_log WHERE message LIKE :pattern"
    return home.scalar(sql, pattern=f"%{fragment}%") or 0


def _status(home: Home, activity: str) -> str | None:
    sql = "SELECT status FROM activity_runs WHERE activity = :activity"
    return home.scalar(sql, activity=activity)  # type: ignore[return-value]


def test_quota_spent_mid_run_stops_keeps_and_resumes(tmp_path, org):
    home = Home(tmp_path / "home")
    tag = f"q{uuid.uuid4().hex[:8]}"
    add_account(home, org)
    database = _Engine(home)
    string_table(database, "contacts", CONTACT_COLUMNS, "id")
    people = string_table(database, "people", ["id", *CONTACT_COLUMNS[1:], "ext_id"], "id")
    with home.engine.begin() as conn:
        conn.execute(insert(people), SALESFORCE.people(PEOPLE, tag))
    workflow = tmp_path / "sync.yaml"
    workflow.write_text(SALESFORCE.sync_flow(BATCH))
    used, _ = org.org.api_usage()
    org.org.quota.limit = used + SPARE

    first = home.crmlink("workflow", "run", str(workflow))
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    assert "the org's daily API quota is spent: " in first.stderr
    assert "; rerun after it resets or raise the limit" in first.stderr
    assert (_status(home, "read"), _status(home, "save")) == ("succeeded", "succeeded")
    assert _status(home, "export") == "failed"
    journaled = home.scalar("SELECT count(*) FROM export_journal")
    assert 0 < journaled < PEOPLE  # the export got part of the way: kept
    # the journaled rows are in the CRM; so may be the calls in flight when the quota ran
    # out (written, not journaled: in doubt, sent again by the rerun, an upsert)
    assert journaled <= len(SALESFORCE.tagged(org, tag)) < PEOPLE
    assert home.scalar("SELECT count(*) FROM contacts") == CONTACTS

    org.org.quota.limit = 1_000_000  # raised
    before = calls(org, "composite sobjects")
    again = home.crmlink("workflow", "run", str(workflow))
    ok(again, "the run after the quota was raised")
    assert "Resuming run 1" in again.stderr
    assert _log(home, "activity 'read' succeeded in an earlier attempt: not rerun") == 1
    assert _log(home, f"resuming: {journaled} rows are already in the journal") == 1
    sent = calls(org, "composite sobjects") - before
    assert sent <= -(-(PEOPLE - journaled) // 200) + PEOPLE // BATCH  # only the rest
    written = SALESFORCE.tagged(org, tag)
    assert len(written) == PEOPLE and all(len(v) == 1 for v in written.values())
    home.close()
