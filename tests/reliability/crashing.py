"""Real `crmlink` processes SIGKILLed at chosen points, then rerun.

A kill point is a condition the test polls while the child runs: the sandbox's call
counters (the Nth query page, the Nth `$batch`) or what the database shows (an activity
running or finished, N rows in the export journal). Nothing in the product knows it is
being watched. The child must still be running when the condition holds, else the test
fails: a point that is never reached proves nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.workflow.processes import CRMLINK, default_sigint

Condition = Callable[[], bool]
WAIT = 120.0  # seconds a kill point may take to come


class Home:
    """A crmlink home (and its database, SQLite in the home or a PostgreSQL URL) that
    child processes share."""

    def __init__(self, path: Path, database_url: str | None = None) -> None:
        self.path = path
        self.url = database_url or f"sqlite:///{path / 'crmlink.db'}"
        self.engine = create_engine(self.url, poolclass=NullPool)  # no idle sessions kept

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRMLINK_")}
        return env | {
            "CRMLINK_HOME": str(self.path),
            "CRMLINK_DATABASE_URL": self.url,
            "NO_COLOR": "1",
        }

    def crmlink(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*CRMLINK, *args], env=self.env(), input=input, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [*CRMLINK, *args], env=self.env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
        )  # fmt: skip

    def scalar(self, sql: str, **params: object) -> object:
        """One value from the database (None while the table does not exist yet)."""
        try:
            with self.engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        except Exception:  # noqa: BLE001 - tables not made yet, or locked for a moment
            return None

    def close(self) -> None:
        self.engine.dispose()


def in_process(home: Home, *args: str) -> None:
    """`crmlink ARGS` run in this process (a fault-free reference: no process start)."""
    from typer.testing import CliRunner

    from crmlink.cli import app

    env = {k: v for k, v in home.env().items() if k.startswith("CRMLINK_") or k == "NO_COLOR"}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output


def add_account(home: Home, sandbox, name: str = "crm") -> None:
    ok(home.crmlink("account", "add", name, "--from-sandbox", str(sandbox.state_dir)), "add")


def ok(result: subprocess.CompletedProcess, what: str) -> None:
    assert "Traceback" not in result.stderr, f"{what}: {result.stderr[-3000:]}"
    assert result.returncode == 0, f"{what}: exit {result.returncode}: {result.stderr[-3000:]}"


def kill_when(process: subprocess.Popen, condition: Condition, what: str) -> None:
    """SIGKILL `process` as soon as `condition` holds (it must still be running)."""
    deadline = time.monotonic() + WAIT
    try:
        while not condition():
            if process.poll() is not None:
                raise AssertionError(f"the run ended before {what}: {process.stderr.read()}")
            assert time.monotonic() < deadline, f"{what} never came"
            time.sleep(0.005)
        assert process.poll() is None, f"the run ended before it could be killed at {what}"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL, f"{what}: exit {process.returncode}"


# -- conditions ---------------------------------------------------------------------------
def calls(sandbox, fragment: str, exact: bool = False) -> int:
    """The sandbox's calls of every route whose stats name contains `fragment` (or, when
    `exact`, is `fragment`)."""
    counts = sandbox.stats.snapshot()["by_endpoint"]
    return sum(
        n for name, n in counts.items() if name == fragment or not exact and fragment in name
    )


def nth_call(sandbox, fragment: str, n: int, exact: bool = False) -> Condition:
    start = calls(sandbox, fragment, exact)
    return lambda: calls(sandbox, fragment, exact) >= start + n


def activity_is(home: Home, activity: str, status: str) -> Condition:
    sql = (
        "SELECT count(*) FROM activity_runs WHERE activity = :activity AND status = :status "
        "AND run_id = (SELECT max(id) FROM workflow_runs)"
    )
    return lambda: (home.scalar(sql, activity=activity, status=status) or 0) > 0


def journal_rows(home: Home, n: int) -> Condition:
    return lambda: (home.scalar("SELECT count(*) FROM export_journal") or 0) >= n


def pg_waiting_on_lock(home: Home, made_table: bool = False, query: str = "") -> Condition:
    """Another session of the database waits for a lock (the test holds it); with
    `made_table`, one that created a table in its transaction (CREATE TABLE holds the
    new relation's AccessExclusiveLock until it commits); with `query`, one whose waiting
    statement starts so."""
    sql = (
        "SELECT count(*) FROM pg_stat_activity a WHERE a.datname = current_database() "
        "AND a.wait_event_type = 'Lock' AND a.query LIKE :query"
    )
    if made_table:
        sql += (
            " AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.granted "
            "AND l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock')"
        )
    return lambda: (home.scalar(sql, query=f"{query}%") or 0) > 0


def pg_sessions(home: Home) -> int:
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )
    return int(home.scalar(sql) or 0)


def pg_wait_alone(home: Home) -> None:
    """Until the killed child's server session is gone (it rolls back as it goes)."""
    deadline = time.monotonic() + WAIT
    while pg_sessions(home):
        assert time.monotonic() < deadline, "the killed child's session stayed"
        time.sleep(0.02)


@contextmanager
def faults(sandbox, spec: str) -> Iterator[None]:
    sandbox.faults.set(type(sandbox.faults.spec).parse(spec))
    try:
        yield
    finally:
        sandbox.faults.set(type(sandbox.faults.spec).parse(""))
