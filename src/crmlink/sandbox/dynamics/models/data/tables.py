"""The org's tables in SQLite: one per entity, one column per stored attribute.

Every identifier is quoted (metadata may come from outside); the primary key clusters
the table (`WITHOUT ROWID`) so paging by id is an index walk. `versionnumber` is the
org-wide row version behind ETags and change tracking; deletes leave a tombstone in
`_dv_deleted` for delta links.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from crmlink.sandbox.core.store import SqliteStore
from crmlink.sandbox.dynamics.models.data.values import quote_ident, sql_type, type_column
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef, OrgSchema

META = "_dv_meta"
DELETED = "_dv_deleted"


def table(entity: EntityDef) -> str:
    return quote_ident(entity.logical_name)


def columns(entity: EntityDef) -> list[tuple[str, str]]:
    """(quoted column, SQL type) for every stored attribute and lookup target column."""
    out = []
    for attr in entity.stored:
        out.append((quote_ident(attr.logical_name), sql_type(attr)))
        if attr.polymorphic:
            out.append((type_column(attr), "TEXT"))
    return out


def create_table_sql(entity: EntityDef) -> list[str]:
    pk = quote_ident(entity.primary_id)
    cols = [
        f"{name} {kind}" + (" PRIMARY KEY" if name == pk else "") for name, kind in columns(entity)
    ]
    name = entity.logical_name
    stmts = [f"CREATE TABLE IF NOT EXISTS {table(entity)} ({', '.join(cols)}) WITHOUT ROWID"]
    stmts.append(
        f"CREATE INDEX IF NOT EXISTS {quote_ident(name + '__version')} "
        f'ON {table(entity)} ("versionnumber")'
    )
    for i, key in enumerate(entity.alternate_keys):
        if all(k in entity.attributes for k in key):
            cols_sql = ", ".join(quote_ident(k) + " COLLATE NOCASE" for k in key)
            stmts.append(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {quote_ident(f'{name}__key{i}')} "
                f"ON {table(entity)} ({cols_sql})"
            )
    return stmts


class OrgStore:
    """The org's SQLite state: tables, the row-version counter and delete tombstones."""

    def __init__(self, store: SqliteStore, schema: OrgSchema) -> None:
        self.sqlite = store
        self.schema = schema
        with store.transaction() as conn:
            self._create(conn)

    def _create(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {META} (name TEXT PRIMARY KEY, value INTEGER)")
        conn.execute(f"INSERT OR IGNORE INTO {META} VALUES ('version', 1000)")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {DELETED} "
            "(entity TEXT, id TEXT, versionnumber INTEGER, deletedon TEXT)"
        )
        conn.execute(
            f"CREATE INDEX IF NOT EXISTS _dv_deleted_v ON {DELETED} (entity, versionnumber)"
        )
        for entity in self.schema.entities.values():
            for stmt in create_table_sql(entity):
                conn.execute(stmt)

    def drop_all(self) -> None:
        with self.sqlite.transaction() as conn:
            for entity in [*self.schema.entities.values(), *self.schema.forget_created()]:
                conn.execute(f"DROP TABLE IF EXISTS {table(entity)}")
            conn.execute(f"DROP TABLE IF EXISTS {META}")
            conn.execute(f"DROP TABLE IF EXISTS {DELETED}")
            self._create(conn)

    def next_versions(self, conn: sqlite3.Connection, count: int = 1) -> int:
        """Reserve `count` row versions; returns the first."""
        row = conn.execute(
            f"UPDATE {META} SET value = value + ? WHERE name = 'version' RETURNING value", (count,)
        ).fetchone()
        return row[0] - count + 1

    def current_version(self, conn: sqlite3.Connection) -> int:
        return conn.execute(f"SELECT value FROM {META} WHERE name = 'version'").fetchone()[0]

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self.sqlite.transaction() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.sqlite.reader() as conn:
            yield conn

    def count(self, entity: EntityDef) -> int:
        with self.read() as conn:
            return conn.execute(f"SELECT count(*) FROM {table(entity)}").fetchone()[0]
