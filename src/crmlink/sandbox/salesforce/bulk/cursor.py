"""A bulk query's result, materialised once as ordered row ids in `_sbx_cursor` (the table
`QueryEngine` creates) under the job's own locator, then read back chunk by chunk.

No `_sbx_cursor_info` row is written, so the REST locators' 15-minute expiry never touches
a bulk result: it lives until its job is deleted, as Bulk results do.
"""

from __future__ import annotations

from collections.abc import Iterator

from crmlink.sandbox.salesforce.queries import fetch_in_order
from crmlink.sandbox.salesforce.soql import CompiledQuery

CHUNK = 1000  # rows read, converted and written per step


def materialise(store, query: CompiledQuery, locator: str) -> int:
    """Store the query's row ids in result order under `locator`; the row count."""
    sql, params = query.rowids_sql()
    sql = sql.replace("SELECT t.rowid", "SELECT t.rowid AS rid", 1)
    with store.transaction() as conn:
        conn.execute("DELETE FROM _sbx_cursor WHERE locator = ?", (locator,))
        cursor = conn.execute(
            f"INSERT INTO _sbx_cursor (locator, seq, rid) "
            f"SELECT ?, ROW_NUMBER() OVER (), rid FROM ({sql})",
            [locator, *params],
        )
        return cursor.rowcount


def chunks(store, query: CompiledQuery, locator: str, start: int, count: int) -> Iterator[list]:
    """Rows start+1 .. start+count of a materialised result, in order, CHUNK at a time, on
    a reader connection of their own (writers are never blocked)."""
    with store.reader() as conn:
        pos, end = start, start + count
        while pos < end:
            stop = min(pos + CHUNK, end)
            rids = [
                r
                for (r,) in conn.execute(
                    "SELECT rid FROM _sbx_cursor WHERE locator = ? AND seq > ? AND seq <= ? "
                    "ORDER BY seq",
                    (locator, pos, stop),
                )
            ]
            if not rids:
                return
            yield fetch_in_order(conn, query, rids)
            pos = stop


def drop(store, locator: str) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM _sbx_cursor WHERE locator = ?", (locator,))
