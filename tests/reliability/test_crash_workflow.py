"""SIGKILL `crmlink workflow run` at many points of one run, rerun it each time, and
the final state is exact: the campaign table equals the org's 50,000 contacts row by
row, and each exported person is in the CRM exactly once.

One workflow imports the contacts (read, save) and exports 2,000 people (pick, export).
Its run is killed, in turn: during the download (the 3rd query page), while the insert
into the campaign table runs, between activities (just after `save` succeeded), and
twice during the export (after 400 and 1,200 journaled rows, i.e. between batches of
200); each kill is followed by a rerun that resumes the run and is killed at the next
point, and the last rerun completes it. Salesforce and Dynamics on SQLite; Salesforce
on PostgreSQL at three of the points (download, between activities, export). The
sandboxes add 20 ms a call so that the windows are wide.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import insert

from tests.reliability.cells import expected_people
from tests.reliability.conftest import RECORDS, diff, table_rows
from tests.reliability.crashing import (
    Home,
    activity_is,
    add_account,
    faults,
    journal_rows,
    kill_when,
    nth_call,
    ok,
)
from tests.reliability.profiles import CONTACT_COLUMNS, Profile, profile_of

pytestmark = pytest.mark.slow
PEOPLE, BATCH = 2_000, 200
PAGES = {"salesforce": "query", "dynamics": "GET contacts"}  # the download's stats names


def _tables(home: Home, profile: Profile, tag: str) -> None:
    from tests.reliability.conftest import string_table

    database = _Engine(home)
    string_table(database, "contacts", CONTACT_COLUMNS, "id")
    people = string_table(database, "people", ["id", *CONTACT_COLUMNS[1:], "ext_id"], "id")
    with home.engine.begin() as conn:
        conn.execute(insert(people), profile.people(PEOPLE, tag))


class _Engine:  # what string_table and table_rows need of a Database
    def __init__(self, home: Home) -> None:
        self.engine = home.engine

    def transaction(self):
        return self.engine.begin()

    def connect(self):
        return self.engine.connect()


def _kill_points(home: Home, sandbox, profile: Profile) -> list[tuple[str, Any]]:
    """(what, condition factory): each is made when its run starts."""
    return [
        ("the 3rd page of the download", lambda: nth_call(sandbox, PAGES[profile.name], 3)),
        ("the insert into the campaign table", lambda: activity_is(home, "save", "running")),
        ("the step between activities", lambda: activity_is(home, "save", "succeeded")),
        ("400 exported rows", lambda: journal_rows(home, 400)),
        ("1,200 exported rows", lambda: journal_rows(home, 1_200)),
    ]


def _crash_and_rerun(
    tmp_path, sandbox, database_url: str | None = None, points: tuple[int, ...] = (0, 1, 2, 3, 4)
) -> None:
    profile = profile_of(sandbox)
    home = Home(tmp_path / "home", database_url)
    tag = f"k{uuid.uuid4().hex[:8]}"
    before = profile.live(sandbox)
    try:
        add_account(home, sandbox)
        _tables(home, profile, tag)
        workflow = tmp_path / "sync.yaml"
        workflow.write_text(profile.sync_flow(BATCH))
        with faults(sandbox, "latency=20"):
            chosen = [p for i, p in enumerate(_kill_points(home, sandbox, profile)) if i in points]
            for what, condition in chosen:
                running = home.start("workflow", "run", str(workflow))
                kill_when(running, condition(), what)
        again = home.crmlink("workflow", "run", str(workflow))
        ok(again, "the last rerun")
        assert "Resuming run 1" in again.stderr
        assert home.scalar("SELECT count(*) FROM workflow_runs") == 1
        assert home.scalar("SELECT resumes FROM workflow_runs") == len(points)
        imported = table_rows(_Engine(home), "contacts", "id", skip=("id",))
        assert len(before) == RECORDS
        assert imported == before, diff(imported, before)
        exported = profile.tagged(sandbox, tag)
        doubled = {k: v for k, v in exported.items() if len(v) > 1}
        assert not doubled, f"{len(doubled)} people exported twice"
        assert len(exported) == PEOPLE, f"{PEOPLE - len(exported)} people missing"
        assert exported == expected_people(profile.people(PEOPLE, "T"))  # row by row
    finally:
        profile.purge(sandbox, tag)
        home.close()


def test_salesforce_killed_at_five_points(tmp_path, sf_big):
    _crash_and_rerun(tmp_path, sf_big)


def test_dynamics_killed_at_five_points(tmp_path, dv_big):
    _crash_and_rerun(tmp_path, dv_big)


@pytest.mark.postgres
def test_salesforce_killed_at_three_points_on_postgresql(tmp_path, sf_big, postgres_url):
    _crash_and_rerun(tmp_path, sf_big, postgres_url, points=(0, 2, 4))
