"""Reads: the plan (count, then REST pages or a Bulk 2.0 query), cursors and id lists.

A cursor `(modified, id)` reads rows strictly after it in the compound order
`(SystemModstamp, Id)`; see docs/semantics.md. The filter, the cursor and id lists are
composed as filter AST nodes and rendered once (`crmlink.filters.render.soql`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from crmlink.connectors.salesforce import soql, values
from crmlink.connectors.salesforce.http import SalesforceHttp
from crmlink.connectors.salesforce.spec import SPEC
from crmlink.errors import AuthError, NotFoundError, RemoteError, UsageError
from crmlink.filters import ast, validate
from crmlink.filters.render.soql import render as render_filter
from crmlink.filters.validate import lookup, unknown_field
from crmlink.model import FieldKind, OrderBy, ReadCursor, RemoteTable

IDS_PER_QUERY = 500  # 500 ids × ~22 characters stays far below SOQL's 100,000
REST_BATCH = SPEC.capabilities.max_read_page  # rows of a REST query page
_PAGE = {"Sforce-Query-Options": f"batchSize={REST_BATCH}"}


@dataclass
class ReadPlan:
    table: RemoteTable
    fields: list[str]
    where: ast.Expr | None
    order: list[tuple[str, bool]]
    endpoint: str  # query | queryAll
    limit: int | None = None  # SOQL LIMIT (the caller needs no more rows)
    fewest_calls: bool = False  # planned for API calls, not speed (`Thresholds.fewest_calls`)

    def conditions(self, extra: ast.Expr | None = None) -> list[str]:
        """The WHERE condition (the plan's, and `extra`), rendered."""
        where = ast.conjoin(self.where, extra)
        return [render_filter(where)] if where is not None else []

    def soql(self, extra: ast.Expr | None = None) -> str:
        conditions = self.conditions(extra)
        return soql.select(self.table.name, self.fields, conditions, self.order, self.limit)


def plan(
    table: RemoteTable,
    fields: list[str],
    where: ast.Expr | None,
    order: list[OrderBy] | None,
    cursor: ReadCursor | None,
    include_deleted: bool,
    limit: int | None = None,
    fewest_calls: bool = False,
) -> ReadPlan:
    names = [_field(table, name) for name in fields] or [f.name for f in table.fields]
    checked = validate(where, table) if where is not None else None
    ordering = [(lookup(table, o.field).name, o.descending) for o in order or []]
    if cursor is not None:
        checked = ast.conjoin(checked, cursor_condition(table, cursor))
        if ordering:
            raise UsageError("a cursor read is ordered by (modified, Id): give no order")
        ordering = [(table.modified_field or "", False), (table.key_field, False)]
    endpoint = "queryAll" if include_deleted else "query"
    return ReadPlan(table, names, checked, ordering, endpoint, limit, fewest_calls)


def _field(table: RemoteTable, name: str) -> str:
    field = table.field(name)
    if field is None:
        raise UsageError(unknown_field(table, name), object=table.name, field=name)
    return field.name


def cursor_condition(table: RemoteTable, cursor: ReadCursor) -> ast.Expr:
    """Strictly after (m, id): `(M > m OR (M = m AND Id > id))`; `M >= m` without an id."""
    if not table.modified_field:
        raise UsageError(f"{table.name} has no modified field: it cannot be read by cursor")
    stamp = ast.DateTime(cursor.modified)
    mod, key = table.modified_field, table.key_field
    if not cursor.id:
        return ast.Comparison(mod, ast.Op.GE, stamp)
    tie = ast.And(
        (
            ast.Comparison(mod, ast.Op.EQ, stamp),
            ast.Comparison(key, ast.Op.GT, ast.String(cursor.id)),
        )
    )
    return ast.Or((ast.Comparison(mod, ast.Op.GT, stamp), tie))


def has_compound(read: ReadPlan) -> bool:
    return any(read.table.require_field(n).kind == FieldKind.COMPOUND for n in read.fields)


class RestReader:
    """`/query` (or `/queryAll`) with `nextRecordsUrl` paging: one batch per page."""

    def __init__(self, http: SalesforceHttp) -> None:
        self.http = http

    def count(self, read: ReadPlan) -> int:
        text = soql.count(read.table.name, read.conditions())
        body = self.http.json("GET", self.http.data(read.endpoint), params={"q": text})
        return int(body["totalSize"])

    def record_count(self, name: str) -> int | None:
        """The org's own count of an object's records (`limits/recordCount`: kept by
        Salesforce, approximate, answered at once where a COUNT() of millions scans them);
        None when the object is not listed or the user may not see it (View Setup)."""
        try:
            body = self.http.json(
                "GET", self.http.data("limits", "recordCount"), params={"sObjects": name}
            )
        except (AuthError, NotFoundError, RemoteError) as exc:
            if isinstance(exc, AuthError) and exc.context.get("code") != "INSUFFICIENT_ACCESS":
                raise  # a login that failed fails the COUNT() too: say it once, here
            return None
        counts = [o.get("count") for o in body.get("sObjects") or [] if o.get("name") == name]
        return counts[0] if counts and isinstance(counts[0], int) else None

    def rows(self, read: ReadPlan, extra: ast.Expr | None = None) -> Iterator[list[dict]]:
        convert = values.row_reader(read.table, read.fields)
        yield from self.pages(read.endpoint, read.soql(extra), convert)

    def pages(self, endpoint: str, text: str, convert: Callable) -> Iterator[list[dict]]:
        yield from self.following(self.first(endpoint, text), convert)

    def first(self, endpoint: str, text: str) -> dict:
        """The first page of a query (its `totalSize` counts the whole result)."""
        url = self.http.data(endpoint)
        return self.http.json("GET", url, params={"q": text}, headers=_PAGE, decimals=True)

    def first_raw(self, endpoint: str, text: str) -> bytes:
        """The first page of a query as the bytes it came in (its JSON, not decoded)."""
        url = self.http.data(endpoint)
        return self.http.request("GET", url, params={"q": text}, headers=_PAGE).content

    def following(self, body: dict, convert: Callable) -> Iterator[list[dict]]:
        """The rows of a first page `body` and of the pages after it."""
        headers = _PAGE
        while True:
            records = body.get("records") or []
            if records:
                yield [convert(record) for record in records]
            next_url = body.get("nextRecordsUrl")
            if body.get("done", True) or not next_url:
                return
            body = self.http.json("GET", next_url, headers=headers, decimals=True)

    def by_ids(self, read: ReadPlan, ids: list[str]) -> Iterator[list[dict]]:
        key = read.table.key_field
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = ids[start : start + IDS_PER_QUERY]
            yield from self.rows(read, ast.InList(key, tuple(ast.String(i) for i in chunk)))
