"""The properties API to `RemoteTable`s: the one type-mapping table of this CRM.

HubSpot describes a property by its `type` (string, number, date, datetime, enumeration,
bool, phone_number…) and how forms show it, `fieldType` (text, textarea, select, radio,
checkbox, booleancheckbox…); the kind comes from the pair, else from the type alone:
an enumeration shown as checkboxes holds several options (`a;b`, a multi-picklist), a
number is a decimal (HubSpot has no integer type). Metadata is untrusted: properties of
the wrong shape become `unsupported` placeholders (`describe_guard`), names that could not
travel in a `properties=` list are left out, and object types whose id or name could not
be a URL segment are not listed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from crmlink.connectors.describe_guard import guarded, is_invalid, named
from crmlink.errors import NotFoundError
from crmlink.model import FieldKind, PicklistValue, RemoteField, RemoteTable, TableSummary

K = FieldKind
# `type/fieldType`, or `type` alone -> kind.
TYPE_MAP: dict[str, FieldKind] = {
    "string": K.STRING,
    "string/textarea": K.TEXT,
    "string/html": K.TEXT,
    "string/phonenumber": K.PHONE,
    "phone_number": K.PHONE,
    "number": K.DECIMAL,
    "date": K.DATE,
    "datetime": K.DATETIME,
    "bool": K.BOOLEAN,
    "enumeration": K.PICKLIST,  # select, radio
    "enumeration/checkbox": K.MULTIPICKLIST,  # multiple checkboxes: "a;b"
    "enumeration/booleancheckbox": K.BOOLEAN,
    "object_coordinates": K.UNSUPPORTED,
    "json": K.UNSUPPORTED,
}
KEY = "hs_object_id"
MODIFIED = ("hs_lastmodifieddate", "lastmodifieddate")
# Kept by the server on every record, whatever the metadata says.
SERVER_KEPT = frozenset({KEY, "createdate", "hs_lastmodifieddate", "lastmodifieddate"})
# Unique besides `hasUniqueValue`: the contacts' email is HubSpot's documented upsert key.
UNIQUE_BY_DESIGN = {"contacts": frozenset({"email"})}
STANDARD = {"contacts": "Contacts", "companies": "Companies", "deals": "Deals"}
STRING_LENGTH = 65536  # HubSpot's limit on a text property value
NUMBER_PRECISION, NUMBER_SCALE = 32, 12  # `number` holds decimals: 20 whole digits, 12 after
_PROPERTY_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}$")
_OBJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_TYPE_ID = re.compile(r"^\d+-\d+$")


@dataclass(frozen=True)
class ObjectInfo:
    """A described object type: the protocol's table plus what the API needs to reach it."""

    table: RemoteTable
    path: str  # the `{objectType}` segment: `contacts`, or a custom object's objectTypeId
    unique: tuple[str, ...] = ()  # properties that can be an upsert `idProperty`
    read_only: frozenset[str] = frozenset()  # properties no write may set
    multi: frozenset[str] = frozenset()  # multiple-checkbox enumerations ("a;b")


def kind_of(raw: dict) -> FieldKind:
    if raw.get("name") == KEY:
        return K.ID
    native = str(raw.get("type") or "")
    return TYPE_MAP.get(f"{native}/{raw.get('fieldType') or ''}") or TYPE_MAP.get(
        native, K.UNSUPPORTED
    )


def remote_type(raw: dict) -> str:
    native, shown = str(raw.get("type") or ""), str(raw.get("fieldType") or "")
    return f"{native}/{shown}" if shown else native


def summaries(schemas: object) -> list[TableSummary]:
    """The standard objects, then each custom object of `GET /crm/v3/schemas`."""
    found = [TableSummary(name, label, custom=False) for name, label in STANDARD.items()]
    for entry in custom_objects(schemas):
        labels = entry["labels"] if isinstance(entry.get("labels"), dict) else {}
        label = labels.get("plural") or labels.get("singular") or entry["name"]
        found.append(TableSummary(entry["name"], str(label), custom=True))
    return found


def custom_objects(schemas: object) -> list[dict]:
    """The schemas whose name and objectTypeId can be used (untrusted: others are left out)."""
    return [
        entry
        for entry in named(schemas, "name")
        if _OBJECT_NAME.match(entry["name"])
        and entry["name"] not in STANDARD
        and isinstance(entry.get("objectTypeId"), str)
        and _TYPE_ID.match(entry["objectTypeId"])
    ]


def object_info(table: TableSummary, path: str, raw_properties: object) -> ObjectInfo:
    """The `ObjectInfo` of one object type from its `/crm/v3/properties` results."""
    usable = [p for p in named(raw_properties, "name") if _PROPERTY_NAME.match(p["name"])]
    by_design = UNIQUE_BY_DESIGN.get(table.name, frozenset())
    fields = guarded(usable, lambda raw: remote_field(raw, by_design), "name")
    if not any(f.name == KEY for f in fields):  # every record has it: never without a key
        fields = (remote_field({"name": KEY, "label": "Record ID", "type": "number"}), *fields)
    names = {f.name for f in fields}
    remote = RemoteTable(
        name=table.name,
        label=table.label,
        custom=table.custom,
        key_field=KEY,
        modified_field=next((m for m in MODIFIED if m in names), None),
        fields=fields,
    )
    valid = [f for f in fields if not is_invalid(f)]
    return ObjectInfo(
        table=remote,
        path=path,
        unique=tuple(f.name for f in valid if f.external_id),
        read_only=frozenset(f.name for f in valid if not f.createable and not f.updateable),
        multi=frozenset(f.name for f in valid if f.kind == K.MULTIPICKLIST),
    )


def _read_only(raw: dict) -> bool:
    meta = raw.get("modificationMetadata")
    meta = meta if isinstance(meta, dict) else {}
    flags = (meta.get("readOnlyValue"), raw.get("readOnlyValue"), raw.get("calculated"))
    return raw["name"] in SERVER_KEPT or any(flag is True for flag in flags)


def remote_field(raw: dict, unique_by_design: frozenset[str] = frozenset()) -> RemoteField:
    name = raw["name"]
    kind = kind_of(raw)
    writable = not _read_only(raw)
    unique = raw.get("hasUniqueValue") is True or name in unique_by_design
    decimal = kind == K.DECIMAL
    return RemoteField(
        name=name,
        label=str(raw.get("label") or name),
        remote_type=remote_type(raw),
        kind=kind,
        length=_length(kind),
        precision=NUMBER_PRECISION if decimal else None,
        scale=NUMBER_SCALE if decimal else None,
        createable=writable,
        updateable=writable,
        filterable=kind != K.UNSUPPORTED,
        calculated=raw.get("calculated") is True,
        external_id=unique and writable,
        unique=unique or name == KEY,
        picklist=_options(raw) if kind in (K.PICKLIST, K.MULTIPICKLIST) else (),
        restricted=kind in (K.PICKLIST, K.MULTIPICKLIST),
    )


def _length(kind: FieldKind) -> int | None:
    if kind == K.ID:
        return 32  # a numeric string
    if kind in (K.PICKLIST, K.MULTIPICKLIST):
        return 255 if kind == K.PICKLIST else STRING_LENGTH
    if kind in (K.STRING, K.TEXT, K.PHONE, K.UNSUPPORTED):
        return STRING_LENGTH
    return None


def _options(raw: dict) -> tuple[PicklistValue, ...]:
    options = raw.get("options")
    if options is None:
        return ()
    if not isinstance(options, list):
        raise TypeError("options is not a list")
    ordered = sorted(
        (o for o in options if isinstance(o, dict)),
        key=lambda o: o["displayOrder"] if type(o.get("displayOrder")) is int else 0,
    )
    return tuple(
        PicklistValue(
            value=option["value"],
            label=option.get("label") or option["value"],
            active=option.get("hidden") is not True,
        )
        for option in ordered
    )


def not_found(table: str, known: list[str]) -> NotFoundError:
    lowered = {name.lower(): name for name in known}
    close = difflib.get_close_matches(table.lower(), list(lowered), n=3, cutoff=0.5)
    hint = f"; did you mean: {', '.join(lowered[c] for c in close)}?" if close else ""
    return NotFoundError(f"HubSpot has no object type {table!r}{hint}", object=table)
