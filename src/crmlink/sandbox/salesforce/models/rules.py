"""The describe's field rules, applied to a record before it is written.

Unknown or read-only fields, required fields, unique values (`DUPLICATE_VALUE`), and the
Contact/Lead compound `Name` kept from FirstName and LastName.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeGuard

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.describes import FieldMeta, ObjectMeta, quote_ident
from crmlink.sandbox.salesforce.models.values import storer


def prepare(obj: ObjectMeta, record: dict, creating: bool) -> dict:
    """Field name -> stored value for a wire record, or the Salesforce error."""
    return ObjectRules(obj).prepare(record, creating)


def writable_field(obj: ObjectMeta, key: str, creating: bool) -> FieldMeta:
    """The field a wire key names, if a create (or update) may set it; else the error."""
    f = obj.field(key)
    if f is None:
        raise errors.InvalidField(f"No such column '{key}' on sobject of type {obj.name}", [key])
    allowed = f.flag("createable") if creating else f.flag("updateable")
    if not allowed or f.compound:
        raise errors.InvalidFieldForInsertUpdate(
            f"Unable to create/update fields: {f.name}. Please check the security "
            "settings of this field and verify that it is read/write for your profile "
            "or permission set.",
            [f.name],
        )
    return f


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
        values["Name"] = _full_name(values.get("FirstName"), values.get("LastName"))


def _full_name(first, last) -> str:
    """The non-empty of the two, with a space between."""
    return f"{first} {last}" if first and last else first or last or ""


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


class ObjectRules:
    """One object's rules worked out once for many records (a bulk chunk checks thousands
    against the same describe): the same checks, in the same order, as the functions above."""

    def __init__(self, obj: ObjectMeta) -> None:
        self.obj = obj
        # (wire key, creating) -> the field's name and its `storer`
        self._writable: dict[tuple[str, bool], tuple[str, Callable[[Any], Any]]] = {}

    @cached_property
    def required(self) -> list[str]:
        return [f.name for f in self.obj.stored_fields() if required(f)]

    @cached_property
    def defaults(self) -> dict:
        return create_defaults(self.obj)

    @cached_property
    def unique(self) -> frozenset[str]:
        return frozenset(f.name for f in self.obj.stored_fields() if f.flag("unique"))

    @cached_property
    def compound_name(self) -> bool:
        return has_compound_name(self.obj)

    def prepare(self, record: dict, creating: bool) -> dict:
        values: dict = {}
        for key, value in record.items():
            if key == "attributes":
                continue
            known = self._writable.get((key, creating))
            if known is None:  # checked once per key; a bad key raises every time
                f = writable_field(self.obj, key, creating)
                known = self._writable[key, creating] = (f.name, storer(f))
            name, store = known
            values[name] = store(value)
        return values

    def check_required_on_insert(self, values: dict) -> None:
        missing = [name for name in self.required if values.get(name) is None]
        if missing:
            raise errors.RequiredFieldMissing(
                f"Required fields are missing: [{', '.join(missing)}]", missing
            )

    def check_unique(self, conn, values: dict, taken: dict) -> None:
        """`check_unique` for a new record of a batch whose earlier records are not written
        yet: `taken` holds their unique values, (field, value) -> id. Stored rows come first,
        as they are older (the query would have found them before the batch's)."""
        unique = self.unique
        for name, value in values.items():
            if value is None or name not in unique:
                continue
            other = conn.execute(
                f'SELECT "Id" FROM {quote_ident(self.obj.table)} WHERE {quote_ident(name)} = ? '
                'AND "_sbx_deleted_at" IS NULL AND "Id" IS NOT NULL LIMIT 1',
                (value,),
            ).fetchone()
            holder = other[0] if other else taken.get((name, value))
            if holder is not None:
                raise errors.DuplicateValue(
                    f"duplicate value found: {name} duplicates value on record with id: {holder}",
                    [],
                )

    def take(self, values: dict, taken: dict) -> None:
        """Note a written record's unique values for the batch's later records."""
        for name in self.unique:
            value = values.get(name)
            if value is not None:
                taken.setdefault((name, value), values["Id"])

    def fill_compound_name(self, values: dict) -> None:
        if self.compound_name:
            values["Name"] = _full_name(values.get("FirstName"), values.get("LastName"))
