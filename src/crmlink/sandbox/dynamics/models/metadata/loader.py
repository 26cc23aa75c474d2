"""Load entity metadata from real Dataverse JSON instead of the built-in entities.

Accepted files (any mix, in one folder):
- `RetrieveMetadataChanges` responses (`{"EntityMetadata": [{…, "Attributes": […]}]}`);
- `EntityDefinitions(...)` single entities, with or without `Attributes`;
- `EntityDefinitions('x')/Attributes` lists (`{"value": [...]}`), matched to their entity
  by the name in `@odata.context`.
Attributes computed by the platform (`AttributeOf` set, virtual columns) are kept in the
metadata but get no storage column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from crmlink.sandbox.dynamics.models.metadata.model import (
    AttributeDef,
    EntityDef,
    Option,
    OrgSchema,
)

_CONTEXT_ENTITY = re.compile(r"EntityDefinitions\('([^']+)'\)/Attributes")
_TYPE = re.compile(r"#Microsoft\.Dynamics\.CRM\.(?:Complex)?(\w+)AttributeMetadata")


def load_schema(folder: Path) -> OrgSchema:
    schema = OrgSchema()
    pending: dict[str, list[dict]] = {}
    for path in sorted(Path(folder).glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        for raw in _entities_in(doc):
            _merge(schema, entity_from_json(raw))
        match = _CONTEXT_ENTITY.search(str(doc.get("@odata.context", "")))
        if match and isinstance(doc.get("value"), list):
            pending.setdefault(match.group(1), []).extend(doc["value"])
    for name, attrs in pending.items():
        entity = schema.entities.get(name)
        if entity is not None:
            for raw in attrs:
                if raw.get("LogicalName") not in entity.attributes:
                    _add_attr(entity, raw)
    if not schema.entities:
        raise ValueError(f"no entity metadata found in {folder}")
    for entity in schema.entities.values():
        _ensure_system_columns(entity)
    return schema


def _merge(schema: OrgSchema, entity: EntityDef) -> None:
    """Several files may describe one entity: keep every attribute any of them gives."""
    known = schema.entities.get(entity.logical_name)
    if known is not None:
        for name, attr in known.attributes.items():
            entity.attributes.setdefault(name, attr)
        entity.alternate_keys = entity.alternate_keys or known.alternate_keys
    schema.add(entity)


def _entities_in(doc: dict) -> list[dict]:
    if isinstance(doc.get("EntityMetadata"), list):
        return doc["EntityMetadata"]
    if doc.get("LogicalName") and doc.get("EntitySetName"):
        return [doc]
    return []


def entity_from_json(raw: dict) -> EntityDef:
    name = raw["LogicalName"]
    keys = [list(k.get("KeyAttributes") or []) for k in raw.get("Keys") or []]
    entity = EntityDef(
        name,
        raw["EntitySetName"],
        raw.get("PrimaryIdAttribute") or f"{name}id",
        raw.get("PrimaryNameAttribute"),
        display_name=_label(raw.get("DisplayName")) or raw.get("SchemaName") or name,
        display_collection_name=_label(raw.get("DisplayCollectionName")) or raw["EntitySetName"],
        schema_name=raw.get("SchemaName") or name,
        object_type_code=raw.get("ObjectTypeCode") or 10000,
        is_custom=bool(raw.get("IsCustomEntity")),
        ownership=raw.get("OwnershipType") or "UserOwned",
        alternate_keys=[k for k in keys if k],
        metadata_id=(raw.get("MetadataId") or "").lower(),
        raw={k: v for k, v in raw.items() if k not in _NAV_PROPERTIES},
    )
    for attr in raw.get("Attributes") or []:
        _add_attr(entity, attr)
    return entity


_NAV_PROPERTIES = frozenset(
    {
        "Attributes",
        "Keys",
        "OneToManyRelationships",
        "ManyToOneRelationships",
        "ManyToManyRelationships",
        "Privileges",
        "@odata.context",
    }
)


def _label(label: dict | None) -> str | None:
    if not isinstance(label, dict):
        return None
    user = label.get("UserLocalizedLabel")
    if isinstance(user, dict) and user.get("Label"):
        return user["Label"]
    for loc in label.get("LocalizedLabels") or []:
        if loc.get("Label"):
            return loc["Label"]
    return None


def _kind(raw: dict) -> str:
    match = _TYPE.match(raw.get("@odata.type") or "")
    odata_kind = match.group(1) if match else None
    if odata_kind == "MultiSelectPicklist":
        return "MultiSelectPicklist"
    kind = raw.get("AttributeType") or odata_kind or "Virtual"
    if raw.get("AttributeOf") or kind in ("Virtual", "CalendarRules", "ManagedProperty"):
        return "Virtual"
    if kind in ("PartyList", "File", "Image"):
        return "Virtual"
    return kind


def _add_attr(entity: EntityDef, raw: dict) -> None:
    option_set = raw.get("OptionSet") or raw.get("GlobalOptionSet") or {}
    opts = [_option(o) for o in option_set.get("Options") or []]
    for key in ("FalseOption", "TrueOption"):
        if option_set.get(key):
            opts.append(_option(option_set[key]))
    attr = AttributeDef(
        raw["LogicalName"],
        _kind(raw),
        _label(raw.get("DisplayName")) or "",
        schema_name=raw.get("SchemaName") or "",
        targets=list(raw.get("Targets") or []),
        options=opts,
        option_set_name=option_set.get("Name"),
        is_global=bool(option_set.get("IsGlobal")),
        precision=raw.get("Precision"),
        max_length=raw.get("MaxLength"),
        date_only=raw.get("Format") == "DateOnly",
        is_custom=bool(raw.get("IsCustomAttribute")),
        metadata_id=(raw.get("MetadataId") or "").lower(),
        raw=raw,
    )
    entity.add(attr)


def _option(raw: dict) -> Option:
    return Option(
        int(raw.get("Value") or 0),
        _label(raw.get("Label")) or str(raw.get("Value")),
        state=raw.get("State"),
        default_status=raw.get("DefaultStatus"),
        invariant=raw.get("InvariantName"),
    )


def _ensure_system_columns(entity: EntityDef) -> None:
    """Every stored table needs its primary key and a row version for ETags and deltas."""
    if entity.primary_id not in entity.attributes:
        entity.add(AttributeDef(entity.primary_id, "Uniqueidentifier"))
    entity.attributes[entity.primary_id].attribute_type = "Uniqueidentifier"
    for name, kind in (("versionnumber", "BigInt"), ("createdon", "DateTime")):
        if name not in entity.attributes or entity.attributes[name].attribute_type == "Virtual":
            entity.add(AttributeDef(name, kind))
    if "modifiedon" not in entity.attributes:
        entity.add(AttributeDef("modifiedon", "DateTime"))
