"""Journaled sending (export, delete): each input row is sent at most once per run,
whatever crashes in between, and its result always reaches the outputs.

For each batch of the input population (`_wk_row` order): rows already in the run's
journal are not sent again, their journaled results are re-emitted; the others are
sent, and their results are journaled (committed) as they come, in input order: every
`JOURNAL_EVERY` results, or, when results come faster than `JOURNAL_PAUSE` apart (a Bulk
job's or several parallel calls' results arrive at once), every `JOURNAL_PAUSE` seconds
or `JOURNAL_MOST` results, whichever is first (a commit costs milliseconds; one per 200
results was 500 commits for 100,000 rows).

After a crash, the rows *in doubt* (sent, not journaled) are sent again by the rerun: the
rows of the calls in flight (the connector keeps several in flight: up to 6 sObject
Collections calls, 1,200 rows; up to 10 Bulk 2.0 jobs, the rows of their parts; up to the
server's degree of parallelism of Dataverse batches), plus at most `JOURNAL_MOST` results
received in the last `JOURNAL_PAUSE` seconds. Harmless for updates, upserts and deletes;
for plain inserts see `exports.py` (key / match_on).
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from crmlink.model import WriteResult
from crmlink.workflow import populations
from crmlink.workflow.activities.crm.common import error_symbol, ok_columns, reject_columns
from crmlink.workflow.activities.crm.inserts import inserter_for
from crmlink.workflow.base import (
    OK,
    REJECTS,
    ActivityResult,
    JournalEntry,
    Population,
    PopulationWriter,
    RunContext,
)

JOURNAL_EVERY = 200  # one composite call's worth of results
JOURNAL_PAUSE = 0.25  # seconds: results coming faster are committed this often...
JOURNAL_MOST = 5_000  # ...or once this many are waiting
LOGGED_REJECTS = 20  # a warning each, then one line saying the rest are not logged
Send = Callable[[list[dict[str, Any]]], Iterator[WriteResult]]


class Sink:
    reads_whole_journal = True  # `done`: every journaled row, read at the start

    def __init__(self, ctx: RunContext, source: Population, rejects_file: str | None) -> None:
        self.ctx, self.source = ctx, source
        self.journal = ctx.journal()
        self.done = self.journal.done() if self.reads_whole_journal else {}
        self.ok = ctx.new_population(OK, ok_columns(source))
        self.rejects = ctx.new_population(REJECTS, reject_columns(source))
        self._append_ok, self._append_rejects = fast_append(self.ok), fast_append(self.rejects)
        self.file = RejectFile(rejects_file, [c.name for c in reject_columns(source)])
        self.result = ActivityResult(rows_in=source.count)
        self.sent = 0

    def run(self, send: Send, batch_size: int) -> ActivityResult:
        if self.done:
            self.ctx.log(
                f"resuming: {len(self.done)} rows are already in the journal; "
                "they are not sent again"
            )
        position = 0
        with self.file:
            for batch in self.ctx.rows(self.source, batch_size):
                keyed = []
                for row in batch:
                    position += 1
                    keyed.append((int(row.get("_wk_row", position)), own_row(row)))
                self._batch(keyed, send)
        self.result.outputs = {OK: self.ok.finish(), REJECTS: self.rejects.finish()}
        return self.result

    def _batch(self, keyed: list[tuple[int, dict[str, Any]]], send: Send) -> None:
        todo = [(key, row) for key, row in keyed if key not in self.done]
        replayed = [(self.done[key], row) for key, row in keyed if key in self.done]
        self._emit(replayed)
        if not todo:
            return
        self.ctx.checkpoint()  # replayed rows and the page read: committed before the call
        entries: list[JournalEntry] = []
        rows, last = dict(todo), time.monotonic()
        for result in send([row for _, row in todo]):
            entries.append(journal_entry(todo[result.index][0], result))
            if journal_due(len(entries), last):
                self._commit(entries, rows)
                entries, last = [], time.monotonic()
        self._commit(entries, rows)

    def _commit(self, entries: list[JournalEntry], rows: dict[int, dict[str, Any]]) -> None:
        if not entries:
            return
        self.journal.record(entries)
        self._emit([(entry, rows[entry.row]) for entry in entries])
        self.sent += len(entries)
        self.ctx.progress(self.sent, total=self.source.count)

    def _emit(self, pairs: list[tuple[JournalEntry, dict[str, Any]]]) -> None:
        good = [
            {**row, "remote_id": e.remote_id, "created": e.created} for e, row in pairs if e.success
        ]
        bad = [_reject_row(e, row) for e, row in pairs if not e.success]
        if good:
            self._append_ok(good)
        if bad:
            self._append_rejects(bad)
            self.file.write(bad)
            self._warn(bad)
        self.result.rows_out += len(good)
        self.result.rows_rejected += len(bad)

    def _warn(self, bad: list[dict[str, Any]]) -> None:
        before = self.result.rows_rejected  # not counting `bad` yet
        for number, row in enumerate(bad, before + 1):
            if number <= LOGGED_REJECTS:
                self.ctx.log(f"rejected: {row['error_code']} {row['error_message']}", "warning")
            elif number == LOGGED_REJECTS + 1:
                self.ctx.log("further rejects are not logged: see the reject output", "warning")


def fast_append(writer: PopulationWriter) -> Callable[[list[dict[str, Any]]], None]:
    """`writer.append` through the database's fastest inserter (`inserts.inserter_for`,
    the import's: raw `executemany` on SQLite, `COPY` on PostgreSQL, values through the
    same bind processors): SQLAlchemy's per-row parameters cost an export more CPU than
    its own work, with a result row per record sent."""
    names = [c.name for c in writer.table.columns if c.name != populations.ROW]
    inserter = inserter_for(writer, names)
    return lambda rows: inserter.insert([tuple(map(row.get, names)) for row in rows])


def journal_due(waiting: int, last: float) -> bool:
    """Whether `waiting` results, the last commit at `last`, are to be committed now."""
    if waiting < JOURNAL_EVERY:
        return False
    return waiting >= JOURNAL_MOST or time.monotonic() - last >= JOURNAL_PAUSE


def own_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_wk_")}


def journal_entry(key: int, result: WriteResult) -> JournalEntry:
    error = result.error
    return JournalEntry(
        row=key,
        success=result.success,
        remote_id=result.id,
        created=result.created,
        error_code=error.code if error else None,
        error_message=error.message if error else None,
    )


def _reject_row(entry: JournalEntry, row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "error_code": entry.error_code or "UNKNOWN",
        "error_symbol": error_symbol(entry.error_code),
        "error_message": entry.error_message or "",
    }


class RejectFile:
    """`rejects_file`: the rejects as CSV too, rewritten whole by each attempt."""

    def __init__(self, path: str | None, columns: list[str]) -> None:
        self.path, self.columns = (Path(path) if path else None), columns
        self._handle: TextIO | None = None
        self._writer: csv.DictWriter[str] | None = None

    def __enter__(self) -> RejectFile:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = handle = self.path.open("w", newline="", encoding="utf-8")
            self._writer = writer = csv.DictWriter(handle, self.columns, extrasaction="ignore")
            writer.writeheader()
        return self

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self._writer is not None:
            self._writer.writerows([{k: _text(v) for k, v in r.items()} for r in rows])

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
