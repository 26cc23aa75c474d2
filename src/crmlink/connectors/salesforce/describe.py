"""Salesforce describes to `RemoteTable`s: the one type-mapping table of this CRM."""

from __future__ import annotations

import difflib

from crmlink.connectors.describe_guard import guarded
from crmlink.errors import NotFoundError
from crmlink.model import FieldKind, PicklistValue, RemoteField, RemoteTable, TableSummary

K = FieldKind
TYPE_MAP: dict[str, FieldKind] = {
    "id": K.ID,
    "string": K.STRING,
    "textarea": K.TEXT,
    "email": K.EMAIL,
    "phone": K.PHONE,
    "url": K.URL,
    "picklist": K.PICKLIST,
    "multipicklist": K.MULTIPICKLIST,
    "combobox": K.PICKLIST,  # a picklist that takes other values too: never restricted
    "reference": K.REFERENCE,
    "boolean": K.BOOLEAN,
    "int": K.INTEGER,
    "long": K.BIGINT,
    "double": K.DOUBLE,
    "currency": K.DECIMAL,
    "percent": K.DOUBLE,
    "date": K.DATE,
    "datetime": K.DATETIME,
    "time": K.TIME,
    "base64": K.BINARY,
    "address": K.COMPOUND,
    "location": K.COMPOUND,
    "encryptedstring": K.STRING,
    "anyType": K.UNSUPPORTED,
}


def kind_of(remote_type: str) -> FieldKind:
    return TYPE_MAP.get(remote_type, K.UNSUPPORTED)


def summary(entry: dict) -> TableSummary:
    return TableSummary(
        name=entry["name"],
        label=entry.get("label") or entry["name"],
        custom=bool(entry.get("custom")),
        queryable=bool(entry.get("queryable", True)),
    )


def remote_table(describe: dict) -> RemoteTable:
    fields = guarded(describe.get("fields"), remote_field, "name")
    names = {f.name for f in fields}
    modified = next((n for n in ("SystemModstamp", "LastModifiedDate") if n in names), None)
    return RemoteTable(
        name=describe["name"],
        label=describe.get("label") or describe["name"],
        custom=bool(describe.get("custom")),
        key_field="Id",
        modified_field=modified,
        fields=fields,
    )


def remote_field(raw: dict) -> RemoteField:
    remote_type = raw.get("type", "")
    return RemoteField(
        name=raw["name"],
        label=raw.get("label") or raw["name"],
        remote_type=remote_type,
        kind=kind_of(remote_type),
        length=raw.get("length") or None,
        precision=raw.get("precision") or None,
        scale=raw.get("scale") if raw.get("precision") else None,
        nillable=bool(raw.get("nillable", True)),
        createable=bool(raw.get("createable", False)),
        updateable=bool(raw.get("updateable", False)),
        filterable=bool(raw.get("filterable", True)),
        calculated=bool(raw.get("calculated", False)),
        external_id=bool(raw.get("externalId", False)),
        unique=bool(raw.get("unique", False)),
        reference_to=tuple(raw.get("referenceTo") or ()),
        compound_of=raw.get("compoundFieldName") or None,
        picklist=tuple(_picklist(v) for v in raw.get("picklistValues") or ()),
        restricted=bool(raw.get("restrictedPicklist")) and remote_type != "combobox",
    )


def _picklist(value: dict) -> PicklistValue:
    return PicklistValue(
        value=value["value"],
        label=value.get("label") or value["value"],
        active=bool(value.get("active", True)),
        default=bool(value.get("defaultValue", False)),
    )


def not_found(table: str, known: list[str]) -> NotFoundError:
    lowered = {name.lower(): name for name in known}
    close = difflib.get_close_matches(table.lower(), list(lowered), n=3, cutoff=0.5)
    hint = f"; did you mean: {', '.join(lowered[c] for c in close)}?" if close else ""
    return NotFoundError(f"Salesforce has no table {table!r}{hint}", object=table)
