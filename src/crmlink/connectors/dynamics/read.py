"""Reads: `$select` / `$filter` / `$orderby` built from the describe and the filter AST,
pages of up to 5,000 rows (`Prefer: odata.maxpagesize`) followed by `@odata.nextLink`,
compound cursors and id lists. A read asks for `$count=true`: the first page's
`@odata.count` becomes the read's `total` (`connectors/batches.py`), unless it is at the
service's 5,000 cap (then the true count is unknown).

A cursor `(modified, id)` reads rows strictly after it in the order
`(modifiedon, <primary id>)`: `(modifiedon gt M or (modifiedon eq M and <id> gt G))`;
an empty id means `modifiedon ge M` (see docs/semantics.md). The service orders and
compares GUIDs by one order (Dataverse: SQL Server's uniqueidentifier order; the sandbox:
their text), the same for `$orderby` and `gt`, so the last row of a page is always a
valid cursor. The filter, the cursor and id lists are composed as filter AST nodes and
rendered once (`crmlink.filters.render.odata`).

A read without an order of its own that is more than one page is read as id ranges, several
at once (`ranges.py`); a read in its own order (a cursor's, the user's) is one chain.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from crmlink.connectors.batches import Batches
from crmlink.connectors.dynamics import chunks, paths, ranges, values
from crmlink.connectors.dynamics.describe import Entity
from crmlink.connectors.dynamics.http import DataverseHttp
from crmlink.connectors.dynamics.pages import Page, decode
from crmlink.connectors.dynamics.spec import SPEC
from crmlink.errors import UsageError
from crmlink.filters import ast, validate
from crmlink.filters.render.odata import render as render_filter
from crmlink.filters.validate import lookup, unknown_field
from crmlink.model import OrderBy, ReadCursor

PAGE_SIZE = SPEC.capabilities.max_read_page  # odata.maxpagesize
COUNT_CAP = 5000  # `@odata.count` never says more: at the cap, the total is unknown
IDS_PER_QUERY = 100  # 100 GUIDs keep the URL near 5,000 characters


@dataclass
class ReadPlan:
    entity: Entity
    fields: list[str]
    where: ast.Expr | None
    order: list[str]
    limit: int | None = None  # the caller needs no more rows: one chain, `$top` if a page
    fewest_calls: bool = False  # one chain, never id ranges (each range costs a call or more)

    def params(self, extra: ast.Expr | None = None) -> dict[str, str]:
        table = self.entity.table
        readable = [f for f in self.fields if f not in self.entity.unreadable]
        params = {"$select": ",".join(values.wire_name(table, f) for f in readable)}
        where = ast.conjoin(self.where, extra)
        if where is not None:
            params["$filter"] = render_filter(where, table)
        if self.order:
            params["$orderby"] = ",".join(self.order)
        return params


def plan(
    entity: Entity,
    fields: list[str],
    where: ast.Expr | None,
    order: list[OrderBy] | None,
    cursor: ReadCursor | None,
    include_deleted: bool,
    limit: int | None = None,
    fewest_calls: bool = False,
) -> ReadPlan:
    table = entity.table
    if include_deleted:
        raise UsageError(
            "Dataverse queries never return deleted records (there is no recycle bin to "
            "query): read deletions with import_deleted (change tracking) instead",
            object=table.name,
        )
    names = [_field(entity, name) for name in fields] or [f.name for f in table.fields]
    checked = validate(where, table) if where is not None else None
    ordering = [_order(entity, o) for o in order or []]
    if cursor is not None:
        if ordering:
            raise UsageError("a cursor read is ordered by (modifiedon, id): give no order")
        checked = ast.conjoin(checked, cursor_condition(entity, cursor))
        ordering = [f"{table.modified_field} asc", f"{table.key_field} asc"]
    return ReadPlan(entity, names, checked, ordering, limit, fewest_calls)


def _field(entity: Entity, name: str) -> str:
    field = entity.table.field(name)
    if field is None:
        raise UsageError(unknown_field(entity.table, name), object=entity.table.name, field=name)
    return field.name


def _order(entity: Entity, order: OrderBy) -> str:
    name = lookup(entity.table, order.field).name
    return f"{values.wire_name(entity.table, name)} {'desc' if order.descending else 'asc'}"


def cursor_condition(entity: Entity, cursor: ReadCursor) -> ast.Expr:
    """Strictly after (m, id), as filter AST nodes (the id is rendered as a GUID)."""
    table = entity.table
    if not table.modified_field:
        raise UsageError(f"{table.name} has no modifiedon: it cannot be read by cursor")
    mod, key = table.modified_field, table.key_field
    stamp = ast.DateTime(cursor.modified)
    if not cursor.id:
        return ast.Comparison(mod, ast.Op.GE, stamp)
    after = ast.Comparison(key, ast.Op.GT, ast.String(paths.guid(cursor.id, key)))
    tie = ast.And((ast.Comparison(mod, ast.Op.EQ, stamp), after))
    return ast.Or((ast.Comparison(mod, ast.Op.GT, stamp), tie))


def _columnar(counted: Batches | None) -> bool:
    """Whether the read's consumer takes column pages (`Batches.columnar`: it is set before
    the first batch is asked for, so before this generator runs)."""
    return bool(getattr(counted, "columnar", False))


class Reader:
    """Entity-set queries, one batch per page (`page_size` rows, at most 5,000)."""

    def __init__(self, http: DataverseHttp, page_size: int = PAGE_SIZE) -> None:
        self.http, self.page_size = http, page_size
        self.headers = {"Prefer": f"odata.maxpagesize={page_size}"}
        self.streams: int | None = None  # id ranges read at once (None: by the link)
        # set by a wide read (chunks.py) or one split into id ranges (ranges.py)
        self.last_plan: chunks.WidePlan | ranges.RangePlan | None = None

    def rows(
        self, read: ReadPlan, extra: ast.Expr | None = None, counted: Batches | None = None
    ) -> Iterator[list[dict]]:
        wide = chunks.groups(read, self.http.base + read.entity.entity_set, extra)
        if wide is not None:  # the URL would be too long: column chunks joined by id
            yield from self._wide(read, wide, extra)
            return
        page = values.page_reader(read.entity.table, read.fields, _columnar(counted))
        if read.order or read.limit is not None or read.fewest_calls:
            # one chain: the read's own order (a cursor's, the user's) cannot be split, a
            # limit's few rows are worth no split (nor a count; `$top` if a page holds them),
            # and a read planned for fewest calls takes none (ranges: a call or more each)
            params = read.params(extra)
            if read.limit is not None and read.limit <= self.page_size:
                params["$top"] = str(read.limit)
            counts = counted if read.limit is None else None
            yield from self.follow(self.first(read.entity.entity_set, params, counts), page)
            return
        yield from ranges.RangeReader(self, self.streams).rows(read, extra, page, counted)

    def pages(
        self,
        entity_set: str,
        params: dict,
        convert: Callable[[dict], dict],
        counted: Batches | None = None,
    ) -> Iterator[list[dict]]:
        """The batches of a query, each record converted by `convert`."""
        page = functools.partial(values.converted, convert=convert)
        yield from self.follow(self.first(entity_set, params, counted), page)

    def first(self, entity_set: str, params: dict, counted: Batches | None = None) -> Page:
        """The first page of a query (`$count` asked when `counted` wants a total)."""
        if counted is not None:
            params = {**params, "$count": "true"}
        found = self.get(entity_set, params)
        count = found.body.get("@odata.count")
        if counted is not None and isinstance(count, int) and count < COUNT_CAP:
            counted.total = count
        return found

    def get(self, url: str, params: dict | None = None) -> Page:
        """One page of a query (`url`: an entity set with `params`, or a nextLink)."""
        raw = self.download(url, params)
        return Page(*decode(raw), len(raw))

    def download(self, url: str, params: dict | None = None) -> bytes:
        """One page's body as the Web API sent it (the bytes: a third of its parsed size)."""
        return self.http.request("GET", url, params=params, headers=self.headers).content

    def follow(self, first: Page, page: values.PageReader) -> Iterator[list[dict]]:
        """The batches of a page and of every page its `@odata.nextLink` chain leads to,
        each page's records converted by `page`. A page's parsed records are let go
        before its batch is handed over: a generator waiting at `yield` keeps its locals."""
        body, nul_free = first.body, first.nul_free
        del first
        while True:
            records, next_url = body.get("value") or [], body.get("@odata.nextLink")
            body = {}
            if records:
                batch, records = page(records, nul_free=nul_free), []
                yield batch
                del batch
            if not next_url:
                return
            body, nul_free, _ = self.get(next_url)

    def _wide(
        self, read: ReadPlan, wide: list[list[str]], extra: ast.Expr | None
    ) -> Iterator[list[dict]]:
        before = self.http.calls
        self.last_plan = plan = chunks.WidePlan(
            f"{len(read.fields)} columns: beyond the URL limit ({chunks.URL_LIMIT:,} "
            f"characters), read in {len(wide)} column chunks joined by id"
        )
        try:
            yield from chunks.WideReader(self).rows(read, wide, extra)
        finally:
            plan.calls = self.http.calls - before

    def by_ids(self, read: ReadPlan, ids: list[str]) -> Iterator[list[dict]]:
        key = read.entity.table.key_field
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = [paths.guid(i, key) for i in ids[start : start + IDS_PER_QUERY]]
            yield from self.rows(read, ast.InList(key, tuple(ast.String(i) for i in chunk)))
