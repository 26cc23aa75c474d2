"""Alembic environment for crmlink: run on the connection `crmlink.db.migrate` hands over."""

from __future__ import annotations

from alembic import context

from crmlink.db.metadata import metadata
from crmlink.db.migrate import include_object


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run crmlink migrations through crmlink.db.migrate.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER through table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("crmlink migrations run online only (crmlink.db.migrate.upgrade)")
run_migrations_online()
