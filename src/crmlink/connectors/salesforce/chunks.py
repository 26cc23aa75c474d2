"""Wide objects: a read whose query is too long for one REST call, split into field
chunks re-joined by Id.

Salesforce's documented limits: a SOQL statement is at most 100,000 characters ("SOQL and
SOSL limits"), and a REST call's URI and headers together at most 16,384 bytes (beyond
it: 414 URI Too Long, or 431; knowledge article 000386264). A REST query carries its SOQL
in the URI (`/query?q=…`, percent-encoded), so a read of every field of an object with
hundreds of custom fields with long names (800 fields of 45 characters: a 37,000-character
SELECT) cannot be one REST query. `groups(read)` cuts the fields into chunks whose query
URI fits `URI_BUDGET` (the limit less room for the headers); `WideReader` reads them:

- the first chunk drives: its pages are read by keyset in the read's order (`Id`, or a
  cursor's `(SystemModstamp, Id)`): `WHERE <filter> AND <after the last row> ORDER BY …
  LIMIT page`, every page one query;
- each other chunk reads the same span of keys (`>=` the page's first row, `<=` its last,
  the same filter, the same order), and its rows are joined to the page's by Id;
- a row another chunk does not return (deleted, or changed out of the filter, between the
  calls) is left out, as a read a moment later would leave it.

A read with an `order_by` of its own is refused (its order need not be unique, so it
cannot be read by keyset); a read by ids asks for `IDS_PER_QUERY` ids a query, per chunk.
A Bulk 2.0 query sends its SOQL in a request body: the planner may still choose one for a
wide read whose SOQL is within `SOQL_LIMIT` (`fits_bulk`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import quote

from crmlink.connectors import keyset
from crmlink.connectors.salesforce import soql, values
from crmlink.connectors.salesforce.planner import Choice
from crmlink.connectors.salesforce.read import REST_BATCH, ReadPlan, RestReader
from crmlink.errors import UsageError
from crmlink.filters import ast

SOQL_LIMIT = 100_000  # characters of a SOQL statement
URI_LIMIT = 16_384  # bytes of a REST call's URI and headers together
URI_BUDGET = 12_000  # bytes of a query's URI: the rest is left to the headers
PAGE = REST_BATCH  # rows of a driving page (one query)
IDS_PER_QUERY = 100  # ids of one `Id IN (…)` of a wide read by ids (~2,800 bytes encoded)
_ID_ROOM = IDS_PER_QUERY * 30  # bytes an IN list of that many ids takes in the URI


def uri_length(http_path: str, text: str) -> int:
    """Bytes of the request target `path?q=<text>` as percent-encoded."""
    return len(http_path) + len("?q=") + len(quote(text, safe=""))


def fits_bulk(read: ReadPlan) -> bool:
    return len(read.soql()) <= SOQL_LIMIT


def groups(read: ReadPlan, http_path: str, ids: bool = False) -> list[list[str]] | None:
    """The read's fields in chunks whose queries fit `URI_BUDGET` (the key in each), or
    None when the whole read fits one query."""
    key = read.table.key_field
    widest = _span_soql(read, read.fields, ids)
    if uri_length(http_path, widest) <= URI_BUDGET - (_ID_ROOM if ids else 0):
        return None
    if read.order and not _keyset(read):
        raise UsageError(
            f"a read of {len(read.fields)} fields of {read.table.name} is too long for one "
            "query, and its order_by cannot be split into field chunks: drop order_by, or "
            "read fewer fields",
            object=read.table.name,
        )
    budget = URI_BUDGET - (_ID_ROOM if ids else 0)
    base = uri_length(http_path, _span_soql(read, [key], ids))
    if base > budget:
        raise UsageError(
            f"the filter of this read of {read.table.name} is too long for one query "
            f"({base:,} bytes of URI, at most {budget:,}): shorten it",
            object=read.table.name,
        )
    chunks: list[list[str]] = []
    size = budget + 1
    first = [k for k in _keyset(read) if k != key]  # the driving chunk has the keyset's
    for name in first + [f for f in read.fields if f != key and f not in first]:
        cost = len(quote(", " + name, safe=""))
        if size + cost > budget:
            chunks.append([key])
            size = base
        chunks[-1].append(name)
        size += cost
    return chunks


def choice(read: ReadPlan, chunks: list[list[str]], counted: Choice | None) -> Choice:
    """The plan's record (`read plan: rest-chunks: …` in the run log)."""
    longest = max(len(read.soql()), 1)
    reason = (
        f"{len(read.fields)} fields, a {longest:,}-character query: beyond the REST URI "
        f"limit ({URI_LIMIT:,} bytes with the headers), read in {len(chunks)} field chunks "
        "joined by Id"
    )
    if counted is not None:
        reason = f"{counted.reason}; {reason}"
    return Choice("rest-chunks", reason, counted.count if counted else None)


def _keyset(read: ReadPlan) -> list[str]:
    """The columns the read is ordered (and so keyset) by: none given, Id; a cursor's
    (modified, Id); an order_by of the user's, none."""
    key, modified = read.table.key_field, read.table.modified_field
    if not read.order:
        return [key]
    if read.order == [(modified, False), (key, False)]:
        return [modified or "", key]
    return []


def _span_soql(read: ReadPlan, fields: list[str], ids: bool) -> str:
    """The longest query a chunk of `fields` sends (a span's bounds or none of them)."""
    keys = _keyset(read) or [read.table.key_field]
    placeholder: dict[str, object] = {
        k: dt.datetime(2000, 1, 1, tzinfo=dt.UTC) if k != read.table.key_field else "0" * 18
        for k in keys
    }
    extra = None if ids else keyset.span(keys, placeholder, placeholder)
    return soql.select(read.table.name, fields, read.conditions(extra), [(k, False) for k in keys])


class WideReader:
    """A read in field chunks, pages joined by Id (see the module's docstring)."""

    def __init__(self, rest: RestReader, page: int | None = None) -> None:
        self.rest, self.page = rest, page or PAGE

    def read(
        self, read: ReadPlan, chunks: list[list[str]], ids: list[str] | None
    ) -> Iterator[list[dict]]:
        if ids is not None:
            return self.by_ids(read, chunks, list(ids))
        return self.rows(read, chunks)

    def rows(self, read: ReadPlan, chunks: list[list[str]]) -> Iterator[list[dict]]:
        keys = _keyset(read)
        page = min(self.page, read.limit or self.page)  # a limit's rows: one driving page
        last: dict | None = None
        while True:
            after = keyset.after(keys, last) if last else None
            driver = self._query(read, chunks[0], after, keys, page)
            if not driver:
                return
            span = keyset.span(keys, driver[0], driver[-1])
            yield self._joined(read, chunks, driver, span, keys)
            if len(driver) < page:
                return
            last = driver[-1]

    def by_ids(
        self, read: ReadPlan, chunks: list[list[str]], ids: list[str]
    ) -> Iterator[list[dict]]:
        key = read.table.key_field
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = ast.InList(
                key, tuple(ast.String(i) for i in ids[start : start + IDS_PER_QUERY])
            )
            driver = self._query(read, chunks[0], chunk, [key], None)
            if driver:
                yield self._joined(read, chunks, driver, chunk, [key])

    def _joined(
        self,
        read: ReadPlan,
        chunks: list[list[str]],
        driver: list[dict],
        span: ast.Expr,
        keys: list[str],
    ) -> list[dict]:
        others = (self._query(read, fields, span, keys, None) for fields in chunks[1:])
        return keyset.joined(read.table.key_field, driver, others, read.fields)

    def _query(
        self,
        read: ReadPlan,
        fields: list[str],
        extra: ast.Expr | None,
        keys: list[str],
        limit: int | None,
    ) -> list[dict]:
        order = [(k, False) for k in keys]
        text = soql.select(read.table.name, fields, read.conditions(extra), order, limit)
        convert = values.row_reader(read.table, fields)
        return [row for batch in self.rest.pages(read.endpoint, text, convert) for row in batch]
