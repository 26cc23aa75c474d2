"""EntityDefinitions to `RemoteTable`s: the one type-mapping table of this CRM.

`describe` reads the entity with its attributes, its alternate keys, and the option
sets of its choice columns through the typed casts. Nothing is dropped: attribute types
crmlink cannot move (EntityName, PartyList, ManagedProperty, other Virtual ones…) are
kept as `unsupported` fields, which the wizard stores as text and reports.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from crmlink.connectors.describe_guard import guarded, is_invalid, named
from crmlink.connectors.dynamics import paths
from crmlink.errors import NotFoundError
from crmlink.model import FieldKind, PicklistValue, RemoteField, RemoteTable, TableSummary

K = FieldKind
# AttributeTypeName.Value (AttributeType where the name is missing) -> kind.
TYPE_MAP: dict[str, FieldKind] = {
    "StringType": K.STRING,
    "MemoType": K.TEXT,
    "PicklistType": K.PICKLIST,
    "StateType": K.PICKLIST,
    "StatusType": K.PICKLIST,
    "MultiSelectPicklistType": K.MULTIPICKLIST,
    "BooleanType": K.BOOLEAN,
    "IntegerType": K.INTEGER,
    "BigIntType": K.BIGINT,
    "DecimalType": K.DECIMAL,
    "MoneyType": K.DECIMAL,
    "DoubleType": K.DOUBLE,
    "DateTimeType": K.DATETIME,  # Format DateOnly -> date
    "LookupType": K.REFERENCE,
    "CustomerType": K.REFERENCE,
    "OwnerType": K.REFERENCE,
    "UniqueidentifierType": K.STRING,  # the primary id -> id
    "EntityNameType": K.UNSUPPORTED,
    "VirtualType": K.UNSUPPORTED,
    "PartyListType": K.UNSUPPORTED,
    "ManagedPropertyType": K.UNSUPPORTED,
    "CalendarRulesType": K.UNSUPPORTED,
    "ImageType": K.UNSUPPORTED,
    "FileType": K.UNSUPPORTED,
}
OPTION_CASTS = (
    "PicklistAttributeMetadata",
    "MultiSelectPicklistAttributeMetadata",
    "StateAttributeMetadata",
    "StatusAttributeMetadata",
    "BooleanAttributeMetadata",
)
ENTITY_SELECT = "LogicalName,DisplayName,IsCustomEntity,EntitySetName,PrimaryIdAttribute"


@dataclass(frozen=True)
class Entity:
    """A described entity: the protocol's table plus what the Web API needs to reach it."""

    table: RemoteTable
    entity_set: str
    lookups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> targets
    unreadable: frozenset[str] = frozenset()  # not valid in $select (AttributeOf, …)
    entity_sets: dict[str, str] = field(default_factory=dict)  # logical -> set, of targets


def type_name(raw: dict) -> str:
    name = (raw.get("AttributeTypeName") or {}).get("Value")
    return str(name or f"{raw.get('AttributeType', '')}Type")


def kind_of(raw: dict, primary_id: str) -> FieldKind:
    name = type_name(raw)
    if raw.get("LogicalName") == primary_id:
        return K.ID
    if name == "DateTimeType" and raw.get("Format") == "DateOnly":
        return K.DATE
    if name == "StringType" and raw.get("Format") == "Email":
        return K.EMAIL
    if name == "StringType" and raw.get("Format") == "Phone":
        return K.PHONE
    if name == "StringType" and raw.get("Format") == "Url":
        return K.URL
    return TYPE_MAP.get(name, K.UNSUPPORTED)


def summary(entry: dict) -> TableSummary:
    return TableSummary(
        name=entry["LogicalName"],
        label=label(entry.get("DisplayName")) or entry["LogicalName"],
        custom=bool(entry.get("IsCustomEntity")),
        queryable=bool(entry.get("EntitySetName")),
    )


def label(value: dict | None) -> str:
    localized = (value or {}).get("UserLocalizedLabel") or {}
    return str(localized.get("Label") or "")


def entity(raw: dict, options: dict[str, tuple], keys: list[dict]) -> Entity:
    primary = raw.get("PrimaryIdAttribute") or f"{raw['LogicalName']}id"
    key_names = {name for key in keys for name in key.get("KeyAttributes") or ()}
    attributes = sorted(named(raw.get("Attributes"), "LogicalName"), key=_column_number)
    fields = guarded(
        attributes, lambda a: remote_field(a, primary, options, key_names), "LogicalName"
    )
    names = {f.name for f in fields}
    attributes = [a for a in attributes if not is_invalid(_by_name(fields, a["LogicalName"]))]
    table = RemoteTable(
        name=raw["LogicalName"],
        label=label(raw.get("DisplayName")) or raw["LogicalName"],
        custom=bool(raw.get("IsCustomEntity")),
        key_field=primary,
        modified_field="modifiedon" if "modifiedon" in names else None,
        fields=fields,
    )
    lookups = {
        a["LogicalName"]: tuple(a.get("Targets") or ())
        for a in attributes
        if kind_of(a, primary) == K.REFERENCE
    }
    unreadable = frozenset(
        a["LogicalName"]
        for a in attributes
        if a.get("AttributeOf") or a.get("IsValidODataAttribute") is False
    )
    entity_set = raw.get("EntitySetName") or ""
    if entity_set:
        paths.identifier(entity_set)  # it goes into every URL of the table
    return Entity(table, entity_set, lookups, unreadable)


def _column_number(raw: dict) -> int:
    number = raw.get("ColumnNumber")
    return number if type(number) is int else 0


def _by_name(fields: tuple[RemoteField, ...], name: str) -> RemoteField:
    return next(f for f in fields if f.name == name)


def remote_field(raw: dict, primary: str, options: dict, keys: set[str]) -> RemoteField:
    name = raw["LogicalName"]
    kind = kind_of(raw, primary)
    scale = raw.get("Precision") if kind == K.DECIMAL else None
    return RemoteField(
        name=name,
        label=label(raw.get("DisplayName")) or name,
        remote_type=type_name(raw),
        kind=kind,
        length=_length(raw, kind),
        precision=_precision(raw, scale),
        scale=scale,
        nillable=(raw.get("RequiredLevel") or {}).get("Value") in (None, "None", "Recommended"),
        createable=bool(raw.get("IsValidForCreate", False)),
        updateable=bool(raw.get("IsValidForUpdate", False)),
        filterable=raw.get("IsFilterable", True) is not False and not raw.get("AttributeOf"),
        calculated=raw.get("SourceType") in (1, 2),
        external_id=name in keys,
        unique=name in keys or name == primary,
        reference_to=tuple(raw.get("Targets") or ()),
        picklist=options.get(name, ()),
        restricted=kind in (K.PICKLIST, K.MULTIPICKLIST),
    )


def _length(raw: dict, kind: FieldKind) -> int | None:
    if kind in (K.ID, K.REFERENCE) or type_name(raw) == "UniqueidentifierType":
        return 36
    if kind in (K.PICKLIST, K.MULTIPICKLIST):
        return 255 if kind == K.MULTIPICKLIST else 16
    if kind == K.UNSUPPORTED and raw.get("MaxLength") is None:
        return None
    return raw.get("MaxLength") or raw.get("DatabaseLength") or None


def _precision(raw: dict, scale: int | None) -> int | None:
    """Total digits: Dataverse's `Precision` is the scale; MaxValue gives the whole part."""
    if scale is None:
        return None
    whole = len(str(abs(int(raw.get("MaxValue") or 10**15))))
    return whole + int(scale)


def option_values(body: dict) -> tuple[str, tuple[PicklistValue, ...]]:
    """(attribute name, values) of one typed-cast attribute with its option set."""
    option_set = body.get("OptionSet") or body.get("GlobalOptionSet") or {}
    raw = list(option_set.get("Options") or [])
    raw += [option_set[k] for k in ("FalseOption", "TrueOption") if option_set.get(k)]
    default = body.get("DefaultFormValue")
    values = tuple(
        PicklistValue(
            value=str(opt["Value"]),
            label=label(opt.get("Label")) or str(opt["Value"]),
            default=opt["Value"] == default,
        )
        for opt in raw
    )
    return body["LogicalName"], values


def not_found(table: str, known: list[str]) -> NotFoundError:
    lowered = {name.lower(): name for name in known}
    close = difflib.get_close_matches(table.lower(), list(lowered), n=3, cutoff=0.5)
    hint = f"; did you mean: {', '.join(lowered[c] for c in close)}?" if close else ""
    return NotFoundError(f"Dynamics 365 has no table {table!r}{hint}", object=table)
