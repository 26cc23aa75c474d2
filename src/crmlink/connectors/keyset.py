"""Keyset paging for reads in field chunks: key-order conditions as filter AST nodes (the
rows after one row, or up to it, in the order of one key column or of the compound
(modified, id); values are bound literals, never text), and the chunks' rows joined by key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from crmlink.filters import ast


def after(keys: list[str], row: dict, inclusive: bool = False) -> ast.Expr:
    """Rows after `row` (at or after it when `inclusive`) in the order of `keys`."""
    *head, last = keys
    op = ast.Op.GE if inclusive else ast.Op.GT
    condition: ast.Expr = ast.Comparison(last, op, _value(row[last]))
    if head:
        first = head[0]
        tie = ast.And((ast.Comparison(first, ast.Op.EQ, _value(row[first])), condition))
        condition = ast.Or((ast.Comparison(first, ast.Op.GT, _value(row[first])), tie))
    return condition


def up_to(keys: list[str], row: dict) -> ast.Expr:
    """Rows at or before `row` in the order of `keys`."""
    *head, last = keys
    condition: ast.Expr = ast.Comparison(last, ast.Op.LE, _value(row[last]))
    if head:
        first = head[0]
        tie = ast.And((ast.Comparison(first, ast.Op.EQ, _value(row[first])), condition))
        condition = ast.Or((ast.Comparison(first, ast.Op.LT, _value(row[first])), tie))
    return condition


def span(keys: list[str], first: dict, last: dict) -> ast.Expr:
    """Rows from `first` to `last`, both included, in the order of `keys`."""
    return ast.And((after(keys, first, inclusive=True), up_to(keys, last)))


def _value(value: object) -> ast.Value:
    if isinstance(value, dt.datetime):
        return ast.DateTime(value)
    return ast.String(str(value))


def joined(
    key: str, driver: list[dict], others: Iterable[list[dict]], fields: list[str]
) -> list[dict]:
    """The driver chunk's rows with every other chunk's fields added by `key`; a row missing
    from another chunk (deleted, or out of the filter, since the first chunk) is left out."""
    merged = {row[key]: row for row in driver}
    for rows in others:
        found = {row[key]: row for row in rows}
        for record_id in list(merged):
            other = found.get(record_id)
            if other is None:
                del merged[record_id]
            else:
                merged[record_id].update(other)
    return [{name: row.get(name) for name in fields} for row in merged.values()]
