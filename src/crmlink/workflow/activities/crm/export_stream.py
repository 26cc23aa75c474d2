"""The export's journaled sending, streamed: memory is bounded by the connector's calls in
flight, whatever the row count.

`Sink` (sink.py) reads a batch, sends it, and keeps the batch's rows until their results
come back; an export handing the connector 100,000 rows a call therefore held all of them,
several times over (359 MB of client RSS at 100,000 rows). `StreamSink` keeps `Sink`'s
outputs, journal and exactly-once rules, and holds no row while its call is in flight:

- the population is read `PAGE` rows at a time (keyset on `_wk_row`) and handed to the
  export as a lazy stream, one `Window` of `batch_size` rows per connector call (the
  connector cuts it into its own calls and keeps a fixed number in flight);
- the journal is read a page at a time (the entries of that page's rows), never whole;
- a result waits as its journal entry until committed; the rows the ok and reject outputs
  copy are read back from the population by `_wk_row` at that commit, and written in the
  same transaction as the journal entries.

The connector must take its input in the calling thread (the stream reads the database):
every connector does, `connectors/parallel.ordered` advancing its calls in that thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, func, select

from crmlink.model import WriteResult
from crmlink.workflow.activities.crm.sink import (
    Sink,
    journal_due,
    journal_entry,
    own_row,
)
from crmlink.workflow.base import (
    OK,
    REJECTS,
    ActivityResult,
    JournalEntry,
)
from crmlink.workflow.context import journal_entry_of
from crmlink.workflow.tables import export_journal

PAGE = 2_000  # population rows read at a time
READ_BACK = 500  # `_wk_row IN (…)` values of one query (SQLite allows 999 on old builds)
ROW = "_wk_row"
Keyed = tuple[int, dict[str, Any]]  # (_wk_row, the population's row)
StreamSend = Callable[["Window"], Iterator[tuple[int, WriteResult]]]


class StreamSink(Sink):
    reads_whole_journal = False  # it reads the journal a page at a time

    def run(self, send: StreamSend, batch_size: int) -> ActivityResult:  # type: ignore[override]
        journaled = self._journaled(None, None)
        if journaled:
            self.ctx.log(
                f"resuming: {journaled} rows are already in the journal; they are not sent again"
            )
        after = 0
        with self.file:
            while (end := self._window_end(after, batch_size)) is not None:
                self._window(Window(self, after, end), send)
                after = end
        self.result.outputs = {OK: self.ok.finish(), REJECTS: self.rejects.finish()}
        return self.result

    # -- reading --------------------------------------------------------------------------
    @property
    def conn(self) -> Connection:
        return self.ctx.connection()

    def _window_end(self, after: int, size: int) -> int | None:
        """The `_wk_row` of the `size`-th row after `after` (or the last one); None: no more."""
        column = self.source.table.c[ROW]
        keys = select(column).where(column > after).order_by(column).limit(size).subquery()
        return self.conn.execute(select(func.max(keys.c[ROW]))).scalar()

    def _journaled(self, after: int | None, end: int | None) -> int:
        """Journal entries of this run's activity (between the keys, when given)."""
        query = select(func.count()).select_from(export_journal).where(self._mine(after, end))
        return int(self.conn.execute(query).scalar_one())

    def _mine(self, after: int | None, end: int | None) -> Any:
        j = export_journal.c
        mine = (j.run_id == self.ctx.run_id) & (j.activity == self.ctx.activity)
        if after is not None and end is not None:
            mine &= (j.row > after) & (j.row <= end)
        return mine

    def pages(self, after: int, end: int) -> Iterator[tuple[list[Keyed], dict[int, JournalEntry]]]:
        """The rows in (after, end], `PAGE` at a time, with their journal entries."""
        table = self.source.table
        column = table.c[ROW]
        while True:
            query = select(table).where(column > after, column <= end).order_by(column)
            found_rows = self.conn.execute(query.limit(PAGE))
            names = list(found_rows.keys())
            rows = [dict(zip(names, r, strict=True)) for r in found_rows]  # not r._mapping: 3x
            if not rows:
                return
            last = int(rows[-1][ROW])
            found = self.conn.execute(select(export_journal).where(self._mine(after, last)))
            done = {r.row: journal_entry_of(r._mapping) for r in found}
            yield [(int(row[ROW]), row) for row in rows], done  # the export reads its columns
            after = last

    def read_back(self, keys: list[int]) -> dict[int, dict[str, Any]]:
        """The population's rows of `keys`, without working columns (as `own_row`)."""
        table = self.source.table
        column = table.c[ROW]
        own = [c for c in table.c if not c.name.startswith("_wk_")]
        names = [c.name for c in own]
        low, high = min(keys), max(keys)
        if high - low < 2 * len(keys):  # results mostly come in runs: one range query
            queries = [select(column, *own).where(column >= low, column <= high)]
        else:
            queries = [
                select(column, *own).where(column.in_(keys[start : start + READ_BACK]))
                for start in range(0, len(keys), READ_BACK)
            ]
        wanted, found = set(keys), {}
        for query in queries:
            for key, *values in self.conn.execute(query):
                if key in wanted:
                    found[int(key)] = dict(zip(names, values, strict=True))
        return found

    # -- sending --------------------------------------------------------------------------
    def _window(self, window: Window, send: StreamSend) -> None:
        self.ctx.checkpoint()  # nothing uncommitted while the CRM answers
        entries: list[JournalEntry] = []
        last = time.monotonic()
        for key, result in send(window):
            entries.append(journal_entry(key, result))
            if journal_due(len(entries), last):
                self._flush(entries)
                entries, last = [], time.monotonic()
        self._flush(entries)

    def _flush(self, entries: list[JournalEntry]) -> None:
        """The outputs of `entries`, then the entries: one commit for both."""
        if not entries:
            return
        rows = self.read_back([e.row for e in entries])
        self._emit([(e, rows[e.row]) for e in entries])
        self.journal.record(entries)
        self.sent += len(entries)
        self.ctx.progress(self.sent, total=self.source.count)

    def replay(self, pairs: list[tuple[JournalEntry, dict[str, Any]]]) -> None:
        """Rows journaled by an earlier attempt: their results again, committed at once."""
        if pairs:
            self._emit(pairs)
            self.ctx.checkpoint()


class Window:
    """The rows of (after, end] not yet journaled, read lazily; iterable again (an export
    that updates some rows and inserts others reads it once per mode), and sized (the
    connector cuts its calls by it). Journaled rows are replayed to the outputs the first
    time their page is read."""

    def __init__(self, sink: StreamSink, after: int, end: int) -> None:
        self.sink, self.after, self.end = sink, after, end
        self.replayed = after  # pages up to this key have had their replays emitted
        self.count: int | None = None

    def __len__(self) -> int:
        if self.count is None:
            table = self.sink.source.table
            column = table.c[ROW]
            rows = select(func.count()).where(column > self.after, column <= self.end)
            total = int(self.sink.conn.execute(rows.select_from(table)).scalar_one())
            self.count = total - self.sink._journaled(self.after, self.end)
        return self.count

    def __iter__(self) -> Iterator[Keyed]:
        for rows, done in self.sink.pages(self.after, self.end):
            last = rows[-1][0]
            if last > self.replayed:
                self.sink.replay([(done[k], own_row(row)) for k, row in rows if k in done])
                self.replayed = last
            yield from ((k, row) for k, row in rows if k not in done)
