"""The SELECT statements the Salesforce connector sends, from rendered conditions
(`crmlink.filters.render.soql` renders the conditions)."""

from __future__ import annotations

from crmlink.filters.render.soql import ident


def select(
    table: str,
    fields: list[str],
    where: list[str] | None = None,
    order: list[tuple[str, bool]] | None = None,
    limit: int | None = None,
) -> str:
    """`SELECT … FROM … [WHERE a AND b] [ORDER BY …] [LIMIT n]` from rendered parts."""
    text = f"SELECT {', '.join(ident(f) for f in fields)} FROM {ident(table)}"
    conditions = [w for w in (where or []) if w]
    if conditions:
        text += " WHERE " + " AND ".join(conditions)
    if order:
        text += " ORDER BY " + ", ".join(f"{ident(f)}{' DESC' if d else ''}" for f, d in order)
    if limit is not None:
        text += f" LIMIT {int(limit)}"
    return text


def count(table: str, where: list[str] | None = None) -> str:
    return select(table, [], where).replace("SELECT  FROM", "SELECT COUNT() FROM", 1)
