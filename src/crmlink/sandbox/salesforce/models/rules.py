"""The describe's field rules, applied to a record before it is written.

Unknown or read-only fields, required fields, unique values (`DUPLICATE_VALUE`), and the
Contact/Lead compound `Name` kept from FirstName and LastName.
"""

from __future__ import annotations

from typing import TypeGuard

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.describes import FieldMeta, ObjectMeta, quote_ident
from crmlink.sandbox.salesforce.models.values import check_rules, to_storage


def prepare(obj: ObjectMeta, record: dict, creating: bool) -> dict:
    """Field name -> stored value for a wire record, or the Salesforce error."""
    values: dict = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        f = obj.field(key)
        if f is None:
            raise errors.InvalidField(
                f"No such column '{key}' on sobject of type {obj.name}", [key]
            )
        allowed = f.flag("createable") if creating else f.flag("updateable")
        if not allowed or f.compound:
            raise errors.InvalidFieldForInsertUpdate(
                f"Unable to create/update fields: {f.name}. Please check the security "
                "settings of this field and verify that it is read/write for your profile "
                "or permission set.",
                [f.name],
            )
        stored = to_storage(f, value)
        check_rules(f, stored)
        values[f.name] = stored
    return values


def required(f: FieldMeta | None) -> TypeGuard[FieldMeta]:
    """Must have a value: createable, not nillable, not defaulted (booleans never are)."""
    if f is None or f.compound or f.type == "boolean":
        return False
    raw = f.raw
    return (
        raw.get("createable", False)
        and not raw.get("nillable", True)
        and not raw.get("defaultedOnCreate", False)
    )


def check_required_on_insert(obj: ObjectMeta, values: dict) -> None:
    missing = [f.name for f in obj.stored_fields() if required(f) and values.get(f.name) is None]
    if missing:
        raise errors.RequiredFieldMissing(
            f"Required fields are missing: [{', '.join(missing)}]", missing
        )


def check_required_on_update(obj: ObjectMeta, values: dict) -> None:
    for name, value in values.items():
        f = obj.field(name)
        if value is None and required(f):
            raise errors.RequiredFieldMissing(f"Required fields are missing: [{f.name}]", [f.name])


def check_unique(conn, obj: ObjectMeta, values: dict, own_id: str | None) -> None:
    for name, value in values.items():
        f = obj.field(name)
        if value is None:
            continue
        if f is None:  # the values come from prepare(), which names known fields only
            raise AttributeError(f"'NoneType' object has no attribute 'flag' (field {name!r})")
        if not f.flag("unique"):
            continue
        other = conn.execute(
            f'SELECT "Id" FROM {quote_ident(obj.table)} WHERE {quote_ident(f.name)} = ? '
            'AND "_sbx_deleted_at" IS NULL AND "Id" IS NOT ? LIMIT 1',
            (value, own_id),
        ).fetchone()
        if other:
            raise errors.DuplicateValue(
                f"duplicate value found: {f.name} duplicates value on record with id: {other[0]}",
                [],
            )


def create_defaults(obj: ObjectMeta) -> dict:
    """Values a new record gets when it names no value: the describe's `defaultValue`
    (checkboxes are never null: false unless the describe says otherwise), and a
    picklist's value marked `defaultValue: true`."""
    out = {}
    for f in obj.stored_fields():
        if not f.flag("createable"):
            continue
        if f.type == "boolean":
            out[f.name] = int(bool(f.raw.get("defaultValue")))
        elif f.type == "picklist":
            chosen = [v["value"] for v in f.raw.get("picklistValues", []) if v.get("defaultValue")]
            if chosen:
                out[f.name] = chosen[0]
    return out


def has_compound_name(obj: ObjectMeta) -> bool:
    """Contact and Lead: `Name` is kept by the server from FirstName and LastName."""
    parts = [f for f in obj.stored_fields() if f.compound_field_name == "Name"]
    return bool(obj.field("Name")) and any(f.name in ("FirstName", "LastName") for f in parts)


def fill_compound_name(obj: ObjectMeta, values: dict) -> None:
    if has_compound_name(obj):
        first, last = values.get("FirstName"), values.get("LastName")
        values["Name"] = " ".join(p for p in (first, last) if p)


def refresh_compound_name(conn, obj: ObjectMeta, rowid: int, values: dict) -> None:
    """After an update of FirstName or LastName, recompute Name from the merged values."""
    if not has_compound_name(obj) or ("FirstName" not in values and "LastName" not in values):
        return
    first, last = conn.execute(
        f'SELECT "FirstName", "LastName" FROM {quote_ident(obj.table)} WHERE rowid = ?', (rowid,)
    ).fetchone()
    merged = {"FirstName": first, "LastName": last, **values}
    fill_compound_name(obj, merged)
    values["Name"] = merged["Name"]
