"""Migration 0005 creates exactly the tables `crmlink.catalog.users` defines."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from crmlink.catalog.users import users, web_sessions
from crmlink.db import make_engine
from crmlink.db.metadata import metadata
from crmlink.db.migrate import alembic_config, include_object

pytestmark = pytest.mark.empty_database
MINE = {users.name, web_sessions.name}


def test_the_tables_match_the_migration(database):
    with database.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        diffs = compare_metadata(context, metadata)
    assert [d for d in diffs if _table_of(d) in MINE] == []
    assert set(inspect(database.engine).get_table_names()) >= MINE


def _table_of(diff) -> str:
    diff = diff[0] if isinstance(diff, list) else diff
    if diff[0] in ("add_table", "remove_table"):
        return diff[1].name
    if diff[0].endswith(("_index", "_constraint", "_fk")):
        return diff[1].table.name if hasattr(diff[1], "table") else diff[1].parent.name
    return diff[2]


def test_downgrade_drops_them(database_url):
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        command.downgrade(alembic_config(connection), "0004")
    assert not MINE & set(inspect(engine).get_table_names())
    engine.dispose()
