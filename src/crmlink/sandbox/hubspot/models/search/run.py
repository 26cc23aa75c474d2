"""Run a compiled search over the `records` table: the total, one page, the next offset.

HubSpot reaches at most 10,000 results per query: a page stops there, its `paging.next`
still points past it, and an `after` at or over 10,000 is refused with a 400, which is
what real clients meet when they page too far. Archived records are never searched.
Records are searchable as soon as they are written (HubSpot's index lags a few seconds;
the sandbox does not emulate that).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from crmlink.sandbox.hubspot.errors import ValidationFailed
from crmlink.sandbox.hubspot.models.search.compile import Compiler
from crmlink.sandbox.hubspot.models.search.request import SearchRequest
from crmlink.sandbox.hubspot.models.search.terms import TOKEN_FUNCTION, contains_token

RESULT_CAP = 10_000
ROW_COLUMNS = "object_type, id, properties, created_ms, updated_ms, archived, archived_ms"


@dataclass(frozen=True)
class SearchPage:
    total: int
    rows: list[sqlite3.Row]
    next_after: int | None


def past_cap(after: int) -> ValidationFailed:
    return ValidationFailed(
        f"Search results are limited to {RESULT_CAP:,} per query and after={after} is past "
        "them; narrow the filters (for example by hs_lastmodifieddate) to reach the rest."
    )


def prepare(conn: sqlite3.Connection) -> None:
    """Register what compiled searches call (CONTAINS_TOKEN) on a connection."""
    conn.create_function(TOKEN_FUNCTION, 2, contains_token, deterministic=True)


def run_search(
    conn: sqlite3.Connection, object_type: str, request: SearchRequest, compiler: Compiler
) -> SearchPage:
    if request.after >= RESULT_CAP:
        raise past_cap(request.after)
    where = compiler.where(request)
    order = compiler.order(request.sort)
    prepare(conn)
    scope = "object_type = ? AND archived = 0"
    # the count runs apart: a page in index order stops early, the count rides the index
    (total,) = conn.execute(
        f"SELECT count(*) FROM records WHERE {scope} AND {where.text}",
        (object_type, *where.params),
    ).fetchone()
    size = min(request.limit, RESULT_CAP - request.after)
    cursor = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM records WHERE {scope} AND {where.text} "
        f"ORDER BY {order.text} LIMIT ? OFFSET ?",
        (object_type, *where.params, *order.params, size, request.after),
    )
    cursor.row_factory = sqlite3.Row
    rows = cursor.fetchall()
    reached = request.after + len(rows)
    return SearchPage(total, rows, reached if reached < total else None)
