"""The seam between the workflow engine and its activities.

An activity is given a `RunContext` (the run's database, connectors, variables, log,
cursors and export journal) and its input `Population` (the upstream activity's output
working table, or None), and returns an `ActivityResult` whose outputs are populations
named `ok`, `rejects` and `errors` — the transitions `next`, `rejects` and `errors`.

Populations are working tables in the campaign database: data moves between activities
as set-based SQL, never as Python lists, so memory stays flat whatever the row count.
Working-table names are made by the engine (`wk_<run>_<activity>_<output>`, safe
identifiers); columns are created from `ColumnSpec`s with SQLAlchemy types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.types import TypeEngine

from crmlink.connectors.base import Connector
from crmlink.model import ReadCursor

OK, REJECTS, ERRORS = "ok", "rejects", "errors"

# Columns every reject population has, besides the rejected row's own columns.
REJECT_COLUMNS = ("error_code", "error_symbol", "error_message")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: TypeEngine[Any]


@dataclass(frozen=True)
class Population:
    """A working table holding one output of one activity."""

    table: Table  # bound to the engine's MetaData for this run; use table.c[...]
    count: int

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.table.columns if not c.name.startswith("_wk_")]


class PopulationWriter(Protocol):
    """Append rows to a new population in batches; `finish()` returns the Population."""

    table: Table

    def append(self, rows: list[dict[str, Any]]) -> None: ...

    def finish(self) -> Population: ...


class CursorStore(Protocol):
    """The incremental-import cursor of one activity of one workflow.

    `get()` is the cursor the last *successful* run committed (None the first time).
    `stage(cursor)` records the cursor this run reached; the engine makes it the new
    committed cursor only when the whole run succeeds.

    A cursor belongs to what it measures, its *scope* (account, object and read
    definition). When the committed cursor's scope is not the activity's scope any more
    (the workflow changed under the same name), `get()` says so in the run's log and
    returns None: the run starts afresh, never from another read's position.
    """

    def get(self) -> ReadCursor | None: ...

    def stage(self, cursor: ReadCursor) -> None: ...


class ExportJournal(Protocol):
    """What an export has already done, kept in the database across crashes.

    Keys are the population rows' `_wk_row` numbers (stable for the run). `done(keys)`
    returns the keys already exported (with their results), so a resumed run sends each
    row at most once; `record(results)` is committed before the next batch is sent.
    """

    def done(self) -> dict[int, JournalEntry]: ...

    def record(self, entries: Iterable[JournalEntry]) -> None: ...


@dataclass(frozen=True)
class JournalEntry:
    row: int  # the population row's `_wk_row`
    success: bool
    remote_id: str | None = None
    created: bool = False
    error_code: str | None = None
    error_message: str | None = None


class RunContext(Protocol):
    run_id: int
    workflow: str
    activity: str  # the name of the activity being run
    started_at: dt.datetime  # the run's start (UTC): cursors are capped at it
    variables: dict[str, str]  # workflow variables, --var values, and activities' outputs

    @property
    def engine(self) -> Engine:
        """The run's database engine (read-only)."""

    def connector(self, account: str) -> Connector:
        """The account's connector, opened once per run and closed by the engine."""

    def new_population(self, output: str, columns: list[ColumnSpec]) -> PopulationWriter:
        """A new, empty working table for this activity's `output` (ok/rejects/errors).
        It gets an extra integer column `_wk_row` (1, 2, 3… in append order)."""

    def rows(self, population: Population, batch: int = 5000) -> Iterator[list[dict[str, Any]]]:
        """The population's rows in `_wk_row` order, in batches (flat memory)."""

    def cursor(self, scope: dict[str, str] | None = None) -> CursorStore:
        """This activity's incremental cursor, for what `scope` describes."""

    def journal(self) -> ExportJournal:
        """This activity's export journal for this run."""

    def log(self, message: str, level: str = "info") -> None: ...

    def progress(self, rows: int, api_calls: int = 0, total: int | None = None) -> None:
        """Report progress (rows done so far, of `total` when the CRM said how many) for
        the live display."""

    def connection(self) -> Connection:
        """A connection in the run's current transaction scope (for set-based SQL)."""

    def checkpoint(self) -> None:
        """Commit the activity's work so far. CRM activities call it before every CRM
        call, so no database lock is held while the CRM answers (SQLite has one writer
        at a time: a lock held across a call blocks every other command). Only for work
        a rerun redoes without harm: working tables are recreated, journaled rows are
        not sent again, cursors are only staged."""


@dataclass
class ActivityResult:
    outputs: dict[str, Population] = field(default_factory=dict)  # ok / rejects / errors
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    api_calls: int = 0
    variables: dict[str, str] = field(default_factory=dict)  # e.g. crmStartImport


class Activity(Protocol):
    def run(self, ctx: RunContext, source: Population | None) -> ActivityResult: ...
