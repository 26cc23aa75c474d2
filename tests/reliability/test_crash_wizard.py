"""SIGKILL during `crmlink wizard`: a table half created is rolled back, never left
behind, and the rerun finishes what the killed run began, so that the catalog and the
local tables equal a fault-free wizard run's.

- SQLite: killed between tables (while the 2nd table's describe is in flight), rerun and
  killed again at its 4th describe; after each kill every schema has its table with its
  columns and no table is without its schema; the last rerun completes.
- PostgreSQL: killed inside a table's transaction. The test holds a lock on `schemas`
  that lets the child create the local table but not record its schema, so the child
  is caught with the table made and uncommitted; killed there, nothing of it remains.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.reliability.catalog_state import assert_consistent, state, tables
from tests.reliability.crashing import (
    Home,
    add_account,
    faults,
    in_process,
    kill_when,
    nth_call,
    ok,
    pg_wait_alone,
    pg_waiting_on_lock,
)

pytestmark = pytest.mark.slow
TABLES = "Contact,Account,Lead,Opportunity,Campaign"


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    sandbox = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("wizard-org"), records=10)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _reference(tmp_path, org, *args: str) -> dict:
    home = Home(tmp_path / "reference")
    in_process(home, "account", "add", "crm", "--from-sandbox", str(org.state_dir))
    for command in args:
        in_process(home, *command.split())
    made = state(home.engine)
    home.close()
    return made


def test_wizard_killed_between_tables_then_rerun(tmp_path, org):
    wizard = ("wizard", "crm", "--tables", TABLES)
    reference = _reference(tmp_path, org, " ".join(wizard))
    assert len(reference["tables"]) == 5
    home = Home(tmp_path / "home")
    add_account(home, org)
    with faults(org, "latency=150"):
        for n in (2, 4):
            running = home.start(*wizard)
            kill_when(running, nth_call(org, "GET describe", n, exact=True), f"describe {n}")
            assert_consistent(home.engine)
            assert 0 < len(tables(home.engine)) < 5
    ok(home.crmlink(*wizard), "the rerun")
    assert state(home.engine) == reference
    home.close()


@pytest.mark.postgres
def test_wizard_killed_inside_a_table_transaction_rolls_it_back(tmp_path, org, postgres_url):
    wizard = ("wizard", "crm", "--tables", "Contact,Account")
    reference = _reference(tmp_path, org, " ".join(wizard))
    home = Home(tmp_path / "home", postgres_url)
    add_account(home, org)
    with home.engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE schemas IN EXCLUSIVE MODE"))  # reads pass, writes wait
        running = home.start(*wizard)
        made = pg_waiting_on_lock(home, made_table=True)
        kill_when(running, made, "Contact's table made, its schema waiting")
        blocker.rollback()
    pg_wait_alone(home)
    assert tables(home.engine) == {}  # the half-made table went with its transaction
    assert_consistent(home.engine)
    ok(home.crmlink(*wizard), "the rerun")
    assert state(home.engine) == reference
    home.close()
