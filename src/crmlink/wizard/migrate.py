"""Re-running the wizard on a changed CRM: add, retire, restore and widen — never fail,
never lose data. Each change is returned and recorded in the schema's history."""

from __future__ import annotations

from sqlalchemy import Connection

from crmlink.catalog.local_tables import add_column, change_type, create_table
from crmlink.catalog.schema_model import Schema, SchemaChange, SchemaField
from crmlink.catalog.schemas import SchemaStore
from crmlink.wizard.mapping import widen
from crmlink.wizard.plan import TablePlan


def apply_plan(conn: Connection, plan: TablePlan, existing: Schema | None) -> list[SchemaChange]:
    """Create or migrate the schema and its local table; returns what changed."""
    store = SchemaStore(conn)
    if existing is None:
        create_table(conn, plan.schema)
        changes = [SchemaChange("created", detail=f"{len(plan.schema.fields)} columns")]
        store.save(plan.schema)
        store.record(plan.schema.name, changes)
        return changes
    merged, changes = _merge(conn, existing, plan.schema)
    store.save(merged)
    store.record(merged.name, changes)
    return changes


def _merge(conn: Connection, old: Schema, new: Schema) -> tuple[Schema, list[SchemaChange]]:
    changes: list[SchemaChange] = []
    by_remote = new.by_remote()
    fields: list[SchemaField] = []
    for current in old.fields:
        fresh = by_remote.pop(current.remote_name, None) if current.remote_name else None
        fields.append(_update_field(conn, old, current, fresh, changes))
    for fresh in by_remote.values():  # fields the CRM added since the last run
        add_column(conn, old, fresh)
        changes.append(SchemaChange("added", fresh.column, fresh.local_type.describe()))
        fields.append(fresh)
    merged = Schema(
        name=old.name,
        kind=old.kind,
        local_table=old.local_table,
        label=new.label,
        account=old.account,
        remote_table=old.remote_table,
        key_column=old.key_column or new.key_column,
        modified_column=new.modified_column or old.modified_column,
        fields=fields,
    )
    return merged, changes


def _update_field(
    conn: Connection,
    schema: Schema,
    current: SchemaField,
    fresh: SchemaField | None,
    changes: list[SchemaChange],
) -> SchemaField:
    if fresh is None:
        if not current.retired:
            current.retired = True
            changes.append(SchemaChange("retired", current.column, "gone from the CRM; data kept"))
        return current
    if current.retired:
        changes.append(SchemaChange("restored", current.column, "back in the CRM"))
    kept_type = widen(current.local_type, fresh.local_type)
    if kept_type != current.local_type:
        change_type(conn, schema, current.column, kept_type)
        detail = f"{current.local_type.describe()} -> {kept_type.describe()}"
        changes.append(SchemaChange("widened", current.column, detail))
    elif fresh.local_type != current.local_type:
        detail = (
            f"now {fresh.local_type.describe()} in the CRM; kept "
            f"{current.local_type.describe()} so no value is lost"
        )
        changes.append(SchemaChange("kept", current.column, detail))
    fresh.column, fresh.local_type = current.column, kept_type
    fresh.enumeration, fresh.retired = current.enumeration, False
    fresh.is_key = current.is_key or fresh.is_key
    return fresh
