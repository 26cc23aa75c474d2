"""The type mapping: connector field kinds → local column types (one table, documented).

Each CRM connector maps its native types to `FieldKind` (see its `describe`); this table
maps kinds to SQLAlchemy types, the same on SQLite and PostgreSQL. The README's type
mapping table is checked against it by a test.
"""

from __future__ import annotations

from crmlink.model import FieldKind, LocalType, RemoteField

MAX_VARCHAR = 4000  # longer strings become TEXT


# kind -> (local type name, why), in the order the README lists them.
KIND_TO_LOCAL: dict[FieldKind, str] = {
    FieldKind.ID: "string",
    FieldKind.STRING: "string",
    FieldKind.EMAIL: "string",
    FieldKind.PHONE: "string",
    FieldKind.URL: "string",
    FieldKind.PICKLIST: "string",
    FieldKind.REFERENCE: "string",
    FieldKind.TEXT: "text",
    FieldKind.MULTIPICKLIST: "text",
    FieldKind.BINARY: "text",
    FieldKind.UNSUPPORTED: "text",
    FieldKind.BOOLEAN: "boolean",
    FieldKind.INTEGER: "integer",
    FieldKind.BIGINT: "bigint",
    FieldKind.DECIMAL: "decimal",
    FieldKind.DOUBLE: "double",
    FieldKind.DATE: "date",
    FieldKind.DATETIME: "datetime",
    FieldKind.TIME: "time",
}
# Kinds with no column of their own: compounds are stored as their component fields.
KIND_TO_LOCAL_NOT_APPLICABLE = frozenset({FieldKind.COMPOUND})


def local_type(field: RemoteField) -> LocalType | None:
    """The column type for a remote field, or None for compounds (stored as components).

    A kind in neither `KIND_TO_LOCAL` nor `KIND_TO_LOCAL_NOT_APPLICABLE` is an error."""
    if field.kind in KIND_TO_LOCAL_NOT_APPLICABLE:
        return None
    name = KIND_TO_LOCAL.get(field.kind)
    if name is None:
        raise ValueError(f"no local column type for field kind {field.kind!r} ({field.name})")
    if name == "string":
        length = field.length or 255
        return LocalType("text") if length > MAX_VARCHAR else LocalType("string", length)
    if name == "decimal":
        return LocalType("decimal", precision=field.precision or 18, scale=field.scale or 0)
    return LocalType(name)


# Widening: which stored type may become which, keeping every existing value.
_WIDER = {
    ("integer", "bigint"),
    ("integer", "decimal"),
    ("integer", "double"),
    ("bigint", "decimal"),
    ("bigint", "double"),
    ("decimal", "double"),
    ("date", "datetime"),
}


def _digits(t: LocalType) -> int:
    """Digits before the decimal point."""
    return (t.precision or 0) - (t.scale or 0)


def widen(old: LocalType, new: LocalType) -> LocalType:
    """The type that holds values of both: the new one if it is wider, else the old one.

    Narrowing never happens (data would be lost): a retyped field whose values no longer
    fit keeps the wider type, or becomes text when the two have nothing in common."""
    if old == new:
        return old
    if old.name == new.name == "string":
        return LocalType("string", max(old.length or 0, new.length or 0))
    if old.name == new.name == "decimal":
        scale = max(old.scale or 0, new.scale or 0)
        whole = max(_digits(old), _digits(new))
        return LocalType("decimal", precision=whole + scale, scale=scale)
    if (old.name, new.name) in _WIDER:
        return new
    if (new.name, old.name) in _WIDER:
        return old
    return LocalType("text")  # nothing in common: text holds both
