"""Entity, attribute and option-set metadata in the Web API's JSON shapes.

Entities and attributes loaded from real JSON are served from their own properties;
built-in ones are rendered from their definitions with the same property names.
Labels take the `{"LocalizedLabels": [...], "UserLocalizedLabel": {...}}` form.
"""

from __future__ import annotations

from crmlink.sandbox.dynamics.models.metadata.attribute_properties import (
    attribute_properties,
    fill_attribute_managed,
)
from crmlink.sandbox.dynamics.models.metadata.entity_properties import (
    entity_properties,
    fill_managed,
)
from crmlink.sandbox.dynamics.models.metadata.labels import label
from crmlink.sandbox.dynamics.models.metadata.model import (
    AttributeDef,
    EntityDef,
    Option,
    metadata_id,
)

CRM = "Microsoft.Dynamics.CRM"
_CAST_TYPES = {
    "Customer": "Lookup",
    "Owner": "Lookup",
    "Uniqueidentifier": None,
    "Virtual": None,
}


def cast_name(attr: AttributeDef) -> str | None:
    """The `Microsoft.Dynamics.CRM.XAttributeMetadata` type of an attribute, if any."""
    if attr.raw is not None and attr.raw.get("@odata.type"):
        return attr.raw["@odata.type"].lstrip("#").split(".")[-1].replace("Complex", "", 1)
    kind = _CAST_TYPES.get(attr.attribute_type, attr.attribute_type)
    return f"{kind}AttributeMetadata" if kind else None


def entity_json(entity: EntityDef) -> dict:
    if entity.raw is not None:
        body = dict(entity.raw)
        body.setdefault("MetadataId", entity.metadata_id)
        body.setdefault("PrimaryIdAttribute", entity.primary_id)
        body.setdefault("IsPrivate", False)
        return fill_managed(body, entity)
    name = entity.logical_name
    body = {
        "MetadataId": entity.metadata_id,
        "LogicalName": name,
        "SchemaName": entity.schema_name,
        "EntitySetName": entity.entity_set_name,
        "LogicalCollectionName": entity.entity_set_name,
        "CollectionSchemaName": entity.schema_name + "s",
        "PrimaryIdAttribute": entity.primary_id,
        "PrimaryNameAttribute": entity.primary_name,
        "PrimaryImageAttribute": None,
        "ObjectTypeCode": entity.object_type_code,
        "OwnershipType": entity.ownership,
        "IsCustomEntity": entity.is_custom,
        "IsActivity": False,
        "IsActivityParty": False,
        "IsIntersect": False,
        "IsPrivate": False,
        "IsManaged": not entity.is_custom,
        "IsLogicalEntity": False,
        "IsValidForAdvancedFind": True,
        "ChangeTrackingEnabled": True,
        "IsOptimisticConcurrencyEnabled": True,
        "TableType": "Standard",
        "HasActivities": True,
        "HasNotes": True,
        "IntroducedVersion": "1.0" if entity.is_custom else "5.0.0.0",
        "DisplayName": label(entity.display_name, name, "DisplayName"),
        "DisplayCollectionName": label(entity.display_collection_name, name, "Collection"),
        "Description": label(entity.display_name, name, "Description"),
    }
    return {**entity_properties(entity), **body}


def keys_json(entity: EntityDef) -> list[dict]:
    return [
        {
            "MetadataId": metadata_id(entity.logical_name, "key", *key),
            "LogicalName": f"{entity.logical_name}_{'_'.join(key)}_key",
            "SchemaName": f"{entity.logical_name}_{'_'.join(key)}_key",
            "KeyAttributes": key,
            "EntityLogicalName": entity.logical_name,
            "EntityKeyIndexStatus": "Active",
            "DisplayName": label("_".join(key), entity.logical_name, "key"),
        }
        for key in entity.alternate_keys
    ]


def attribute_json(attr: AttributeDef, entity: EntityDef) -> dict:
    if attr.raw is not None:
        body: dict = {
            k: v for k, v in attr.raw.items() if k not in ("OptionSet", "GlobalOptionSet")
        }
        if body.get("@odata.type"):
            body["@odata.type"] = body["@odata.type"].replace("CRM.Complex", "CRM.")
        return fill_attribute_managed(body) if "AttributeType" in body else body
    body = {}
    cast = cast_name(attr)
    if cast:
        body["@odata.type"] = f"#{CRM}.{cast}"
    body.update(attribute_properties(attr, entity))
    return body


def option_json(opt: Option, *parts: str) -> dict:
    body: dict[str, object] = {
        "Value": opt.value,
        "Color": None,
        "IsManaged": True,
        "ExternalValue": None,
        "ParentValues": [],
        "Tag": None,
        "MetadataId": None,
        "HasChanged": None,
        "Label": label(opt.label, *parts, str(opt.value)),
        "Description": label("", *parts, str(opt.value), "d"),
    }
    if opt.state is not None:
        body["State"] = opt.state
    if opt.default_status is not None:
        body.update({"DefaultStatus": opt.default_status, "InvariantName": opt.invariant})
    return body


def option_set_json(attr: AttributeDef) -> dict:
    if attr.raw is not None:
        raw_set = attr.raw.get("OptionSet") or attr.raw.get("GlobalOptionSet")
        if raw_set:
            return raw_set
    name = attr.option_set_name or f"{attr.entity}_{attr.logical_name}"
    kind = {"MultiSelectPicklist": "Picklist"}.get(attr.attribute_type, attr.attribute_type)
    body: dict[str, object] = {
        "MetadataId": metadata_id("optionset", name),
        "HasChanged": None,
        "IsCustomOptionSet": attr.is_custom,
        "IsGlobal": attr.is_global,
        "IsManaged": not attr.is_custom,
        "Name": name,
        "ExternalTypeName": None,
        "OptionSetType": kind,
        "IntroducedVersion": "1.0",
        "ParentOptionSetName": None,
        "Description": label(attr.display_name, "optionset", name, "d"),
        "DisplayName": label(attr.display_name, "optionset", name),
    }
    if kind == "Boolean":
        true = attr.option_label(1) or "Yes"
        false = attr.option_label(0) or "No"
        body["TrueOption"] = option_json(Option(1, true), name)
        body["FalseOption"] = option_json(Option(0, false), name)
    else:
        body["Options"] = [option_json(o, name) for o in attr.options]
    return body
