"""Ctrl-C (SIGINT) or SIGTERM during `crmlink workflow run`: the run says it was
interrupted and how to resume it, the activity is recorded as `interrupted` (not left
`running`), and running it again resumes that run and completes it, nothing lost."""

from __future__ import annotations

import signal
import sqlite3

import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.workflow.processes import (
    BIG,
    add_account,
    crmlink,
    ok,
    set_faults,
    start,
    wait_until_importing,
)

CONTACTS = 6_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def slow_sandbox(tmp_path_factory):
    sandbox = SalesforceSandbox(
        state_dir=tmp_path_factory.mktemp("sf-int"), records=CONTACTS, seed=5
    )
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _status(home, query: str) -> list[tuple]:
    with sqlite3.connect(home / "crmlink.db") as db:
        return db.execute(query).fetchall()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_is_recorded_and_resumes(slow_sandbox, tmp_path, signum):
    home = tmp_path / "home"
    ok(add_account(home, "sfdc", slow_sandbox.info()), "account add")
    ok(crmlink(home, "wizard", "sfdc", "--tables", "Contact"), "wizard")
    workflow = tmp_path / "big.yaml"
    workflow.write_text(BIG)
    set_faults(slow_sandbox, "latency=1500")  # a page every 1.5 s: time to interrupt

    running = start(home, "workflow", "run", str(workflow))
    wait_until_importing(home, running)
    running.send_signal(signum)
    _, err = running.communicate(timeout=60)
    set_faults(slow_sandbox, "")

    assert running.returncode == 130, err
    assert "Traceback" not in err
    assert "Interrupted: run 1 stopped" in err
    assert f"`crmlink workflow run {workflow}` resumes run 1" in err
    assert _status(home, "SELECT status, error FROM workflow_runs") == [("failed", "interrupted")]
    activities = "SELECT activity, status FROM activity_runs ORDER BY position"
    assert _status(home, activities) == [("read", "interrupted")]

    again = crmlink(home, "workflow", "run", str(workflow))
    ok(again, "resumed run")
    assert "Resuming run 1" in again.stderr
    with sqlite3.connect(home / "crmlink.db") as db:
        stored = db.execute("SELECT count(*), count(DISTINCT id) FROM crm_sfdc_contact")
        assert stored.fetchone() == (CONTACTS, CONTACTS)
    assert _status(home, "SELECT status FROM workflow_runs") == [("succeeded",)]


def test_sigterm_stops_the_worker_mid_run_and_the_run_is_recorded_interrupted(
    slow_sandbox, tmp_path
):
    """A service manager stopping `crmlink worker` with SIGTERM: before, the default
    action killed it and left its run `running`; now the run stops as Ctrl-C stops it."""
    home = tmp_path / "home"
    ok(add_account(home, "sfdc", slow_sandbox.info()), "account add")
    ok(crmlink(home, "wizard", "sfdc", "--tables", "Contact"), "wizard")
    workflow = tmp_path / "big.yaml"
    workflow.write_text(
        BIG.replace("name: big-import\n", 'name: big-import\nschedule: "0 0 1 1 *"\n')
    )
    ok(crmlink(home, "workflow", "add", str(workflow)), "workflow add")
    with sqlite3.connect(home / "crmlink.db") as db:  # added two years ago: due now
        db.execute("UPDATE workflows SET added_at = datetime('now', '-730 days')")
    set_faults(slow_sandbox, "latency=1500")

    worker = start(home, "worker", "--poll", "1")
    wait_until_importing(home, worker)
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=60)
    set_faults(slow_sandbox, "")

    assert worker.returncode == 0, err
    assert "worker stopped" in out
    assert "Traceback" not in err
    assert _status(home, "SELECT status, error FROM workflow_runs") == [("failed", "interrupted")]
    activities = "SELECT activity, status FROM activity_runs ORDER BY position"
    assert _status(home, activities) == [("read", "interrupted")]
