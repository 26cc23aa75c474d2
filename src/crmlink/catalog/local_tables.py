"""DDL for the local tables behind data schemas: create, add a column, widen a type.

Identifiers always go through the dialect's quoting; types through SQLAlchemy's type
compiler. SQLite stores any value in any column, so widening there only updates the
catalog; PostgreSQL gets `ALTER COLUMN … TYPE`.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, MetaData, Table, text

from crmlink.catalog.schema_model import Schema, SchemaField
from crmlink.model import LocalType


def table_object(schema: Schema, metadata: MetaData | None = None) -> Table:
    """A SQLAlchemy Table for the schema's local table (every field, retired ones too)."""
    columns = [
        Column(f.column, f.local_type.sqlalchemy(), primary_key=f.is_key, nullable=not f.is_key)
        for f in schema.fields
    ]
    return Table(schema.local_table, metadata or MetaData(), *columns)


def create_table(conn: Connection, schema: Schema) -> None:
    table_object(schema).create(conn, checkfirst=True)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _type_sql(conn: Connection, local: LocalType) -> str:
    return local.sqlalchemy().compile(dialect=conn.dialect)


def add_column(conn: Connection, schema: Schema, field: SchemaField) -> None:
    table, column = _quote(conn, schema.local_table), _quote(conn, field.column)
    conn.execute(
        text(f"ALTER TABLE {table} ADD COLUMN {column} {_type_sql(conn, field.local_type)}")
    )


def change_type(conn: Connection, schema: Schema, column: str, new: LocalType) -> None:
    if conn.dialect.name == "sqlite":
        return  # dynamic typing: every existing value stays as it is
    table, col = _quote(conn, schema.local_table), _quote(conn, column)
    sql_type = _type_sql(conn, new)
    conn.execute(
        text(f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {sql_type} USING {col}::{sql_type}")
    )
