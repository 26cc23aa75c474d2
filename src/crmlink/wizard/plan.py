"""From a CRM table's description to a data schema: which field becomes which column,
and which fields are not stored, with the reason — nothing is dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field

from crmlink.catalog.schema_model import Schema, SchemaField
from crmlink.connectors.describe_guard import is_invalid
from crmlink.model import FieldKind, RemoteField, RemoteTable
from crmlink.model.naming import unique_names
from crmlink.wizard.mapping import local_type
from crmlink.wizard.naming import local_table_name, schema_name


@dataclass(frozen=True)
class NotStored:
    """A remote field with no column of its own, and why."""

    name: str
    reason: str


@dataclass
class TablePlan:
    schema: Schema
    not_stored: list[NotStored] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # stored, but worth saying (anyType…)


def _compound_reason(table: RemoteTable, compound: RemoteField) -> str:
    parts = [f.name for f in table.fields if f.compound_of == compound.name]
    if parts:
        return f"compound {compound.remote_type}: stored as its components {', '.join(parts)}"
    return f"compound {compound.remote_type} with no component fields in the describe: not stored"


def _schema_field(remote: RemoteField, column: str, table: RemoteTable) -> SchemaField:
    column_type = local_type(remote)
    if column_type is None:  # compounds, which plan_table leaves out
        raise ValueError(f"{remote.name} ({remote.kind}) has no column type")
    return SchemaField(
        column=column,
        kind=str(remote.kind),
        local_type=column_type,
        label=remote.label,
        remote_name=remote.name,
        remote_type=remote.remote_type,
        is_key=remote.name == table.key_field,
        is_modified=remote.name == table.modified_field,
        formula=remote.calculated,
        external_id=remote.external_id,
        required=not remote.nillable and remote.createable,
        read_only=not (remote.createable or remote.updateable),
        compound_of=remote.compound_of,
        reference_to=",".join(remote.reference_to) or None,
    )


def _case_collisions(columns: dict[str, str]) -> list[str]:
    """A note for each group of remote names that differ only by case: which column each
    one got (a hash of its exact name keeps them apart, whatever the order)."""
    groups: dict[str, list[str]] = {}
    for name in columns:
        groups.setdefault(name.lower(), []).append(name)
    return [
        f"{' and '.join(sorted(group))} differ only by case: stored as "
        + ", ".join(f"{name} -> {columns[name]}" for name in sorted(group))
        for group in groups.values()
        if len(group) > 1
    ]


def plan_table(account: str, table: RemoteTable, taken: dict[str, str] | None = None) -> TablePlan:
    """The schema for `table`; `taken` keeps the columns an earlier run assigned."""
    stored = [f for f in table.fields if f.kind != FieldKind.COMPOUND and not is_invalid(f)]
    columns = unique_names([f.name for f in stored], taken=taken)
    schema = Schema(
        name=schema_name(account, table.name),
        kind="generated",
        local_table=local_table_name(account, table.name),
        label=table.label,
        account=account,
        remote_table=table.name,
    )
    plan = TablePlan(schema)
    for remote in table.fields:
        if remote.kind == FieldKind.COMPOUND:
            plan.not_stored.append(NotStored(remote.name, _compound_reason(table, remote)))
            continue
        if is_invalid(remote):  # the CRM's metadata of this field has the wrong shape
            plan.not_stored.append(NotStored(remote.name, remote.remote_type))
            continue
        schema_field = _schema_field(remote, columns[remote.name], table)
        schema.fields.append(schema_field)
        if remote.kind == FieldKind.UNSUPPORTED:
            plan.notes.append(
                f"{remote.name}: {remote.remote_type} has no fixed type; stored as text"
            )
    plan.notes += _case_collisions(columns)
    key = next((f for f in schema.fields if f.is_key), None)
    modified = next((f for f in schema.fields if f.is_modified), None)
    schema.key_column = key.column if key else None
    schema.modified_column = modified.column if modified else None
    return plan
