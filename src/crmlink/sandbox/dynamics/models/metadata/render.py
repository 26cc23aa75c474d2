"""Entity, attribute and option-set metadata in the Web API's JSON shapes.

Entities and attributes loaded from real JSON are served from their own properties;
built-in ones are rendered from their definitions with the same property names.
Labels take the `{"LocalizedLabels": [...], "UserLocalizedLabel": {...}}` form.
"""

from __future__ import annotations

from crmlink.sandbox.dynamics.models.metadata.model import (
    AttributeDef,
    EntityDef,
    Option,
    metadata_id,
)

CRM = "Microsoft.Dynamics.CRM"
_TYPE_NAMES = {
    "MultiSelectPicklist": "MultiSelectPicklistType",
    "Uniqueidentifier": "UniqueidentifierType",
}
_CAST_TYPES = {
    "Customer": "Lookup",
    "Owner": "Lookup",
    "Uniqueidentifier": None,
    "Virtual": None,
}


def label(text: str | None, *parts: str) -> dict:
    if text is None:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}
    loc = {
        "Label": text,
        "LanguageCode": 1033,
        "IsManaged": True,
        "MetadataId": metadata_id("label", *parts, text),
        "HasChanged": None,
    }
    return {"LocalizedLabels": [loc], "UserLocalizedLabel": loc}


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
        return body
    name = entity.logical_name
    return {
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
        return body
    body = {}
    cast = cast_name(attr)
    if cast:
        body["@odata.type"] = f"#{CRM}.{cast}"
    body.update(_common_attr(attr, entity))
    body.update(_typed_attr(attr))
    return body


def _common_attr(attr: AttributeDef, entity: EntityDef) -> dict:
    kind = attr.attribute_type
    is_pk = attr.logical_name == entity.primary_id
    system = attr.logical_name in (
        "createdon",
        "modifiedon",
        "versionnumber",
        "createdby",
        "modifiedby",
    )
    return {
        "MetadataId": attr.metadata_id,
        "LogicalName": attr.logical_name,
        "SchemaName": attr.schema_name,
        "EntityLogicalName": entity.logical_name,
        "AttributeType": "Virtual" if kind == "MultiSelectPicklist" else kind,
        "AttributeTypeName": {"Value": _TYPE_NAMES.get(kind, f"{kind}Type")},
        "AttributeOf": None,
        "IsPrimaryId": is_pk,
        "IsPrimaryName": attr.logical_name == entity.primary_name,
        "IsCustomAttribute": attr.is_custom,
        "IsValidForCreate": not system,
        "IsValidForRead": True,
        "IsValidForUpdate": not (system or is_pk),
        "IsValidODataAttribute": True,
        "IsFilterable": True,
        "IsRetrievable": True,
        "IsSearchable": True,
        "IsLogical": False,
        "IsManaged": not attr.is_custom,
        "ColumnNumber": list(entity.attributes).index(attr.logical_name) + 1,
        "RequiredLevel": {
            "Value": "SystemRequired" if is_pk else attr.required,
            "CanBeChanged": not is_pk,
            "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
        },
        "DisplayName": label(attr.display_name, entity.logical_name, attr.logical_name),
        "Description": label(attr.display_name, entity.logical_name, attr.logical_name, "d"),
    }


def _typed_attr(attr: AttributeDef) -> dict:
    kind = attr.attribute_type
    if kind in ("String", "Memo"):
        fmt = "Email" if "email" in attr.logical_name else "Text"
        return {"MaxLength": attr.max_length, "Format": fmt, "FormatName": {"Value": fmt}}
    if kind in ("Money", "Decimal", "Double"):
        bound = 922337203685477 if kind == "Money" else 100000000000
        out = {"Precision": attr.precision, "MinValue": -bound, "MaxValue": bound}
        if kind == "Money":
            out.update({"PrecisionSource": 2, "IsBaseCurrency": False})
        return out
    if kind == "Integer":
        return {"MinValue": -2147483648, "MaxValue": 2147483647, "Format": "None"}
    if kind == "BigInt":
        return {"MinValue": -9223372036854775808, "MaxValue": 9223372036854775807}
    if kind == "DateTime":
        fmt = "DateOnly" if attr.date_only else "DateAndTime"
        behavior = "DateOnly" if attr.date_only else "UserLocal"
        return {"Format": fmt, "DateTimeBehavior": {"Value": behavior}}
    if attr.is_lookup:
        return {"Targets": attr.targets, "Format": "None"}
    if kind in ("Picklist", "MultiSelectPicklist", "State", "Status"):
        return {"DefaultFormValue": -1 if kind == "Picklist" else None}
    if kind == "Boolean":
        return {"DefaultValue": False}
    return {}


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
