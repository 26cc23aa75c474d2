"""Write rules every connector shares."""

from __future__ import annotations

from crmlink.errors import UsageError
from crmlink.filters.validate import unknown_field
from crmlink.model import RemoteTable, WriteMode


def match_key(table: RemoteTable, mode: WriteMode, key: str | None, kind: str) -> str | None:
    """The field a write matches records on: none to insert, the record id to update, and
    for an upsert `key` — the record id or a `kind` field (external ID, alternate key)."""
    if mode == WriteMode.INSERT:
        return None
    if mode == WriteMode.UPDATE:
        return table.key_field
    field = table.field(key or table.key_field)
    if field is None:
        raise UsageError(unknown_field(table, key or ""), object=table.name)
    if field.name != table.key_field and not field.external_id:
        raise UsageError(
            f"upsert needs an {kind} or {table.key_field}; {field.name!r} on {table.name} "
            "is neither",
            object=table.name,
            field=field.name,
        )
    return field.name
