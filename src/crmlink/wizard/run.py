"""One wizard run: describe each chosen table, plan its schema, create or migrate it.

A table that fails (a describe error, a database error) is reported and the others go
on; each table is one transaction, so a failure leaves nothing half-made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from crmlink.catalog.schema_model import Schema, SchemaChange
from crmlink.catalog.schemas import SchemaStore
from crmlink.connectors.base import Connector
from crmlink.errors import CrmlinkError
from crmlink.model.naming import short_hash
from crmlink.wizard.migrate import apply_plan
from crmlink.wizard.plan import NotStored, TablePlan, plan_table

MALFORMED = (TypeError, ValueError, KeyError, AttributeError, IndexError)


@dataclass
class TableOutcome:
    table: str
    status: str  # created | migrated | unchanged | failed
    schema: str | None = None
    local_table: str | None = None
    columns: int = 0
    changes: list[SchemaChange] = field(default_factory=list)
    not_stored: list[NotStored] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "status": self.status,
            "schema": self.schema,
            "local_table": self.local_table,
            "columns": self.columns,
            "changes": [c.describe() for c in self.changes],
            "not_stored": [{"field": n.name, "reason": n.reason} for n in self.not_stored],
            "notes": self.notes,
            "error": self.error,
        }


def _avoid_name_clash(store: SchemaStore, plan: TablePlan) -> None:
    """Two remote tables whose safe names collide get distinct, stable names."""
    other = store.find(plan.schema.name)
    if other is not None and other.remote_table != plan.schema.remote_table:
        suffix = short_hash(plan.schema.remote_table or "")
        plan.schema.name = f"{plan.schema.name[:54]}_{suffix}"
        plan.schema.local_table = f"{plan.schema.local_table[:54]}_{suffix}"


def _taken(existing: Schema | None) -> dict[str, str] | None:
    if existing is None:
        return None
    return {f.remote_name: f.column for f in existing.fields if f.remote_name}


def migrate_table(engine: Engine, connector: Connector, account: str, name: str) -> TableOutcome:
    remote = connector.describe(name)
    with engine.begin() as conn:
        store = SchemaStore(conn)
        existing = store.for_remote(account, remote.name)
        plan = plan_table(account, remote, _taken(existing))
        if existing is None:
            _avoid_name_clash(store, plan)
        else:
            plan.schema.name, plan.schema.local_table = existing.name, existing.local_table
        changes = apply_plan(conn, plan, existing)
    status = "created" if existing is None else ("migrated" if changes else "unchanged")
    return TableOutcome(
        table=remote.name,
        status=status,
        schema=plan.schema.name,
        local_table=plan.schema.local_table,
        columns=len(plan.schema.fields),
        changes=changes,
        not_stored=plan.not_stored,
        notes=plan.notes,
    )


def run_wizard(
    engine: Engine,
    connector: Connector,
    account: str,
    tables: list[str],
    progress: Callable[[str], None] = lambda message: None,
) -> list[TableOutcome]:
    outcomes = []
    for name in tables:
        progress(f"Discovering table structure '{name}'")
        try:
            outcomes.append(migrate_table(engine, connector, account, name))
        except (CrmlinkError, SQLAlchemyError) as exc:
            message = getattr(exc, "message", None) or str(exc).splitlines()[0]
            outcomes.append(TableOutcome(table=name, status="failed", error=message))
        except MALFORMED:  # the CRM's metadata of this table has the wrong shape
            message = f"the CRM's describe of {name!r} is malformed: not generated"
            outcomes.append(TableOutcome(table=name, status="failed", error=message))
    return outcomes
