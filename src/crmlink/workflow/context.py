"""The engine's side of `RunContext`: one run's session and each activity's context.

A run does all its database work on **one connection** (`RunSession.conn`): activities'
set-based SQL, populations, journal, cursors and the run's own records. An activity's
work is one transaction, committed when it succeeds and rolled back when it fails —
except that `ExportJournal.record()` commits (so a resumed export never sends a row
twice) and CRM activities commit at `checkpoint()` before each CRM call, so that no
write lock is held while a CRM answers. On SQLite the connection's transactions begin
IMMEDIATE (`crmlink.db.engine`): short, and never failing half-way for a lock.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, insert, select, update
from sqlalchemy.engine import Dialect

from crmlink.connectors.base import Connector
from crmlink.db import Database
from crmlink.db.types import utcnow
from crmlink.workflow import populations, stopping
from crmlink.workflow.base import ColumnSpec, JournalEntry, Population, PopulationWriter
from crmlink.workflow.cursors import DbCursorStore
from crmlink.workflow.observer import Observer
from crmlink.workflow.tables import export_journal, run_log, workflow_runs


class RunSession:
    def __init__(
        self,
        database: Database,
        workflow: str,
        run_id: int,
        started_at: dt.datetime,
        observer: Observer,
        open_connector: Callable[[str], Connector],
    ) -> None:
        self.database, self.workflow, self.run_id = database, workflow, run_id
        self.started_at, self.observer = started_at, observer
        self._open_connector = open_connector
        self.conn: Connection = database.engine.connect()
        self.connectors: dict[str, Connector] = {}
        self._log: list[dict[str, Any]] = []

    def connector(self, account: str) -> Connector:
        if account not in self.connectors:
            self.connectors[account] = self._open_connector(account)
        return self.connectors[account]

    def api_calls(self) -> int:
        return sum(c.api_calls for c in self.connectors.values())

    def log(self, activity: str | None, message: str, level: str = "info") -> None:
        entry = {"run_id": self.run_id, "at": utcnow(), "level": level}
        self._log.append({**entry, "activity": activity, "message": message})
        self.observer.log(activity, level, message)

    def commit(self) -> None:
        """Commit the connection's work, the pending log and a heartbeat."""
        if self._log:
            self.conn.execute(insert(run_log), self._log)
            self._log = []
        self.conn.execute(
            update(workflow_runs)
            .where(workflow_runs.c.id == self.run_id)
            .values(heartbeat_at=utcnow())
        )
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        for connector in self.connectors.values():
            connector.close()
        self.conn.close()


class ActivityContext:
    """What one activity sees of the run (implements `crmlink.workflow.base.RunContext`)."""

    def __init__(self, session: RunSession, activity: str, variables: dict[str, str]) -> None:
        self.session = session
        self.run_id, self.workflow = session.run_id, session.workflow
        self.activity = activity
        self.started_at = session.started_at
        self.variables = variables
        self.outputs: dict[str, str] = {}  # output -> working table made by this activity

    @property
    def engine(self) -> Engine:
        return self.session.database.engine

    def connector(self, account: str) -> Connector:
        return self.session.connector(account)

    def new_population(self, output: str, columns: list[ColumnSpec]) -> PopulationWriter:
        name = populations.table_name(self.run_id, self.activity, output)
        table = populations.create(self.session.conn, name, columns)
        self.outputs[output] = name
        return populations.Writer(self.session.conn, table)

    def rows(self, population: Population, batch: int = 5000) -> Iterator[list[dict[str, Any]]]:
        return populations.iter_rows(self.session.conn, population, batch)

    def cursor(self, scope: dict[str, str] | None = None) -> DbCursorStore:
        return DbCursorStore(self.session, self.activity, scope)

    def journal(self) -> DbJournal:
        return DbJournal(self.session, self.activity)

    def log(self, message: str, level: str = "info") -> None:
        self.session.log(self.activity, message, level)

    def progress(self, rows: int, api_calls: int = 0, total: int | None = None) -> None:
        calls = api_calls or self.session.api_calls()
        self.session.observer.progress(self.activity, rows, calls, total)

    def connection(self) -> Connection:
        return self.session.conn

    def checkpoint(self) -> None:
        self.session.commit()
        stopping.check()  # a stop whose raise was lost (`stopping`) stops here


class DbJournal:
    def __init__(self, session: RunSession, activity: str) -> None:
        self.session, self.activity = session, activity
        j = export_journal.c
        self._key = (j.run_id == session.run_id) & (j.activity == activity)

    def done(self) -> dict[int, JournalEntry]:
        rows = self.session.conn.execute(select(export_journal).where(self._key)).mappings()
        return {r["row"]: journal_entry_of(r) for r in rows}

    def record(self, entries: Iterable[JournalEntry]) -> None:
        """Journal results, committed. The rows go to the driver's `executemany` as they
        are (integers, texts and booleans, which both drivers bind as SQLAlchemy would):
        SQLAlchemy's per-row parameters had cost an export as much CPU as the rest of
        its journaling, a row per record sent."""
        run, activity = self.session.run_id, self.activity
        rows = [
            (run, activity, e.row, e.success, e.remote_id, e.created, e.error_code,
             e.error_message)
            for e in entries
        ]  # fmt: skip
        if rows:
            self.session.conn.exec_driver_sql(_journal_insert(self.session.conn.dialect), rows)
        self.session.commit()


@functools.cache
def _journal_insert(dialect: Dialect) -> str:
    """`INSERT INTO export_journal (…) VALUES (…)` in the driver's own placeholders
    (`?` for sqlite3, `%s` for psycopg), every name quoted ("row" is a keyword)."""
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(quote(name) for name in _JOURNAL_COLUMNS)
    marks = ", ".join([mark] * len(_JOURNAL_COLUMNS))
    return f"INSERT INTO {quote(export_journal.name)} ({columns}) VALUES ({marks})"


# the order of `DbJournal.record`'s tuples
_JOURNAL_COLUMNS = ("run_id", "activity", "row", "success", "remote_id", "created",
                    "error_code", "error_message")  # fmt: skip


def journal_entry_of(row: RowMapping) -> JournalEntry:
    """The `JournalEntry` of an `export_journal` row."""
    return JournalEntry(
        row=row["row"],
        success=row["success"],
        remote_id=row["remote_id"],
        created=row["created"],
        error_code=row["error_code"],
        error_message=row["error_message"],
    )
