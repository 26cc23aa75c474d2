"""REST query paging: `/query` answers the first page, `nextRecordsUrl` the rest.

A result larger than one page is materialised once as an ordered list of row ids in a
cursor table (a snapshot, as a server-side query locator is); each page then fetches
its rows by id. Memory stays flat whatever the result's size.
"""

from __future__ import annotations

import secrets
import time

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.soql import CompiledQuery, compile_query

CURSOR_TTL = 15 * 60  # seconds a locator stays valid, as on Salesforce


class QueryEngine:
    def __init__(self, org) -> None:
        self.org = org
        with org.store.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _sbx_cursor (locator TEXT, seq INTEGER, rid INTEGER, "
                "PRIMARY KEY (locator, seq)) WITHOUT ROWID"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _sbx_cursor_info (locator TEXT PRIMARY KEY, "
                "soql TEXT, include_deleted INTEGER, total INTEGER, created REAL, batch INTEGER)"
            )

    def compile(self, soql: str, include_deleted: bool) -> CompiledQuery:
        return compile_query(soql, self.org.catalog, include_deleted=include_deleted, now=self.org.now())

    def start(self, soql: str, include_deleted: bool, batch: int, version: str) -> dict:
        query = self.compile(soql, include_deleted)
        with self.org.store.reader() as conn:
            total = conn.execute(*query.count_sql()).fetchone()[0]
            if query.count_only:
                return {"totalSize": total, "done": True, "records": []}
            if query.aggregate or total <= batch:
                rows = conn.execute(*query.sql()).fetchall()
                records = [query.to_record(row, version) for row in rows]
                return {"totalSize": len(records) if query.aggregate else total, "done": True,
                        "records": records}
        locator = self._materialise(query, soql, include_deleted, total, batch)
        kind = "queryAll" if include_deleted else "query"
        return self._page(query, locator, 0, batch, total, version, kind)

    def next_page(self, token: str, version: str) -> dict:
        locator, _, offset = token.partition("-")
        with self.org.store.lock:
            info = self.org.store.conn.execute(
                "SELECT soql, include_deleted, total, created, batch FROM _sbx_cursor_info "
                "WHERE locator = ?",
                (locator,),
            ).fetchone()
        if info is None or not offset.isdigit() or time.time() - info[3] > CURSOR_TTL:
            raise errors.InvalidQueryLocator("invalid query locator")
        query = self.compile(info[0], bool(info[1]))
        batch = info[4]
        kind = "queryAll" if info[1] else "query"
        return self._page(query, locator, int(offset), batch, info[2], version, kind)

    def _materialise(self, query, soql: str, include_deleted: bool, total: int, batch: int) -> str:
        locator = "01g" + secrets.token_hex(6).upper()[:12]
        sql, params = query.rowids_sql()
        with self.org.store.transaction() as conn:
            conn.execute(
                "INSERT INTO _sbx_cursor (locator, seq, rid) "
                f"SELECT ?, ROW_NUMBER() OVER (), rid FROM ({sql.replace('SELECT t.rowid', 'SELECT t.rowid AS rid', 1)})",
                [locator, *params],
            )
            conn.execute(
                "INSERT INTO _sbx_cursor_info VALUES (?, ?, ?, ?, ?, ?)",
                (locator, soql, int(include_deleted), total, time.time(), batch),
            )
            self._expire_old(conn)
        return locator

    @staticmethod
    def _expire_old(conn) -> None:
        stale = conn.execute(
            "SELECT locator FROM _sbx_cursor_info WHERE created < ?", (time.time() - CURSOR_TTL,)
        ).fetchall()
        for (locator,) in stale:
            conn.execute("DELETE FROM _sbx_cursor WHERE locator = ?", (locator,))
            conn.execute("DELETE FROM _sbx_cursor_info WHERE locator = ?", (locator,))

    def _page(self, query, locator, offset, batch, total, version, kind) -> dict:
        records = [query.to_record(row, version) for row in self.page_rows(query, locator, offset, batch)]
        done = offset + len(records) >= total
        page = {"totalSize": total, "done": done, "records": records}
        if not done:
            nxt = offset + len(records)
            page["nextRecordsUrl"] = f"/services/data/v{version}/{kind}/{locator}-{nxt}"
        return page

    def page_rows(self, query: CompiledQuery, locator: str, offset: int, size: int) -> list[tuple]:
        """The rows at positions offset+1 .. offset+size of a materialised result, in order."""
        with self.org.store.reader() as conn:
            rids = [r[0] for r in conn.execute(
                "SELECT rid FROM _sbx_cursor WHERE locator = ? AND seq > ? ORDER BY seq LIMIT ?",
                (locator, offset, size),
            )]
            return fetch_in_order(conn, query, rids)


def fetch_in_order(conn, query: CompiledQuery, rids: list[int], chunk: int = 900) -> list[tuple]:
    """Rows for the given rowids, in that order (the query's select columns)."""
    out: list[tuple] = []
    for start in range(0, len(rids), chunk):
        part = rids[start : start + chunk]
        rows = {row[0]: row[1:] for row in conn.execute(query.fetch_by_rowids_sql(len(part)), part)}
        out.extend(rows[r] for r in part if r in rows)
    return out
