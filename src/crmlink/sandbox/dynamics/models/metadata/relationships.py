"""Relationship metadata derived from the lookup columns: each lookup `A` on table `X`
targeting a table `T` of the schema is the one-to-many relationship `T` → `X` (listed in
T's `OneToManyRelationships` and X's `ManyToOneRelationships`). The built-in schema has no
intersect tables, so `ManyToManyRelationships` is empty unless loaded metadata lists some.

Shapes follow the recorded `EntityDefinitions(account)` with relationships expanded
(tests/reference/dynamics/terraform-provider-power-platform). Navigation property names
are the ones `@odata.bind` accepts: the lookup's name, or `<lookup>_<target>` when it has
several targets.
"""

from __future__ import annotations

from typing import Any

from crmlink.sandbox.dynamics.models.metadata.entity_properties import managed
from crmlink.sandbox.dynamics.models.metadata.labels import label
from crmlink.sandbox.dynamics.models.metadata.model import (
    AttributeDef,
    EntityDef,
    OrgSchema,
    metadata_id,
)

# The names the real platform gives the built-in relationships the sandbox has.
KNOWN_NAMES = {
    ("contact", "parentcustomerid", "account"): "contact_customer_accounts",
    ("contact", "parentcustomerid", "contact"): "contact_customer_contacts",
    ("account", "primarycontactid", "contact"): "account_primary_contact",
    ("account", "parentaccountid", "account"): "account_parent_account",
}
_USER_LOOKUPS = frozenset({"createdby", "modifiedby"})
_CASCADE_KEYS = ("Assign", "Delete", "Archive", "Merge", "Reparent", "Share", "Unshare")


def schema_name(entity: EntityDef, attr: AttributeDef, target: str) -> str:
    known = KNOWN_NAMES.get((entity.logical_name, attr.logical_name, target))
    if known:
        return known
    if attr.logical_name in _USER_LOOKUPS:
        return f"lk_{entity.logical_name}_{attr.logical_name}"
    if attr.attribute_type == "Owner":
        return f"{target}_{entity.logical_name}"
    suffix = f"_{target}" if attr.polymorphic else ""
    return f"{entity.logical_name}_{attr.logical_name}{suffix}"


def _cascade(attr: AttributeDef) -> dict[str, str]:
    """Parental for a customer lookup, RemoveLink for an ordinary one, none for the
    system's user and owner lookups."""
    out = {key: "NoCascade" for key in _CASCADE_KEYS}
    if attr.attribute_type == "Customer":
        out.update(dict.fromkeys(("Assign", "Delete", "Reparent", "Share", "Unshare"), "Cascade"))
    elif attr.logical_name not in _USER_LOOKUPS and attr.attribute_type != "Owner":
        out.update({"Delete": "RemoveLink", "Merge": "Cascade"})
    out["RollupView"] = "NoCascade"
    return out


def one_to_many(schema: OrgSchema, entity: EntityDef, attr: AttributeDef, target: str) -> dict:
    """The relationship `target` (one) → `entity.attr` (many) in the Web API shape."""
    name = schema_name(entity, attr, target)
    referenced = schema.entities[target]
    custom = attr.is_custom or entity.is_custom or referenced.is_custom
    return {
        "MetadataId": metadata_id("relationship", name),
        "HasChanged": None,
        "IsCustomRelationship": custom,
        "IsValidForAdvancedFind": True,
        "SchemaName": name,
        "SecurityTypes": "Append" if attr.attribute_type != "Owner" else "Pointer",
        "IsManaged": not custom,
        "RelationshipType": "OneToManyRelationship",
        "IntroducedVersion": "1.0" if custom else "5.0.0.0",
        "ReferencedAttribute": referenced.primary_id,
        "ReferencedEntity": target,
        "ReferencingAttribute": attr.logical_name,
        "ReferencingEntity": entity.logical_name,
        "IsHierarchical": entity.logical_name == target and attr.attribute_type == "Lookup",
        "EntityKey": None,
        "IsRelationshipAttributeDenormalized": False,
        "ReferencedEntityNavigationPropertyName": name,
        "ReferencingEntityNavigationPropertyName": (
            f"{attr.logical_name}_{target}" if attr.polymorphic else attr.logical_name
        ),
        "RelationshipBehavior": 1 if attr.attribute_type == "Customer" else 0,
        "IsDenormalizedLookup": None,
        "DenormalizedAttributeName": None,
        "IsCustomizable": managed("iscustomizable", True, False),
        "AssociatedMenuConfiguration": _menu(),
        "CascadeConfiguration": _cascade(attr),
        "RelationshipAttributes": [],
    }


def _menu() -> dict[str, Any]:
    return {
        "Behavior": "UseCollectionName",
        "Group": "Details",
        "Order": 10000,
        "IsCustomizable": True,
        "Icon": None,
        "ViewId": "00000000-0000-0000-0000-000000000000",
        "AvailableOffline": True,
        "MenuId": None,
        "QueryApi": None,
        "Label": label(None),
    }


def _lookups(schema: OrgSchema):
    """(table, lookup, target) for every lookup target that is a table of the schema."""
    for entity in schema.entities.values():
        for attr in entity.attributes.values():
            if attr.is_lookup:
                for target in attr.targets:
                    if target in schema.entities:
                        yield entity, attr, target


def _raw(entity: EntityDef, key: str) -> list[dict] | None:
    """A loaded entity's own list; None when absent or empty (RetrieveMetadataChanges
    answers `[]` unless relationships were asked for), so it is derived instead."""
    found = (entity.raw or {}).get(key)
    return list(found) if isinstance(found, list) and found else None


def one_to_many_of(schema: OrgSchema, entity: EntityDef) -> list[dict]:
    """The relationships where `entity` is the referenced (one) side."""
    raw = _raw(entity, "OneToManyRelationships")
    if raw is not None:
        return raw
    name = entity.logical_name
    return [one_to_many(schema, e, a, t) for e, a, t in _lookups(schema) if t == name]


def many_to_one_of(schema: OrgSchema, entity: EntityDef) -> list[dict]:
    """The relationships where `entity` holds the lookup (the many side)."""
    raw = _raw(entity, "ManyToOneRelationships")
    if raw is not None:
        return raw
    name = entity.logical_name
    return [one_to_many(schema, e, a, t) for e, a, t in _lookups(schema) if e.logical_name == name]


def many_to_many_of(schema: OrgSchema, entity: EntityDef) -> list[dict]:
    return _raw(entity, "ManyToManyRelationships") or []


def all_relationships(schema: OrgSchema) -> list[dict]:
    """Every relationship once, for `RelationshipDefinitions` (typed with @odata.type)."""
    seen: dict[str, dict] = {}
    for entity in schema.entities.values():
        for rel in one_to_many_of(schema, entity) + many_to_many_of(schema, entity):
            kind = rel.get("RelationshipType", "OneToManyRelationship")
            typed = {"@odata.type": f"#Microsoft.Dynamics.CRM.{kind}Metadata", **rel}
            seen.setdefault(rel["SchemaName"], typed)
    return list(seen.values())


ONE_TO_MANY_PROPERTIES = frozenset(
    {
        "MetadataId", "HasChanged", "IsCustomRelationship", "IsValidForAdvancedFind",
        "SchemaName", "SecurityTypes", "IsManaged", "RelationshipType", "IntroducedVersion",
        "ReferencedAttribute", "ReferencedEntity", "ReferencingAttribute", "ReferencingEntity",
        "IsHierarchical", "EntityKey", "IsRelationshipAttributeDenormalized",
        "ReferencedEntityNavigationPropertyName", "ReferencingEntityNavigationPropertyName",
        "RelationshipBehavior", "IsDenormalizedLookup", "DenormalizedAttributeName",
        "IsCustomizable", "AssociatedMenuConfiguration", "CascadeConfiguration",
        "RelationshipAttributes",
    }
)  # fmt: skip
MANY_TO_MANY_PROPERTIES = frozenset(
    {
        "MetadataId", "HasChanged", "IsCustomRelationship", "IsValidForAdvancedFind",
        "SchemaName", "SecurityTypes", "IsManaged", "RelationshipType", "IntroducedVersion",
        "Entity1LogicalName", "Entity2LogicalName", "IntersectEntityName",
        "Entity1IntersectAttribute", "Entity2IntersectAttribute",
        "Entity1NavigationPropertyName", "Entity2NavigationPropertyName", "IsCustomizable",
        "Entity1AssociatedMenuConfiguration", "Entity2AssociatedMenuConfiguration",
    }
)  # fmt: skip
