"""The Connector protocol: everything above `connectors/` speaks it (its value types are
in `crmlink.model`).

A connector is opened for one external account (`crmlink.connectors.registry.open_connector`,
keeping its `AccountSettings` as `account`) and exposes the CRM's tables as `RemoteTable`s,
reads rows in batches, reads deletions, writes and deletes with per-row results, and
reports API usage. A new CRM is a new folder implementing this protocol, with a `spec.py`
(`crmlink.connectors.spec.ConnectorSpec`), and one line in `registry.SPECS`.

`read` takes its filter as a parsed, bound AST (`where`: a `crmlink.filters.ast.Expr`),
never as text: callers compose windows and id lists as AST nodes (`ast.conjoin`,
`InList`), and the connector validates the tree against the describe and renders it
(`crmlink.filters.render`). A `Param` left unbound is a FilterError.

`read` may return a `crmlink.connectors.batches.Batches`, whose optional `total` is the
CRM's count of the rows (progress and ETA); any iterator of batches is still a valid read.

`limit`: the caller needs at most this many rows (in the read's order), so the connector
should spend no more calls than they take: the limit in the query (SOQL `LIMIT`, OData
`$top`), one page chain, no split read, no COUNT() for a set that small. It is a
promise of the caller, not of the connector: a read may still give more rows (a
connector that cannot push it down), and the caller keeps the first `limit`.

`fewest_calls`: plan the read for the fewest API calls, not for speed (a workflow's
`read_plan: fewest_calls`, for an org short of its daily allowance): no read split into
ranges read at once, which a slow link rewards with time and charges in calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

from crmlink.filters.ast import Expr
from crmlink.model import (
    AccountSettings,
    DeletedWindow,
    Identity,
    OrderBy,
    ReadCursor,
    RemoteTable,
    TableSummary,
    Usage,
    WriteMode,
    WriteResult,
)


@runtime_checkable
class Connector(Protocol):
    account: AccountSettings  # the external account it was opened for (its spec: its type)

    def identity(self) -> Identity: ...

    def list_tables(self) -> list[TableSummary]: ...

    def describe(self, table: str) -> RemoteTable: ...

    def read(  # noqa: PLR0913 - batches of rows keyed by remote field name, values as Python types
        self,
        table: str,
        fields: list[str],
        *,
        where: Expr | None = None,
        order: list[OrderBy] | None = None,
        cursor: ReadCursor | None = None,
        include_deleted: bool = False,
        ids: list[str] | None = None,
        limit: int | None = None,
        fewest_calls: bool = False,
    ) -> Iterator[list[dict]]: ...

    def read_deleted(self, table: str, start: dt.datetime, end: dt.datetime) -> DeletedWindow: ...

    def write(
        self, table: str, rows: Iterable[dict], mode: WriteMode, key: str | None = None
    ) -> Iterator[WriteResult]: ...

    def delete(self, table: str, ids: Iterable[str]) -> Iterator[WriteResult]: ...

    def usage(self) -> Usage: ...

    @property
    def api_calls(self) -> int:
        """API calls this connector has made since it was opened (runs report them)."""

    def close(self) -> None: ...
