"""A bulk query's result: materialised once by `queries.materialise` (ordered row ids in
`_sbx_cursor`), then read back CHUNK rows at a time with `queries.page_rows`, or as CSV
lines made by SQLite, CSV_CHUNK rows at a time with `queries.page_csv`.

The cursor's `_sbx_cursor_info` row is removed at once, so the REST locators' 15-minute
expiry never drops a bulk result: the job keeps the cursor (in its private data) until
the job is deleted or expires (7 days, `jobs.py`), as Bulk results live as long as their job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from crmlink.sandbox.salesforce.models.queries import (
    CURSOR_TABLE,
    Cursor,
    drop_cursor,
    materialise,
    page_csv,
    page_rows,
)
from crmlink.sandbox.salesforce.models.soql import CompiledQuery, csvlines

CHUNK = 1000  # rows read, converted and written per step
CSV_CHUNK = 5000  # CSV lines per step (~1.5 MB for 23 fields): fewer, larger sends


def materialise_job(org, query: CompiledQuery, soql: str, include_deleted: bool) -> dict:
    """Snapshot the result's row ids; the cursor as a plain dict (kept with the job)."""
    cursor = materialise(org, query, soql, include_deleted, CHUNK)
    with org.store.transaction() as conn:
        conn.execute("DELETE FROM _sbx_cursor_info WHERE locator = ?", (cursor.locator,))
    return dataclasses.asdict(cursor)


def chunks(store, query: CompiledQuery, cursor: dict, start: int, count: int) -> Iterator[list]:
    """Rows start+1 .. start+count of a materialised result, in order, CHUNK at a time, on
    a reader connection of their own (writers are never blocked)."""
    saved = Cursor(**cursor)
    with store.reader() as conn:
        for offset in range(start, start + count, CHUNK):
            rows = page_rows(conn, query, saved, offset, min(CHUNK, start + count - offset))
            if not rows:
                return
            yield rows


def csv_chunks(
    store, query: CompiledQuery, cursor: dict, span: tuple[int, int], csv_format: tuple[str, str]
) -> Iterator[bytes] | None:
    """The CSV lines (no header) of rows start+1 .. start+count (`span`) in the
    (delimiter, line ending) `csv_format`, CSV_CHUNK rows a piece, as `chunks` reads them;
    None when the query is too wide for SQL-made lines (use `chunks`)."""
    lines = query.csv_lines_sql(CURSOR_TABLE, *csv_format)
    if lines is None:
        return None
    return _csv_pieces(store, lines, Cursor(**cursor), *span)


def _csv_pieces(store, lines, saved: Cursor, start: int, count: int) -> Iterator[bytes]:
    with store.reader() as conn:
        csvlines.register(conn)
        for offset in range(start, start + count, CSV_CHUNK):
            piece = page_csv(conn, lines, saved, offset, min(CSV_CHUNK, start + count - offset))
            if not piece:
                return
            yield piece


def drop(org, cursor: dict | None) -> None:
    if cursor:
        drop_cursor(org, Cursor(**cursor))
