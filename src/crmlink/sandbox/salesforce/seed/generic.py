"""Values of any field type, for objects and required fields the builders do not know; and
rows conformed to the describe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from crmlink.sandbox.core.seeding import (
    FakeData,
)
from crmlink.sandbox.salesforce.models.describes import FieldMeta, ObjectMeta
from crmlink.sandbox.salesforce.seed.common import (
    MAX_GENERATED,
    SERVER_FIELDS,
    STRING_TYPES,
    Ctx,
    Row,
    active_values,
    b64,
    slug,
)


# --------------------------------------------------------------------------- generic values
def generic_value(field: FieldMeta, fake: FakeData, n: int) -> Any:
    """A plausible value for any describe field type (None for ids, lookups, compounds)."""
    maker = GENERIC.get(field.type)
    value = maker(field, fake, n) if maker else None
    return fit(field, value)


def fit(field: FieldMeta, value: Any) -> Any:
    """Cut a string to the field's length (when it has one)."""
    length = field.raw.get("length") or 0
    if isinstance(value, str) and length and len(value) > length:
        return value[:length]
    return value


def _g_string(f: FieldMeta, fake: FakeData, n: int) -> str:
    length = f.raw.get("length") or 255
    if f.flag("unique") or f.flag("externalId") or length < 12:
        return str(n)[-length:] if length < 8 else f"{f.name[:3].upper()}-{n:06d}"
    return f"{f.raw.get('label') or f.name} {n}"


def _g_picklist(f: FieldMeta, fake: FakeData, n: int) -> str | None:
    values = active_values(f)
    return fake.choice(values) if values else None


def _g_multi(f: FieldMeta, fake: FakeData, n: int) -> str | None:
    values = active_values(f)
    if not values:
        return None
    picked = sorted(fake.random.sample(range(len(values)), min(len(values), 2)))
    return ";".join(values[i] for i in picked)


def _g_double(f: FieldMeta, fake: FakeData, n: int) -> float:
    precision, scale = f.raw.get("precision") or 18, f.raw.get("scale") or 0
    top = 10 ** min(max(precision - scale, 1), 6) - 1
    return round(fake.random.uniform(0, top), scale)


def _g_int(f: FieldMeta, fake: FakeData, n: int) -> int:
    digits = f.raw.get("digits") or 9
    return fake.random.randint(0, 10 ** min(digits, 4) - 1)


def _g_time(f: FieldMeta, fake: FakeData, n: int) -> str:
    return f"{fake.random.randint(0, 23):02d}:{fake.random.randint(0, 59):02d}:00.000Z"


GENERIC: dict[str, Callable[[FieldMeta, FakeData, int], Any]] = {
    "string": _g_string,
    "textarea": lambda f, fake, n: f"{f.raw.get('label') or f.name} for record {n}.",
    "email": lambda f, fake, n: f"{slug(f.name)}.{n}@example.com",
    "phone": lambda f, fake, n: fake.phone(),
    "url": lambda f, fake, n: f"https://www.example.com/{slug(f.name)}/{n}",
    "picklist": _g_picklist,
    "combobox": _g_picklist,
    "multipicklist": _g_multi,
    "boolean": lambda f, fake, n: fake.random.random() < 0.5,
    "int": _g_int,
    "long": lambda f, fake, n: fake.random.randint(0, 10**12),
    "double": _g_double,
    "currency": lambda f, fake, n: float(fake.random.randrange(100, 100_000, 50)),
    "percent": lambda f, fake, n: round(fake.random.uniform(0, 100), f.raw.get("scale") or 0),
    "date": lambda f, fake, n: fake.past_date(3 * 365),
    "datetime": lambda f, fake, n: fake.past_datetime(3 * 365),
    "time": _g_time,
    "base64": lambda f, fake, n: b64(f"{f.name} {n}"),
    "encryptedstring": lambda f, fake, n: f"secret-{n:06d}",
    "anyType": lambda f, fake, n: str(n),
}


def seedable_fields(obj: ObjectMeta) -> list[FieldMeta]:
    """Fields a generic row fills: createable, stored, not system, not formula."""
    return [
        f
        for f in obj.stored_fields()
        if f.flag("createable")
        and not f.flag("calculated")
        and not f.flag("autoNumber")
        and f.name.lower() not in SERVER_FIELDS
    ]


def required(f: FieldMeta) -> bool:
    return not f.flag("nillable") and not f.flag("defaultedOnCreate") and f.type != "boolean"


def generic_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    """Rows for an object this module does not know: a value of each field's type."""
    fields = seedable_fields(ctx.obj)
    for n in range(1, count + 1):
        row: Row = {}
        for f in fields:
            if f.type == "reference":
                targets = [t for t in f.reference_to if ctx.ids.get(t)]
                row[f.name] = ctx.ref(targets[0]) if targets else None
            elif required(f) or ctx.some(0.8):
                row[f.name] = generic_value(f, ctx.fake, n)
        row.update(ctx.history())
        yield row


# --------------------------------------------------------------------------- conforming rows
def conform(ctx: Ctx, rows: Iterator[Row]) -> Iterator[Row]:
    """Drop fields the object lacks, cut strings to length, fill missing required fields.

    Rows are changed in place (builders hand over fresh dicts); the checks are set
    operations and a short loop over the length-limited fields, so they stay cheap."""
    obj = ctx.obj
    allowed = {f.name for f in obj.stored_fields()}
    limits = [
        (f.name, f.raw["length"])
        for f in obj.stored_fields()
        if f.type in STRING_TYPES and 0 < (f.raw.get("length") or 0) < MAX_GENERATED
    ]
    needed = [f for f in seedable_fields(obj) if required(f) and f.type != "reference"]
    flags = boolean_defaults(obj)
    for n, row in enumerate(rows, 1):
        for key in row.keys() - allowed:
            del row[key]
        for key, limit in limits:
            value = row.get(key)
            if value.__class__ is str and len(value) > limit:
                row[key] = value[:limit]
        for f in needed:
            if row.get(f.name) is None:
                row[f.name] = generic_value(f, ctx.fake, n)
        for key, default in flags:
            if row.get(key) is None:
                row[key] = default
        yield row


def boolean_defaults(obj: ObjectMeta) -> list[tuple[str, bool]]:
    """Non-nillable checkboxes the org does not fill itself, with their default value."""
    return [
        (f.name, f.raw.get("defaultValue") is True)
        for f in obj.stored_fields()
        if f.type == "boolean"
        and not f.flag("nillable")
        and not f.flag("calculated")
        and f.name.lower() not in SERVER_FIELDS
    ]
