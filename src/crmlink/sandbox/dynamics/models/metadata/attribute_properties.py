"""Every property of a built-in attribute in the Web API's `AttributeMetadata` shape.

The property set of each attribute type follows the recorded attribute metadata of real
orgs (tests/reference/dynamics/dataverse-gen): the common `AttributeMetadata` properties
(with their managed properties as `{"Value", "CanBeChanged",
"ManagedPropertyLogicalName"}`), then the type's own (`MaxLength`, `Targets`,
`DateTimeBehavior`, …). `OptionSet` is a navigation property, answered only on `$expand`.
"""

from __future__ import annotations

from typing import Any

from crmlink.sandbox.dynamics.models.metadata.entity_properties import managed
from crmlink.sandbox.dynamics.models.metadata.labels import label
from crmlink.sandbox.dynamics.models.metadata.model import AttributeDef, EntityDef

_TYPE_NAMES = {
    "MultiSelectPicklist": "MultiSelectPicklistType",
    "Uniqueidentifier": "UniqueidentifierType",
}
_SYSTEM = frozenset({"createdon", "modifiedon", "versionnumber", "createdby", "modifiedby"})
# types a formula (calculated/rollup column) can define: they carry SourceType 0
_CALCULABLE = frozenset(
    {"String", "Integer", "Money", "Decimal", "Double", "DateTime", "Boolean", "Picklist"}
    | {"MultiSelectPicklist"}
)
_MANAGED = (  # property, logical name, Value, CanBeChanged
    ("IsAuditEnabled", "canmodifyauditsettings", True, True),
    ("IsGlobalFilterEnabled", "canmodifyglobalfiltersettings", False, True),
    ("IsSortableEnabled", "canmodifyissortablesettings", False, True),
    ("IsCustomizable", "iscustomizable", True, False),
    ("IsRenameable", "isrenameable", True, False),
    ("IsValidForAdvancedFind", "canmodifysearchsettings", True, True),
)
_BOUNDS = {
    "Integer": 2147483647,
    "BigInt": 9223372036854775807,
    "Money": 922337203685477,
    "Decimal": 100000000000,
    "Double": 100000000000,
}


def attribute_properties(attr: AttributeDef, entity: EntityDef) -> dict[str, Any]:
    """The common properties, then the type's own."""
    is_pk = attr.logical_name == entity.primary_id
    return {**_common(attr, entity), **_managed(attr, is_pk), **typed_properties(attr)}


def _common(attr: AttributeDef, entity: EntityDef) -> dict[str, Any]:
    kind, name = attr.attribute_type, attr.logical_name
    is_pk = name == entity.primary_id
    system = name in _SYSTEM
    return {
        "AttributeOf": None,
        "AttributeType": "Virtual" if kind == "MultiSelectPicklist" else kind,
        "ColumnNumber": list(entity.attributes).index(name) + 1,
        "DeprecatedVersion": None,
        "IntroducedVersion": "1.0" if attr.is_custom else "5.0.0.0",
        "EntityLogicalName": entity.logical_name,
        "IsCustomAttribute": attr.is_custom,
        "IsPrimaryId": is_pk,
        "IsValidODataAttribute": True,
        "IsPrimaryName": name == entity.primary_name,
        "IsValidForCreate": not system,
        "IsValidForRead": True,
        "IsValidForUpdate": not (system or is_pk),
        "CanBeSecuredForRead": False,
        "CanBeSecuredForCreate": False,
        "CanBeSecuredForUpdate": False,
        "IsSecured": False,
        "IsRetrievable": True,
        "IsFilterable": True,
        "IsSearchable": True,
        "IsManaged": not attr.is_custom,
        "LinkedAttributeId": None,
        "LogicalName": name,
        "IsValidForForm": not system,
        "IsRequiredForForm": is_pk,
        "IsValidForGrid": True,
        "SchemaName": attr.schema_name,
        "ExternalName": None,
        "IsLogical": False,
        "IsDataSourceSecret": False,
        "InheritsFrom": None,
        "CreatedOn": "1900-01-01T00:00:00Z",
        "ModifiedOn": "2024-01-01T00:00:00Z",
        "SourceType": 0 if kind in _CALCULABLE else None,
        "AutoNumberFormat": None,
        "MetadataId": attr.metadata_id,
        "HasChanged": None,
        "AttributeTypeName": {"Value": _TYPE_NAMES.get(kind, f"{kind}Type")},
        "Description": label(attr.display_name, entity.logical_name, name, "d"),
        "DisplayName": label(attr.display_name, entity.logical_name, name),
    }


def _managed(attr: AttributeDef, is_pk: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        prop: managed(logical, value, can) for prop, logical, value, can in _MANAGED
    }
    out["RequiredLevel"] = {
        "Value": "SystemRequired" if is_pk else attr.required,
        "CanBeChanged": not is_pk,
        "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
    }
    out["CanModifyAdditionalSettings"] = managed("canmodifyadditionalsettings", True, True)
    out["Settings"] = []
    return out


def fill_attribute_managed(body: dict[str, Any]) -> dict[str, Any]:
    """A loaded attribute's JSON with the managed properties its dump left null."""
    for prop, logical, value, can in _MANAGED:
        if body.get(prop) is None:
            body[prop] = managed(logical, value, can)
    if body.get("CanModifyAdditionalSettings") is None:
        body["CanModifyAdditionalSettings"] = managed("canmodifyadditionalsettings", True, True)
    return body


def typed_properties(attr: AttributeDef) -> dict[str, Any]:
    kind = attr.attribute_type
    if attr.is_lookup:
        return {"Targets": attr.targets, "Format": "None"}
    maker = _TYPED.get(kind)
    return maker(attr) if maker else {}


def _formula() -> dict[str, Any]:
    return {"FormulaDefinition": None, "SourceTypeMask": 0}


def _string(attr: AttributeDef) -> dict[str, Any]:
    fmt = "Email" if "email" in attr.logical_name else "Text"
    length = attr.max_length or 100
    return {
        "Format": fmt,
        "ImeMode": "Auto",
        "MaxLength": length,
        "YomiOf": None,
        "IsLocalizable": False,
        "DatabaseLength": length * 2,
        **_formula(),
        "FormatName": {"Value": fmt},
    }


def _memo(attr: AttributeDef) -> dict[str, Any]:
    return {
        "Format": "TextArea",
        "ImeMode": "Auto",
        "MaxLength": attr.max_length or 2000,
        "IsLocalizable": False,
        "FormatName": {"Value": "TextArea"},
    }


def _number(attr: AttributeDef) -> dict[str, Any]:
    kind = attr.attribute_type
    bound = _BOUNDS[kind]
    out: dict[str, Any] = {"MaxValue": bound, "MinValue": -bound - (kind in ("Integer", "BigInt"))}
    if kind == "BigInt":
        return out
    if kind == "Integer":
        return {"Format": "None", **out, **_formula()}
    out.update({"ImeMode": "Auto", "Precision": attr.precision})
    if kind == "Money":
        out.update({"PrecisionSource": 2, "CalculationOf": None})
    out.update(_formula())
    if kind == "Money":
        out["IsBaseCurrency"] = False
    return out


def _datetime(attr: AttributeDef) -> dict[str, Any]:
    fmt = "DateOnly" if attr.date_only else "DateAndTime"
    return {
        "Format": fmt,
        "ImeMode": "Inactive",
        "SourceTypeMask": 0,
        "FormulaDefinition": None,
        "DateTimeBehavior": {"Value": "DateOnly" if attr.date_only else "UserLocal"},
        "CanChangeDateTimeBehavior": managed("canchangedatetimebehavior", False, False),
    }


def _choice(attr: AttributeDef) -> dict[str, Any]:
    if attr.attribute_type in ("State", "Status"):
        return {"DefaultFormValue": None}
    return {
        "DefaultFormValue": -1,
        **_formula(),
        "ParentPicklistLogicalName": None,
        "ChildPicklistLogicalNames": [],
    }


def _boolean(attr: AttributeDef) -> dict[str, Any]:
    return {"DefaultValue": False, **_formula()}


def _entity_name(attr: AttributeDef) -> dict[str, Any]:
    return {"DefaultFormValue": None, "IsEntityReferenceStored": False}


_TYPED = {
    "String": _string,
    "Memo": _memo,
    "Integer": _number,
    "BigInt": _number,
    "Money": _number,
    "Decimal": _number,
    "Double": _number,
    "DateTime": _datetime,
    "Picklist": _choice,
    "MultiSelectPicklist": _choice,
    "State": _choice,
    "Status": _choice,
    "Boolean": _boolean,
    "EntityName": _entity_name,
}
