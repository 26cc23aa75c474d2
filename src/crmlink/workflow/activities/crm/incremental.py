"""The automatic index: an incremental import's window, compound cursor and overlap.

See docs/semantics.md. The committed cursor `(m, id)` is the last (index, id) this
activity committed. A run reads everything at or after `m - overlap`, in (index, id)
order, so rows that tie on the index or were committed late (up to `overlap` seconds
after their stamp) are read again instead of lost; re-reading is harmless because
rows are de-duplicated by id within the run and loaded by upsert downstream.

The run stages `min(max (index, id) read, (run start - overlap, ""))`, never behind the
committed cursor: rows still being committed while the run reads are re-read next
time. The engine commits the staged cursor only when the whole run succeeds.

The window is an AST node, never text: `And(where, index >= start)` (or, on the
modified field, the connector's cursor), so no filter can reach outside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from crmlink.connectors.base import Connector
from crmlink.errors import UsageError
from crmlink.filters import ast
from crmlink.model import FieldKind, OrderBy, ReadCursor, RemoteTable
from crmlink.workflow.activities.crm.common import remote_field
from crmlink.workflow.activities.crm.config import CrmActivityConfig
from crmlink.workflow.activities.crm.dates import iso
from crmlink.workflow.base import RunContext
from crmlink.workflow.variables import fill_text

BEGINNING = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Window:
    def __init__(self, config: CrmActivityConfig, table: RemoteTable, ctx: RunContext) -> None:
        self.table, self.ctx = table, ctx
        self.index = _index_field(config, table)
        self.overlap = dt.timedelta(seconds=config.overlap)
        self.scope = {
            "account": config.account,
            "object": table.name,
            "filter": fill_text(config.filter or "", ctx.variables, ctx.activity),
            "index_field": self.index,
            "query_all": str(config.query_all).lower(),
        }  # what the cursor measures: a change starts a fresh cursor
        self.committed = ctx.cursor(self.scope).get()
        self.start = self.committed.modified - self.overlap if self.committed else BEGINNING
        self.high: tuple[dt.datetime, str] | None = None

    def read(
        self,
        connector: Connector,
        names: list[str],
        where: ast.Expr | None,
        query_all: bool,
        limit: int | None = None,
        fewest_calls: bool = False,
    ) -> Iterator[list[dict]]:
        """Rows at or after the window start (and matching `where`), in (index, id) order.
        `limit` reaches the connector only on a first run: after it, the look-back's
        repeats come first and do not count (`is_new`), so no limit of the query fits."""
        name = self.table.name
        limit = limit if self.committed is None else None
        if self.index == self.table.modified_field:
            cursor = ReadCursor(self.start, "")
            return connector.read(
                name, names, where=where, cursor=cursor, include_deleted=query_all, limit=limit,
                fewest_calls=fewest_calls,
            )  # fmt: skip
        since = ast.Comparison(self.index, ast.Op.GE, ast.DateTime(self.start))
        order = [OrderBy(self.index), OrderBy(self.table.key_field)]
        return connector.read(
            name,
            names,
            where=ast.conjoin(where, since),
            order=order,
            include_deleted=query_all,
            limit=limit,
            fewest_calls=fewest_calls,
        )

    def is_new(self, row: dict) -> bool:
        """Past the committed cursor: not an overlap re-read (a `limit` counts only
        these, so a tie larger than the limit is still passed, run after run)."""
        if self.committed is None:
            return True
        stamp = row.get(self.index)
        key = (self.committed.modified, self.committed.id)
        return stamp is not None and (stamp, row[self.table.key_field]) > key

    def see(self, rows: list[dict]) -> None:
        """Track the highest (index, id) read (raw connector values)."""
        key = self.table.key_field
        for row in rows:
            stamp = row.get(self.index)
            if stamp is not None and (self.high is None or (stamp, row[key]) > self.high):
                self.high = (stamp, row[key])

    def stage(self) -> ReadCursor | None:
        """Stage the cursor this run reached (capped); None when nothing moves it."""
        cap = ReadCursor(self.ctx.started_at - self.overlap, "")
        reached = min(ReadCursor(*self.high), cap, key=_order) if self.high else None
        candidates = [c for c in (reached, self.committed) if c is not None]
        if not candidates:
            return None
        best = max(candidates, key=_order)
        self.ctx.cursor(self.scope).stage(best)
        return best

    def variables(self) -> dict[str, str]:
        return {"crmStartImport": iso(self.start), "crmEndDate": iso(self.ctx.started_at)}


def _order(cursor: ReadCursor) -> tuple[dt.datetime, str]:
    return (cursor.modified, cursor.id)


def _index_field(config: CrmActivityConfig, table: RemoteTable) -> str:
    if not config.index_field:
        if not table.modified_field:
            raise UsageError(
                f"{table.name} has no last-modified field: set index_field to "
                "a datetime field for an incremental import"
            )
        return table.modified_field
    field = remote_field(table, config.index_field, "index_field")
    if field.kind != FieldKind.DATETIME or not field.filterable:
        raise UsageError(
            f"index_field {field.name} on {table.name} must be a filterable "
            f"datetime field (it is {field.kind})",
            field=field.name,
        )
    return field.name
