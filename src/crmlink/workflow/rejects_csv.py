"""A run's rejected rows as CSV records, for `workflow rejects --csv` and the web console's
download: one header naming every row's columns, and text a spreadsheet would run as a
formula defused (OWASP "CSV injection": a cell starting `=`, `+`, `-`, `@`, tab or CR gets a
leading `'`). Rows are CRM data: untrusted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from crmlink.workflow.records import iter_rejects

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TRAILER = ("error_code", "error_symbol", "error_message")


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet would take for a formula, prefixed with `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def reject_header(conn: Connection, run_id: int) -> list[str]:
    """`activity`, every column any rejected row has (first seen first), the error's."""
    keys: dict[str, None] = {}
    for batch in iter_rejects(conn, run_id):
        for row in batch:
            keys.update(dict.fromkeys(row["row"]))
    return ["activity", *keys, *TRAILER]


def reject_records(conn: Connection, run_id: int, header: list[str]) -> Iterator[list[dict]]:
    """Batches of CSV records (dicts keyed by `header`), every cell defused."""
    for batch in iter_rejects(conn, run_id):
        records = []
        for row in batch:
            cells: dict[str, Any] = {**row["row"], **{k: row[k] for k in header if k in row}}
            records.append({k: safe_cell(v) for k, v in cells.items()})
        yield records
