"""Reading records as Web API JSON, built by SQLite itself (`json_object`) so a page of
5,000 rows never becomes Python dicts unless annotations are asked for.

Queries page by primary key (keyset) when there is no `$orderby`, by offset otherwise,
and fetch one row more than the page to know whether a next link is due.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from crmlink.sandbox.dynamics.errors import unknown_property
from crmlink.sandbox.dynamics.models.data.tables import table
from crmlink.sandbox.dynamics.models.data.values import (
    json_value_sql,
    quote_ident,
    quote_text,
    type_column,
)
from crmlink.sandbox.dynamics.models.metadata.model import AttributeDef, EntityDef
from crmlink.sandbox.dynamics.models.odata.options import MAX_PAGE_SIZE, QueryOptions
from crmlink.sandbox.dynamics.models.odata.sql import compile_filter

_CHUNK = 50  # json_object() takes at most 127 arguments: 50 pairs per call


def selected(entity: EntityDef, select: list[str] | None) -> list[AttributeDef]:
    """The attributes a `$select` names (all stored ones without it), primary key last."""
    if not select:
        attrs = [a for a in entity.stored if a.logical_name != entity.primary_id]
    else:
        attrs = []
        for name in select:
            attr = entity.by_wire_name(name) or _lookup_by_name(entity, name)
            if attr is None:
                raise unknown_property(name, entity.logical_name)
            if attr.logical_name != entity.primary_id and attr not in attrs:
                attrs.append(attr)
    return [*attrs, entity.attributes[entity.primary_id]]


def _lookup_by_name(entity: EntityDef, name: str) -> AttributeDef | None:
    attr = entity.attributes.get(name)
    return attr if attr is not None and attr.is_lookup else None


def json_columns(attrs: list[AttributeDef]) -> str:
    """SELECT expressions: one or more json_object() chunks with the etag first."""
    pairs = ["'@odata.etag'", """'W/"' || "versionnumber" || '"'"""]
    for attr in attrs:
        pairs += [quote_text(attr.wire_name), json_value_sql(attr)]
    chunks = [pairs[i : i + 2 * _CHUNK] for i in range(0, len(pairs), 2 * _CHUNK)]
    return ", ".join(f"json_object({', '.join(chunk)})" for chunk in chunks)


def join_chunks(row: tuple, n: int) -> str:
    if n == 1:
        return row[0]
    return "{" + ",".join(part[1:-1] for part in row[:n] if len(part) > 2) + "}"


def type_columns(attrs: list[AttributeDef]) -> list[AttributeDef]:
    return [a for a in attrs if a.polymorphic]


@dataclass
class Page:
    rows: list[str]
    types: list[dict[str, str | None]]
    last_id: str | None
    first_id: str | None
    more: bool
    count: int | None = None


class RowReader:
    def __init__(self, entity: EntityDef, attrs: list[AttributeDef]) -> None:
        self.entity = entity
        self.attrs = attrs
        self.n_chunks = (len(attrs) + 1 + _CHUNK - 1) // _CHUNK
        self.typed = type_columns(attrs)
        extra = "".join(f", {type_column(a)}" for a in self.typed)
        pk = quote_ident(entity.primary_id)
        self.select_sql = f"SELECT {json_columns(attrs)}{extra}, {pk} FROM {table(entity)}"

    def _unpack(self, rows: list[tuple]) -> tuple[list[str], list[dict]]:
        n = self.n_chunks
        texts = [join_chunks(r, n) for r in rows]
        types = [{a.logical_name: r[n + i] for i, a in enumerate(self.typed)} for r in rows]
        return texts, types

    def one(self, conn: sqlite3.Connection, where: str, params: list) -> tuple[str, dict] | None:
        row = conn.execute(f"{self.select_sql} WHERE {where}", params).fetchone()
        if row is None:
            return None
        texts, types = self._unpack([row])
        return texts[0], types[0]

    def page(self, conn: sqlite3.Connection, opts: QueryOptions, size: int) -> Page:
        where, params = ["1"], []
        if opts.filter is not None:
            clause, fparams = compile_filter(self.entity, opts.filter)
            where.append(clause)
            params += fparams
        count = self._count(conn, where, params) if opts.count else None
        pk = quote_ident(self.entity.primary_id)
        order, offset = self._order(opts)
        token = opts.skiptoken or {}
        if not opts.orderby and token.get("last"):
            where.append(f"{pk} > ?")
            params.append(token["last"])
        elif opts.orderby and token.get("page", 1) > 1:
            offset = (token["page"] - 1) * size
        limit = min(opts.top, MAX_PAGE_SIZE) if opts.top is not None else size + 1
        sql = f"{self.select_sql} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?"
        rows = conn.execute(sql, [*params, limit, offset]).fetchall()
        more = opts.top is None and len(rows) > size
        rows = rows[:size] if more else rows
        texts, types = self._unpack(rows)
        first = rows[0][-1] if rows else None
        last = rows[-1][-1] if rows else None
        return Page(texts, types, last, first, more, count)

    def _order(self, opts: QueryOptions) -> tuple[str, int]:
        parts = []
        for name, desc in opts.orderby:
            attr = self.entity.by_wire_name(name)
            if attr is None:
                raise unknown_property(name, self.entity.logical_name)
            parts.append(f"{quote_ident(attr.logical_name)}{' DESC' if desc else ''}")
        parts.append(quote_ident(self.entity.primary_id))
        return ", ".join(parts), 0

    def _count(self, conn: sqlite3.Connection, where: list[str], params: list) -> int:
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {table(self.entity)} WHERE {' AND '.join(where)} LIMIT 5000)"  # noqa: E501
        return conn.execute(sql, params).fetchone()[0]

    def changed_since(self, conn: sqlite3.Connection, version: int) -> tuple[list[str], list[dict]]:
        sql = f'{self.select_sql} WHERE "versionnumber" > ? ORDER BY "versionnumber"'
        return self._unpack(conn.execute(sql, [version]).fetchall())
