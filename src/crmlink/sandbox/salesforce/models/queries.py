"""REST query paging: `/query` answers the first page, `nextRecordsUrl` the rest.

A result larger than one page is materialised once as an ordered list of row ids in the
cursor table (a snapshot, as a server-side query locator is): `INSERT … SELECT … ORDER BY`
gives the rows consecutive `seq` numbers in result order. Each page is then one SQL join
of its `seq` range with the object's table (rows by rowid, in seq order). Memory stays flat
whatever the result's size. Bulk query jobs use the same cursors, with CSV lines made by
SQLite (`page_csv`).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.soql import CompiledQuery, compile_query

CURSOR_TTL = 15 * 60  # seconds a REST locator stays valid, as on Salesforce
CURSOR_TABLE = "_sbx_cursor"


@dataclass(frozen=True)
class Cursor:
    """A materialised result: rows `first_seq + 1 .. first_seq + total` of `_sbx_cursor`."""

    locator: str
    soql: str
    include_deleted: bool
    total: int
    first_seq: int
    batch: int


def create_cursor_tables(store) -> None:
    with store.transaction() as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _sbx_cursor (seq INTEGER PRIMARY KEY, rid INTEGER)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _sbx_cursor_info (locator TEXT PRIMARY KEY, "
            "soql TEXT, include_deleted INTEGER, total INTEGER, first_seq INTEGER, "
            "batch INTEGER, created REAL)"
        )


def materialise(org, query: CompiledQuery, soql: str, include_deleted: bool, batch: int) -> Cursor:
    """Snapshot the query's row ids in order; return the cursor that pages them."""
    locator = "01g" + secrets.token_hex(6).upper()
    sql, params = query.rowids_sql()
    with org.store.transaction() as conn:
        before = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM _sbx_cursor").fetchone()[0]
        conn.execute(f"INSERT INTO _sbx_cursor (rid) {sql}", params)
        after = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM _sbx_cursor").fetchone()[0]
        cursor = Cursor(locator, soql, include_deleted, after - before, before, batch)
        conn.execute(
            "INSERT INTO _sbx_cursor_info VALUES (?, ?, ?, ?, ?, ?, ?)",
            (locator, soql, int(include_deleted), cursor.total, before, batch, time.time()),
        )
    return cursor


def load_cursor(org, locator: str, max_age: float | None = CURSOR_TTL) -> Cursor | None:
    """The cursor of a locator, or None when unknown or older than `max_age` seconds."""
    with org.store.lock:
        row = org.store.conn.execute(
            "SELECT locator, soql, include_deleted, total, first_seq, batch, created "
            "FROM _sbx_cursor_info WHERE locator = ?",
            (locator,),
        ).fetchone()
    if row is None or (max_age is not None and time.time() - row[6] > max_age):
        return None
    return Cursor(row[0], row[1], bool(row[2]), row[3], row[4], row[5])


def _seq_range(cursor: Cursor, offset: int, size: int) -> dict:
    """The bound :low/:high of positions offset+1 .. offset+size of a cursor."""
    low = cursor.first_seq + offset
    return {"low": low, "high": cursor.first_seq + min(offset + size, cursor.total)}


def page_rows(conn, query: CompiledQuery, cursor: Cursor, offset: int, size: int) -> list[tuple]:
    """The select-column rows at positions offset+1 .. offset+size of a cursor, in order."""
    sql = query.cursor_rows_sql(CURSOR_TABLE)
    return conn.execute(sql, _seq_range(cursor, offset, size)).fetchall()


def page_csv(conn, lines: tuple[str, dict], cursor: Cursor, offset: int, size: int) -> bytes:
    """The CSV lines (`CompiledQuery.csv_lines_sql`) of positions offset+1 .. offset+size
    of a cursor, in order, as one text."""
    sql, params = lines
    rows = conn.execute(sql, params | _seq_range(cursor, offset, size)).fetchall()
    return b"".join([row[0] for row in rows])


def drop_cursor(org, cursor: Cursor) -> None:
    with org.store.transaction() as conn:
        conn.execute(
            "DELETE FROM _sbx_cursor WHERE seq > ? AND seq <= ?",
            (cursor.first_seq, cursor.first_seq + cursor.total),
        )
        conn.execute("DELETE FROM _sbx_cursor_info WHERE locator = ?", (cursor.locator,))


class QueryEngine:
    """`/query`, `/queryAll` and their `nextRecordsUrl` pages."""

    def __init__(self, org) -> None:
        self.org = org
        create_cursor_tables(org.store)

    def compile(self, soql: str, include_deleted: bool) -> CompiledQuery:
        return compile_query(
            soql, self.org.catalog, include_deleted=include_deleted, now=self.org.now()
        )

    def start(self, soql: str, include_deleted: bool, batch: int, version: str) -> dict:
        query = self.compile(soql, include_deleted)
        with self.org.store.reader() as conn:
            if query.aggregate:
                rows = conn.execute(*query.sql()).fetchall()
                records = [query.to_record(row, version) for row in rows]
                return {"totalSize": len(records), "done": True, "records": records}
            total = conn.execute(*query.count_sql()).fetchone()[0]
            if query.count_only:
                return {"totalSize": total, "done": True, "records": []}
            if total <= batch:
                rows = conn.execute(*query.sql()).fetchall()
                records = [query.to_record(row, version) for row in rows]
                query.attach_children(conn, records, version)
                return {"totalSize": total, "done": True, "records": records}
        self._expire_old()
        cursor = materialise(self.org, query, soql, include_deleted, batch)
        return self._page(query, cursor, 0, version)

    def next_page(self, token: str, version: str) -> dict:
        locator, _, offset = token.partition("-")
        cursor = load_cursor(self.org, locator)
        if cursor is None or not offset.isdigit():
            raise errors.InvalidQueryLocator("invalid query locator")
        query = self.compile(cursor.soql, cursor.include_deleted)
        return self._page(query, cursor, int(offset), version)

    def _page(self, query: CompiledQuery, cursor: Cursor, offset: int, version: str) -> dict:
        with self.org.store.reader() as conn:
            rows = page_rows(conn, query, cursor, offset, cursor.batch)
            records = [query.to_record(row, version) for row in rows]
            query.attach_children(conn, records, version)
        done = offset + len(records) >= cursor.total
        page = {"totalSize": cursor.total, "done": done, "records": records}
        if done:
            drop_cursor(self.org, cursor)
        else:
            kind = "queryAll" if cursor.include_deleted else "query"
            nxt = offset + len(records)
            page["nextRecordsUrl"] = f"/services/data/v{version}/{kind}/{cursor.locator}-{nxt}"
        return page

    def _expire_old(self) -> None:
        with self.org.store.lock:
            stale = self.org.store.conn.execute(
                "SELECT locator FROM _sbx_cursor_info WHERE created < ?",
                (time.time() - CURSOR_TTL,),
            ).fetchall()
        for (locator,) in stale:
            cursor = load_cursor(self.org, locator, max_age=None)
            if cursor is not None:
                drop_cursor(self.org, cursor)
