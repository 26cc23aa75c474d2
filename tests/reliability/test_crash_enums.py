"""SIGKILL during `crmlink enum sync`: the sync is one transaction, so a kill leaves the
enumerations and the schemas' links to them as they were, and the rerun's result equals
a fault-free sync's.

- SQLite: killed while the picklists are read (the 2nd describe), twice over; after each
  kill nothing of the sync is there; the last rerun completes.
- PostgreSQL: killed inside the transaction. The test holds a lock on `schema_fields`
  that lets the child write the first enumeration but not link it to its column, so the
  child is caught half-way; killed there, no enumeration remains.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.reliability.catalog_state import state
from tests.reliability.crashing import (
    Home,
    faults,
    in_process,
    kill_when,
    nth_call,
    ok,
    pg_wait_alone,
    pg_waiting_on_lock,
)

pytestmark = pytest.mark.slow
WIZARD = "wizard crm --tables Contact,Account,Lead,Opportunity"
SYNC = ("enum", "sync", "crm", "--all")


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    sandbox = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("enum-org"), records=10)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _home(path, org, database_url: str | None = None) -> Home:
    """A home with the account and the schemas the wizard makes (no enumerations yet)."""
    home = Home(path, database_url)
    in_process(home, "account", "add", "crm", "--from-sandbox", str(org.state_dir))
    in_process(home, *WIZARD.split())
    return home


@pytest.fixture
def reference(tmp_path, org) -> dict:
    home = _home(tmp_path / "reference", org)
    in_process(home, *SYNC)
    made = state(home.engine)
    home.close()
    assert len(made["enumerations"]) >= 4
    return made


def test_enum_sync_killed_while_reading_picklists_then_rerun(tmp_path, org, reference):
    home = _home(tmp_path / "home", org)
    before = state(home.engine)
    with faults(org, "latency=150"):
        for _ in range(2):
            running = home.start(*SYNC)
            kill_when(running, nth_call(org, "GET describe", 2, exact=True), "describe 2")
            assert state(home.engine) == before  # nothing of the sync
    ok(home.crmlink(*SYNC), "the rerun")
    assert state(home.engine) == reference
    home.close()


@pytest.mark.postgres
def test_enum_sync_killed_inside_its_transaction_rolls_back(tmp_path, org, reference, postgres_url):
    home = _home(tmp_path / "home", org, postgres_url)
    before = state(home.engine)
    with home.engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE schema_fields IN EXCLUSIVE MODE"))
        running = home.start(*SYNC)
        linking = pg_waiting_on_lock(home, query="UPDATE schema_fields")
        kill_when(running, linking, "an enumeration written, not linked")
        blocker.rollback()
    pg_wait_alone(home)
    assert state(home.engine) == before
    ok(home.crmlink(*SYNC), "the rerun")
    assert state(home.engine) == reference
    home.close()
