"""Wide tables: a Dataverse read whose URL is too long, split into column chunks re-joined
by the primary id.

The Web API accepts URLs of at most 32 KB (32,768 characters; "Compose HTTP requests and
handle errors", Maximum URL length). A query names its columns in `$select`, so a read of
every column of a table with hundreds of custom columns with long logical names cannot be
one GET. `groups(read, …)` cuts the columns into chunks whose URL fits `URL_BUDGET`;
`WideReader` reads them as the Salesforce connector's chunks do:

- the first chunk drives, by keyset in the read's order (the primary id, or a cursor's
  `(modifiedon, id)`): `$filter=<filter> and <after the last row>`, `$orderby`, `$top`;
- each other chunk reads the same span of keys (`ge` the page's first row, `le` its last,
  the same filter and order) and is joined to the page by id; a row another chunk does
  not return (deleted, or changed out of the filter, in between) is left out.

The service compares and orders GUIDs the same way (SQL Server's uniqueidentifier order),
so a page's last id is a valid keyset bound. A read with an `$orderby` of the user's is
refused (its order need not be unique); a read by ids is chunked per id list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from crmlink.connectors import keyset
from crmlink.connectors.dynamics import values
from crmlink.errors import UsageError
from crmlink.filters import ast

if TYPE_CHECKING:
    from crmlink.connectors.dynamics.read import Reader, ReadPlan

URL_LIMIT = 32_768  # characters of a Web API URL
URL_BUDGET = 30_000  # characters of a query's URL: room for the host and a nextLink
PAGE = 5_000  # rows of a driving page (`$top`)


@dataclasses.dataclass
class WidePlan:
    """How a wide read went (the run log's `read plan:` line)."""

    reason: str
    calls: int = 0
    api: str = "odata-chunks"

    def text(self) -> str:
        return f"{self.api}: {self.reason} ({self.calls} API call{'s' if self.calls != 1 else ''})"


def url_length(prefix: str, params: dict[str, str]) -> int:
    return len(prefix) + 1 + len(urlencode(params, quote_via=quote))


def groups(read: ReadPlan, prefix: str, extra: ast.Expr | None) -> list[list[str]] | None:
    """The read's columns in chunks whose URLs fit (the keys in the first, the id in
    each), or None when one query fits. `prefix`: the URL up to the entity set."""
    if url_length(prefix, _params(read, read.fields, extra)) <= URL_BUDGET:
        return None
    table = read.entity.table
    keys = _keyset(read)
    if not keys:
        raise UsageError(
            f"a read of {len(read.fields)} columns of {table.name} is too long for one URL, "
            "and its order cannot be split into column chunks: drop the order, or read "
            "fewer columns",
            object=table.name,
        )
    base = url_length(prefix, _params(read, keys, extra))
    if base > URL_BUDGET:
        raise UsageError(
            f"the filter of this read of {table.name} is too long for one URL "
            f"({base:,} characters, at most {URL_BUDGET:,}): shorten it",
            object=table.name,
        )
    chunks: list[list[str]] = []
    size = URL_BUDGET + 1
    key = table.key_field
    for name in keys[:-1] + [f for f in read.fields if f not in keys]:
        cost = len(quote("," + values.wire_name(table, name), safe=""))
        if size + cost > URL_BUDGET:
            chunks.append([key])
            size = base
        chunks[-1].append(name)
        size += cost
    return chunks


def _keyset(read: ReadPlan) -> list[str]:
    """(modified, id) for a cursor read, the id for an unordered one, else nothing."""
    table = read.entity.table
    key, modified = table.key_field, table.modified_field
    if not read.order:
        return [key]
    if read.order == [f"{modified} asc", f"{key} asc"]:
        return [modified or "", key]
    return []


def _params(read: ReadPlan, fields: list[str], extra: ast.Expr | None) -> dict[str, str]:
    """The longest query of a chunk of `fields`: with a span's bounds and `$top`."""
    keys = _keyset(read) or [read.entity.table.key_field]
    sample: dict[str, object] = {k: "00000000-0000-0000-0000-000000000000" for k in keys}
    if len(keys) == 2:
        sample[keys[0]] = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    span = keyset.span(keys, sample, sample)
    params = dataclasses.replace(read, fields=fields).params(ast.conjoin(extra, span))
    return {**params, "$orderby": _order(keys), "$top": str(PAGE)}


class WideReader:
    def __init__(self, reader: Reader, page: int | None = None) -> None:
        self.reader, self.page = reader, page or PAGE

    def rows(
        self, read: ReadPlan, chunks: list[list[str]], extra: ast.Expr | None
    ) -> Iterator[list[dict]]:
        keys = _keyset(read)
        last: dict | None = None
        while True:
            after = ast.conjoin(extra, keyset.after(keys, last) if last else None)
            driver = self._query(read, chunks[0], after, keys, self.page)
            if not driver:
                return
            span = keyset.span(keys, driver[0], driver[-1])
            bounded = span if extra is None else ast.And((extra, span))
            yield self._joined(read, chunks, driver, bounded, keys)
            if len(driver) < self.page:
                return
            last = driver[-1]

    def _joined(
        self,
        read: ReadPlan,
        chunks: list[list[str]],
        driver: list[dict],
        span: ast.Expr,
        keys: list[str],
    ) -> list[dict]:
        others = (self._query(read, fields, span, keys, None) for fields in chunks[1:])
        return keyset.joined(read.entity.table.key_field, driver, others, read.fields)

    def _query(
        self,
        read: ReadPlan,
        fields: list[str],
        extra: ast.Expr | None,
        keys: list[str],
        top: int | None,
    ) -> list[dict]:
        chunk = dataclasses.replace(read, fields=fields, order=[])
        params = {**chunk.params(extra), "$orderby": _order(keys)}
        if top is not None:
            params["$top"] = str(top)
        convert = values.row_reader(read.entity.table, fields)
        pages = self.reader.pages(read.entity.entity_set, params, convert)
        return [row for batch in pages for row in batch]


def _order(keys: list[str]) -> str:
    return ",".join(f"{k} asc" for k in keys)
