"""Cursors, the one room for "never lose a row": what a cursor is, where it is kept, how it
moves. The reading side (windows, overlap, de-duplication) is in
`crmlink.workflow.activities.crm.incremental`; docs/semantics.md says why.

    SEMANTICS                the boundary rules as values: closed start, open end, tie key
    DbCursorStore            one activity's cursor in a run: get() the committed, stage() a new one
    commit_staged(conn, …)   when a run succeeds: its staged cursors become the committed ones
    list_committed / reset   `crmlink workflow cursor show|reset`

Storage: `cursors` holds the committed cursor per (workflow, activity) with its *scope* (what it
measures: account, object, read definition — JSON); `run_cursors` holds what a run staged. A
run never moves a committed cursor itself: only `commit_staged`, in the transaction that marks
the run succeeded. A cursor whose scope is not the activity's any more is not used (the run
says so in its log and starts afresh). Keyed today by (workflow, activity); a partitioned read
would add its partition to the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, delete, insert, select

from crmlink.db import Database
from crmlink.db.types import utcnow
from crmlink.model import ReadCursor
from crmlink.workflow import catalog
from crmlink.workflow.tables import cursors, run_cursors


@dataclass(frozen=True)
class CursorSemantics:
    """How a cursor bounds a read (docs/semantics.md)."""

    start: str = "closed"  # a run reads rows at or after (cursor - overlap): ties are re-read
    end: str = "open"  # the staged cursor is capped at (run start - overlap): in-flight rows wait
    tie_key: str = "id"  # rows sharing a stamp are ordered by record id
    overlap_seconds: int = 300  # default look-back for ties and late commits


SEMANTICS = CursorSemantics()


class RunSessionLike(Protocol):
    """What a cursor store needs of the run (`crmlink.workflow.context.RunSession`)."""

    run_id: int
    workflow: str
    conn: Connection

    def log(self, activity: str | None, message: str, level: str = "info") -> None: ...


class DbCursorStore:
    def __init__(
        self, session: RunSessionLike, activity: str, scope: dict[str, str] | None
    ) -> None:
        self.session, self.activity = session, activity
        self.scope = json.dumps(scope, sort_keys=True) if scope is not None else None
        self._key = (cursors.c.workflow == session.workflow) & (cursors.c.activity == activity)

    def get(self) -> ReadCursor | None:
        row = self.session.conn.execute(select(cursors).where(self._key)).mappings().first()
        if row is None:
            return None
        if self.scope is not None and row["scope"] not in (None, self.scope):
            self._say_changed(json.loads(row["scope"]), row["run_id"])
            return None
        return ReadCursor(row["modified"], row["record_id"])

    def _say_changed(self, before: dict[str, Any], run_id: int | None) -> None:
        now = json.loads(self.scope or "{}")
        changes = "; ".join(
            f"{key}: {_shown(before.get(key))} -> {_shown(now.get(key))}"
            for key in sorted(set(before) | set(now))
            if before.get(key) != now.get(key)
        )
        self.session.log(
            self.activity,
            f"what activity {self.activity!r} reads changed since its cursor was committed "
            f"by run {run_id} ({changes}): that cursor is not reused, this run reads from the "
            "beginning",
            "warning",
        )

    def stage(self, cursor: ReadCursor) -> None:
        conn, key = self.session.conn, {"run_id": self.session.run_id, "activity": self.activity}
        conn.execute(
            delete(run_cursors).where(
                (run_cursors.c.run_id == key["run_id"]) & (run_cursors.c.activity == self.activity)
            )
        )
        conn.execute(
            insert(run_cursors).values(
                **key, modified=cursor.modified, record_id=cursor.id or "", scope=self.scope
            )
        )


def commit_staged(conn: Connection, workflow: str, run_id: int) -> None:
    """Make the run's staged cursors the committed ones (in the caller's transaction)."""
    staged = conn.execute(select(run_cursors).where(run_cursors.c.run_id == run_id)).mappings()
    for row in list(staged):
        key = (cursors.c.workflow == workflow) & (cursors.c.activity == row["activity"])
        conn.execute(delete(cursors).where(key))
        conn.execute(
            insert(cursors).values(
                workflow=workflow,
                activity=row["activity"],
                modified=row["modified"],
                record_id=row["record_id"],
                run_id=run_id,
                updated_at=utcnow(),
                scope=row["scope"],
            )
        )


def list_committed(database: Database, workflow: str) -> list[dict[str, Any]]:
    """The committed cursors of a known workflow's activities (NotFoundError otherwise)."""
    catalog.require_known(database, workflow)
    query = select(cursors).where(cursors.c.workflow == workflow).order_by(cursors.c.activity)
    with database.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def reset(database: Database, workflow: str, activity: str | None = None) -> int:
    """Forget the committed cursors (the next run imports from the start); returns how many."""
    catalog.require_known(database, workflow)
    where = cursors.c.workflow == workflow
    if activity:
        where = where & (cursors.c.activity == activity)
    with database.transaction() as conn:
        return conn.execute(delete(cursors).where(where)).rowcount


def _shown(value: object) -> str:
    return "none" if value in (None, "") else repr(value) if isinstance(value, str) else str(value)
