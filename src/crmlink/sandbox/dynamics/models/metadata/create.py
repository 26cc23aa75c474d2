"""A new custom table from a `CreateEntities` / `POST EntityDefinitions` payload.

Names are checked the way the platform checks them (a publisher prefix, letters, digits
and `_` only, at most 50 characters) before they can become SQLite identifiers, which
are quoted anyway. The table gets the system columns every user-owned custom table has
(owner, created/modified, state/status, row version) plus its primary name column and
the listed columns of the supported types.
"""

from __future__ import annotations

import re

from crmlink.sandbox.dynamics.errors import DataverseError, InvalidArgument
from crmlink.sandbox.dynamics.models.metadata.builtin import common_columns
from crmlink.sandbox.dynamics.models.metadata.loader import _label, _option
from crmlink.sandbox.dynamics.models.metadata.model import AttributeDef, EntityDef, OrgSchema

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,7}_[A-Za-z0-9_]{1,41}$")
_TYPE = re.compile(r"^#?Microsoft\.Dynamics\.CRM\.(?:Complex)?(\w+)AttributeMetadata$")
_DEFAULTS = {"String": 100, "Memo": 2000}
SUPPORTED = (
    "String",
    "Memo",
    "Integer",
    "BigInt",
    "Decimal",
    "Double",
    "Money",
    "Boolean",
    "DateTime",
    "Picklist",
)


class DuplicateEntity(DataverseError):
    code = "0x80041102"
    status = 400


def check_name(what: str, name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidArgument(
            f"Invalid {what} '{name}': it must start with a customization prefix and "
            "an underscore (new_), then letters, digits or underscores (50 at most)."
        )
    return name


def plural(name: str) -> str:
    """The entity set name Dataverse derives from a logical name."""
    if name.endswith(("s", "x", "z", "ch", "sh")):
        return name + "es"
    if name.endswith("y") and name[-2:-1] not in ("a", "e", "i", "o", "u"):
        return name[:-1] + "ies"
    return name + "s"


def new_entity(schema: OrgSchema, raw: dict) -> EntityDef:
    schema_name = check_name("SchemaName", raw.get("SchemaName"))
    name = schema_name.lower()
    if name in schema.entities:
        raise DuplicateEntity(f"An entity with the specified name {schema_name} already exists.")
    attrs = [new_attribute(name, a) for a in raw.get("Attributes") or []]
    primary = [a for a, r in zip(attrs, raw.get("Attributes") or [], strict=True) if _primary(r)]
    if len(primary) != 1 or primary[0].attribute_type != "String":
        raise InvalidArgument("A new entity needs exactly one primary name string attribute.")
    entity = EntityDef(
        name,
        plural(name),
        f"{name}id",
        primary[0].logical_name,
        display_name=_label(raw.get("DisplayName")) or schema_name,
        display_collection_name=_label(raw.get("DisplayCollectionName")) or plural(schema_name),
        schema_name=schema_name,
        object_type_code=10100 + len(schema.entities),
        is_custom=True,
        ownership="UserOwned",
    )
    entity.add(AttributeDef(entity.primary_id, "Uniqueidentifier", schema_name, is_custom=True))
    common_columns(entity)
    for attr in attrs:
        if attr.logical_name in entity.attributes:
            raise InvalidArgument(f"The attribute {attr.schema_name} already exists on {name}.")
        entity.add(attr)
    return entity


def _primary(raw: dict) -> bool:
    return bool(raw.get("IsPrimaryName"))


def new_attribute(entity: str, raw: dict) -> AttributeDef:
    schema_name = check_name("attribute SchemaName", raw.get("SchemaName"))
    match = _TYPE.match(str(raw.get("@odata.type") or ""))
    kind = match.group(1) if match else str(raw.get("AttributeType") or "")
    if kind not in SUPPORTED:
        raise InvalidArgument(
            f"The attribute type '{raw.get('@odata.type') or kind}' of {schema_name} is not "
            f"supported (supported: {', '.join(SUPPORTED)})."
        )
    option_set = raw.get("OptionSet") or {}
    options = [_option(o) for o in option_set.get("Options") or []]
    options += [_option(option_set[k]) for k in ("FalseOption", "TrueOption") if k in option_set]
    return AttributeDef(
        schema_name.lower(),
        kind,
        _label(raw.get("DisplayName")) or schema_name,
        schema_name=schema_name,
        options=options,
        option_set_name=f"{entity}_{schema_name.lower()}" if kind == "Picklist" else None,
        precision=_precision(kind, raw),
        max_length=raw.get("MaxLength") or _DEFAULTS.get(kind),
        date_only=raw.get("Format") == "DateOnly",
        required=str((raw.get("RequiredLevel") or {}).get("Value") or "None"),
        is_custom=True,
    )


def _precision(kind: str, raw: dict) -> int | None:
    if kind in ("Decimal", "Money"):
        return int(raw.get("Precision") or 2)
    if kind == "Double":
        return int(raw.get("Precision") or 5)
    return None
