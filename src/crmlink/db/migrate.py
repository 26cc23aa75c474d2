"""Alembic, configured in code: `upgrade(engine)` brings any database to the newest schema.

Every command that opens the database calls it (through `open_database`), so a newer
crmlink upgrades an older database on start. No alembic.ini is needed; for development,
`alembic_config()` gives a Config usable with `alembic.command` (revision, downgrade, …).

The migration scripts are explicit DDL, so running them needs no table definitions. Each
package defines its own tables on the shared `crmlink.db.metadata.metadata` (db names none
of them); `alembic revision --autogenerate` compares what is imported, so import the
packages whose tables you changed first (e.g. `import crmlink.workflow.tables`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from crmlink import __version__
from crmlink.db.engine import READ_ONLY
from crmlink.errors import UsageError

if TYPE_CHECKING:  # alembic is imported only to migrate: every command opens the database
    from alembic.config import Config
    from sqlalchemy.schema import SchemaItem

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration's revision, so that opening an up-to-date database needs no alembic
# (a third of a command's start-up): migrations are `NNNN_name.py` with revision "NNNN";
# tests/test_startup_imports.py checks this is alembic's head.
HEAD = max(p.name.partition("_")[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))
_PG_LOCK = 0x63726D6C  # "crml": one migrating process at a time on a shared PostgreSQL


def include_object(
    obj: SchemaItem,
    name: str | None,
    type_: str,
    reflected: bool,
    compare_to: SchemaItem | None,
) -> bool:
    """Autogenerate filter: tables the wizard generates are not migration-managed."""
    return not (type_ == "table" and reflected and compare_to is None)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"crmlink's migrations have {len(heads)} heads: merge them")
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Migrate the database to the newest revision (if needed); return that revision."""
    with engine.connect() as reader:  # the common case: up to date, no write lock taken
        if _stored_revision(reader.execution_options(**{READ_ONLY: True})) == HEAD:
            return HEAD
    from alembic import command

    head = head_revision()
    with engine.begin() as connection:
        _lock(connection)
        current = current_revision(connection)
        if current == head:
            return head
        _check_known(current)
        if current is None:
            _check_empty(connection)
        command.upgrade(alembic_config(connection), "head")
        _record(connection, "schema_revision", head)
        _record(connection, "upgraded_by", f"crmlink {__version__}")
    return head


def _stored_revision(connection: Connection) -> str | None:
    """The one revision in alembic's version table, read without alembic; None when there
    is no table or not exactly one row (alembic then looks, and says what is wrong)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return str(rows[0][0]) if len(rows) == 1 else None


def _record(connection: Connection, key: str, value: str) -> None:
    connection.execute(text("DELETE FROM catalog_info WHERE key = :key"), {"key": key})
    connection.execute(
        text("INSERT INTO catalog_info (key, value) VALUES (:key, :value)"),
        {"key": key, "value": value},
    )


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":  # released at commit
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})


def _check_known(revision: str | None) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    if revision is None:
        return
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        raise UsageError(
            f"the database was migrated by a newer crmlink (schema revision {revision}): "
            "upgrade crmlink to use it"
        ) from None


def _check_empty(connection: Connection) -> None:
    """crmlink creates its catalog only in a database of its own: one with tables but no
    crmlink schema revision belongs to something else, and crmlink's tables (accounts,
    recipient…) would land among them."""
    found = sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})
    if not found:
        return
    engine_url = connection.engine.url
    url = engine_url.set(drivername=engine_url.get_backend_name()).render_as_string(True)
    names = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    raise UsageError(
        f"the database {url[:160]} is not crmlink's: it holds other tables ({names[:200]}) and "
        "no crmlink catalog; give crmlink a database of its own (an empty one the first "
        "time) in CRMLINK_DATABASE_URL"
    )
