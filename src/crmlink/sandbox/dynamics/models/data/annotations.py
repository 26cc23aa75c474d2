"""`Prefer: odata.include-annotations` — formatted values and lookup annotations.

Only pages that ask for annotations are decoded into dicts; lookup display names are
read with one `IN (…)` query per target entity and page.
"""

from __future__ import annotations

import json

from crmlink.sandbox.dynamics.models.data.formatting import formatted
from crmlink.sandbox.dynamics.models.data.tables import table
from crmlink.sandbox.dynamics.models.data.values import quote_ident
from crmlink.sandbox.dynamics.models.metadata.model import AttributeDef, EntityDef, OrgSchema

FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOOKUP_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
NAVIGATION = "Microsoft.Dynamics.CRM.associatednavigationproperty"


def _target(attr: AttributeDef, types: dict) -> str | None:
    if attr.polymorphic:
        return types.get(attr.logical_name)
    return attr.targets[0] if attr.targets else None


def _names(conn, schema: OrgSchema, wanted: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for target, ids in wanted.items():
        entity = schema.entities.get(target)
        if (
            entity is None
            or not entity.primary_name
            or entity.primary_name not in entity.attributes
        ):
            continue
        ids_list = sorted(ids)
        pk, name = quote_ident(entity.primary_id), quote_ident(entity.primary_name)
        for i in range(0, len(ids_list), 500):
            chunk = ids_list[i : i + 500]
            sql = f"SELECT {pk}, {name} FROM {table(entity)} WHERE {pk} IN ({','.join('?' * len(chunk))})"  # noqa: E501
            for rid, label in conn.execute(sql, chunk):
                found[(target, rid)] = label
    return found


def annotate_rows(conn, schema: OrgSchema, entity: EntityDef, attrs, page, prefer) -> list[str]:
    rows = [json.loads(text) for text in page.rows]
    lookups = [a for a in attrs if a.is_lookup]
    wanted: dict[str, set[str]] = {}
    for row, types in zip(rows, page.types, strict=True):
        for attr in lookups:
            target, value = _target(attr, types), row.get(attr.wire_name)
            if target and value:
                wanted.setdefault(target, set()).add(value)
    names = _names(conn, schema, wanted) if prefer.wants(FORMATTED) else {}
    return [
        json.dumps(_annotate(row, types, attrs, names, prefer), separators=(",", ":"))
        for row, types in zip(rows, page.types, strict=True)
    ]


def _annotate(row: dict, types: dict, attrs: list[AttributeDef], names: dict, prefer) -> dict:
    out: dict = {}
    by_wire = {a.wire_name: a for a in attrs}
    for key, value in row.items():
        attr = by_wire.get(key)
        if attr is not None and value is not None:
            out.update(_annotations(attr, value, types, names, prefer))
        out[key] = value
    return out


def _annotations(attr: AttributeDef, value, types: dict, names: dict, prefer) -> dict:
    wire, out = attr.wire_name, {}
    if attr.is_lookup:
        target = _target(attr, types)
        label = names.get((target, value))
        if label is not None and prefer.wants(FORMATTED):
            out[f"{wire}@{FORMATTED}"] = label
        if prefer.wants(NAVIGATION):
            nav = (
                f"{attr.logical_name}_{target}"
                if attr.polymorphic and target
                else attr.logical_name
            )
            out[f"{wire}@{NAVIGATION}"] = nav
        if target and prefer.wants(LOOKUP_NAME):
            out[f"{wire}@{LOOKUP_NAME}"] = target
        return out
    text = formatted(attr, value)
    if text is not None and prefer.wants(FORMATTED):
        out[f"{wire}@{FORMATTED}"] = text
    return out
