"""Claiming a run: one run of a workflow at a time, resume of a failed or crashed run.

A run is `running` while its process lives. The claim happens in one transaction that
first locks the workflow's row in `workflow_locks` (PostgreSQL: `SELECT … FOR UPDATE SKIP
LOCKED`; SQLite: an UPDATE, which takes the database's write lock), then looks at the
workflow's last run: alive → refused; failed or crashed (its pid is gone, or on another
host its heartbeat is stale) → resumed, unless `fresh`; otherwise a new run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, Update, insert, select, update
from sqlalchemy.exc import IntegrityError

from crmlink.db import Database
from crmlink.db.types import utcnow
from crmlink.errors import JobFailed
from crmlink.workflow.model import Workflow
from crmlink.workflow.tables import workflow_locks, workflow_runs

STALE_AFTER = dt.timedelta(minutes=10)  # heartbeat age that means "crashed" on another host


class WorkflowBusy(JobFailed):
    """Another process is running this workflow."""


@dataclass(frozen=True)
class Claim:
    run_id: int
    resumed: bool
    previous_status: str | None = None  # of the run being resumed
    abandoned: int | None = None  # the run --fresh gave up


def process_alive(pid: int | None, host: str | None, heartbeat: dt.datetime | None) -> bool:
    if host != socket.gethostname():
        return heartbeat is not None and utcnow() - heartbeat < STALE_AFTER
    if pid is None:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim(database: Database, workflow: Workflow, explicit: dict[str, str], fresh: bool) -> Claim:
    """Start or resume a run; `explicit` are the caller's variables (--var)."""
    _ensure_lock_row(database, workflow.name)
    with database.transaction() as conn:
        _lock(conn, workflow.name)
        last = _last_run(conn, workflow.name)
        if last is not None and last["status"] == "running" and _alive(last):
            raise _busy(workflow.name, last)
        unfinished = last if last is not None and last["status"] in ("running", "failed") else None
        if unfinished is not None and not fresh:
            _resume(conn, unfinished, {**workflow.variables, **_stored(unfinished), **explicit})
            return Claim(unfinished["id"], True, _shown_status(unfinished))
        if unfinished is not None:
            conn.execute(_set(unfinished["id"], status="abandoned", ended_at=utcnow()))
        run_id = _new_run(conn, workflow, {**workflow.variables, **explicit})
        return Claim(run_id, False, abandoned=unfinished["id"] if unfinished is not None else None)


def _alive(row: RowMapping) -> bool:
    return process_alive(row["pid"], row["host"], row["heartbeat_at"])


def _shown_status(row: RowMapping) -> str:
    return "crashed" if row["status"] == "running" else row["status"]


def _ensure_lock_row(database: Database, name: str) -> None:
    try:
        with database.transaction() as conn:
            exists = conn.execute(
                select(workflow_locks.c.workflow).where(workflow_locks.c.workflow == name)
            ).first()
            if exists is None:
                conn.execute(insert(workflow_locks).values(workflow=name))
    except IntegrityError:
        pass  # another process inserted it first


def _lock(conn: Connection, name: str) -> None:
    if conn.dialect.name == "postgresql":
        locked = conn.execute(
            select(workflow_locks.c.workflow)
            .where(workflow_locks.c.workflow == name)
            .with_for_update(skip_locked=True)
        ).first()
        if locked is None:
            raise WorkflowBusy(
                f"workflow {name!r} is being started by another process: try again later",
                workflow=name,
            )
    conn.execute(
        update(workflow_locks).where(workflow_locks.c.workflow == name).values(touched_at=utcnow())
    )


def _last_run(conn: Connection, name: str) -> RowMapping | None:
    query = (
        select(workflow_runs)
        .where(workflow_runs.c.workflow == name)
        .order_by(workflow_runs.c.id.desc())
        .limit(1)
    )
    return conn.execute(query).mappings().first()


def _busy(name: str, row: RowMapping) -> WorkflowBusy:
    return WorkflowBusy(
        f"workflow {name!r} is already running (run {row['id']}, pid {row['pid']} on "
        f"{row['host']}, started {row['started_at']:%Y-%m-%d %H:%M:%S} UTC): "
        "wait for it to finish; one run of a workflow at a time",
        workflow=name,
        run=row["id"],
    )


def _set(run_id: int, **values: object) -> Update:
    return update(workflow_runs).where(workflow_runs.c.id == run_id).values(**values)


def _owner() -> dict[str, object]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "heartbeat_at": utcnow()}


def _stored(row: RowMapping) -> dict[str, str]:
    return json.loads(row["variables"] or "{}")


def _resume(conn: Connection, row: RowMapping, merged: dict[str, str]) -> None:
    conn.execute(
        _set(
            row["id"],
            status="running",
            ended_at=None,
            error=None,
            exit_code=None,
            resumes=row["resumes"] + 1,
            variables=json.dumps(merged),
            **_owner(),
        )
    )


def _new_run(conn: Connection, workflow: Workflow, variables: dict[str, str]) -> int:
    result = conn.execute(
        insert(workflow_runs).values(
            workflow=workflow.name,
            path=workflow.path,
            definition=workflow.text,
            status="running",
            started_at=utcnow(),
            variables=json.dumps(variables),
            resumes=0,
            **_owner(),
        )
    )
    key = result.inserted_primary_key
    if key is None:  # a single-row insert always reports its key
        raise RuntimeError("the workflow run was inserted without a primary key")
    return key[0]
