"""Campaign tables activities read and write: `recipient`, a schema's table, any table.

resolve_table(conn, "recipient" | "sfdc_contact" | "my_table") -> Table
table_names(conn) -> the names resolve_table accepts (for close-name suggestions)
column(table, name, what) -> Column    (any case; NotFound with close names)
"""

from __future__ import annotations

import difflib
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, inspect

from crmlink.catalog.recipient import recipient
from crmlink.catalog.schemas import SchemaStore
from crmlink.db.metadata import metadata as catalog_metadata
from crmlink.errors import NotFoundError, UsageError


def resolve_table(conn: Connection, name: str) -> Table:
    """The table behind a schema name or a table name (not a crmlink catalog table)."""
    if name == recipient.name:
        return recipient
    schema = SchemaStore(conn).find(name)
    if schema is not None:
        from crmlink.catalog.local_tables import table_object

        return table_object(schema)
    if is_catalog_table(name):
        raise UsageError(
            f"{name!r} is one of crmlink's own tables: "
            "workflows read and write campaign tables only"
        )
    if inspect(conn).has_table(name):
        return Table(name, MetaData(), autoload_with=conn)
    raise NotFoundError(_unknown_table(conn, name), table=name)


def table_names(conn: Connection) -> list[str]:
    """Every name `resolve_table` accepts: recipient, the schemas, the other tables."""
    names = [recipient.name, *SchemaStore(conn).names()]
    names += [t for t in inspect(conn).get_table_names() if not is_catalog_table(t)]
    return names


def is_catalog_table(name: str) -> bool:
    """A table crmlink's own metadata defines, alembic's version table or a working table,
    in any case (SQLite's names ignore case) and with or without a schema prefix."""
    import crmlink.catalog.schema_tables
    import crmlink.db.tables
    import crmlink.workflow.tables  # noqa: F401 - their tables join the shared metadata

    bare = name.strip().strip('"`[]').rsplit(".", 1)[-1].strip('"`[]').lower()
    own = {t.lower() for t in catalog_metadata.tables} | {"alembic_version"}
    return bare in own or bare.startswith("wk_") or bare.startswith("sqlite_")


def _unknown_table(conn: Connection, name: str) -> str:
    close = difflib.get_close_matches(name, table_names(conn), n=3)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; see `crmlink schema list`"
    return f"no schema or table named {name!r}{hint}"


def column(table: Table, name: str, what: str = "column") -> Column[Any]:
    """The column `name` of `table` (matched in any case), or a NotFoundError."""
    if name in table.c:
        return table.c[name]
    by_lower = {c.name.lower(): c for c in table.columns if not c.name.startswith("_wk_")}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = f"; did you mean: {', '.join(by_lower[c].name for c in close)}?" if close else ""
    raise NotFoundError(f"unknown {what} {name!r} on {_shown(table)}{hint}", column=name)


def _shown(table: Table) -> str:
    return "the input population" if table.name.startswith("wk_") else table.name


def columns(table: Table) -> list[Column[Any]]:
    """The table's own columns (a population's `_wk_` columns left out)."""
    return [c for c in table.columns if not c.name.startswith("_wk_")]
