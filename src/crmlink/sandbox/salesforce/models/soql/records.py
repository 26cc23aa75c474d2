"""SELECT-list planning and the row -> REST record / Bulk CSV conversions.

`plan_fields` turns the select list into SQL column expressions plus a `Shape` tree (one
node per object level) from which a per-query record builder is made once; converting a
row is then a few list lookups and dict stores, cheap enough for a million rows.
Row layout: the selected columns in order (a compound field takes one column per
component), then hidden `Id` columns for every object level whose Id was not selected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..describes import FieldMeta, quote_ident
from . import ast
from .errors_fmt import invalid_field, malformed
from .resolve import ROOT, Resolver
from .types import FLOAT_TYPES, ID_TYPES, INT_TYPES, NUMBER_TYPES, is_text

# converters take a value as SQLite returns it (None is never passed)
Converter = Callable[[Any], object] | None
VALUE, COMPOUND, RELATION = 0, 1, 2

_COMPONENT_KEYS = (
    ("GeocodeAccuracy", "geocodeAccuracy"),
    ("PostalCode", "postalCode"),
    ("StateCode", "stateCode"),
    ("CountryCode", "countryCode"),
    ("Street", "street"),
    ("City", "city"),
    ("State", "state"),
    ("Country", "country"),
    ("Latitude", "latitude"),
    ("Longitude", "longitude"),
)


def component_key(name: str) -> str:
    """`MailingPostalCode` -> `postalCode`; `Loc__Latitude__s` -> `latitude`."""
    base = name[:-3] if name.endswith("__s") else name
    for suffix, key in _COMPONENT_KEYS:
        if base.endswith(suffix):
            return key
    return base[:1].lower() + base[1:]


def json_converter(type_name: str) -> Converter:
    if type_name == "boolean":
        return bool
    if type_name in INT_TYPES:
        return int
    if type_name in FLOAT_TYPES:
        return float
    return None


def _float_text(v: Any) -> str:
    text = repr(float(v))
    return format(float(v), "f") if "e" in text else text


def csv_converter(type_name: str) -> Callable[[Any], str]:
    if type_name == "boolean":
        return lambda v: "" if v is None else ("true" if v else "false")
    if type_name in INT_TYPES:
        return lambda v: "" if v is None else str(int(v))
    if type_name in FLOAT_TYPES:
        return lambda v: "" if v is None else _float_text(v)
    return lambda v: "" if v is None else str(v)


@dataclass
class Shape:
    """One object level of a record: its type, where its Id is, and what to put in it."""

    type_name: str
    alias: str
    id_index: int = -1
    entries: list[tuple] = field(default_factory=list)  # (kind, key, a, b)
    children: dict[str, Shape] = field(default_factory=dict)


@dataclass
class SelectPlan:
    exprs: list[str] = field(default_factory=list)
    root: Shape | None = None
    header: list[str] = field(default_factory=list)
    csv: list[tuple[int, Callable[[Any], str]]] = field(default_factory=list)
    csv_columns: list[tuple[str, str]] = field(default_factory=list)  # (SQL, type) of `csv`
    compound: list[str] = field(default_factory=list)
    aggregate_keys: list[tuple[str, Converter]] = field(default_factory=list)

    def add(self, expr: str) -> int:
        self.exprs.append(expr)
        return len(self.exprs) - 1


# ---- planning -------------------------------------------------------------------------


def plan_fields(items: list[ast.FieldPath], resolver: Resolver, text: str) -> SelectPlan:
    root = Shape(resolver.obj.name, ROOT)
    plan = SelectPlan(root=root)
    seen: set[tuple[str, ...]] = set()
    for item in items:
        r = resolver.resolve(item)
        if r.key in seen:
            raise malformed(text, item.pos, f"duplicate field selected: {r.label}")
        seen.add(r.key)
        shape = root
        for join in r.joins:
            child = shape.children.get(join.relationship)
            if child is None:
                child = Shape(join.obj.name, join.alias)
                shape.children[join.relationship] = child
                shape.entries.append((RELATION, join.relationship, child, None))
            shape = child
        if r.field.compound:
            subs = [
                (
                    component_key(c.name),
                    plan.add(f"{r.alias}.{quote_ident(c.name)}"),
                    json_converter(c.type),
                )
                for c in r.obj.components(r.field)
            ]
            shape.entries.append((COMPOUND, r.field.name, tuple(subs), None))
            plan.compound.append(r.label)
            plan.header.append(r.label)
            continue
        index = plan.add(r.column)
        if r.field.name == "Id":
            shape.id_index = index
        shape.entries.append((VALUE, r.field.name, index, json_converter(r.field.type)))
        plan.header.append(r.label)
        plan.csv.append((index, csv_converter(r.field.type)))
        plan.csv_columns.append((r.column, r.field.type))
    _add_hidden_ids(plan, root)
    return plan


def _add_hidden_ids(plan: SelectPlan, shape: Shape) -> None:
    if shape.id_index < 0:
        shape.id_index = plan.add(f'{shape.alias}."Id"')
    for child in shape.children.values():
        _add_hidden_ids(plan, child)


def plan_aggregates(items: list[ast.Aggregate], resolver: Resolver, text: str) -> SelectPlan:
    plan = SelectPlan()
    n = 0
    for item in items:
        arg = item.arg
        if arg is None:
            raise malformed(text, item.pos, "COUNT() must be the only element in the SELECT list")
        r = resolver.resolve(arg)
        _check_aggregatable(r.field, item, arg, text)
        collate = " COLLATE NOCASE" if item.func in ("MIN", "MAX") and _nocase(r.field) else ""
        plan.add(f"{item.func}({r.column}{collate})")
        if item.alias:
            key = item.alias
        else:
            key, n = f"expr{n}", n + 1
        plan.aggregate_keys.append((key, _aggregate_converter(item.func, r.field)))
    return plan


def _nocase(fmeta: FieldMeta) -> bool:
    return is_text(fmeta.type) and fmeta.type not in ID_TYPES


def _check_aggregatable(
    fmeta: FieldMeta, item: ast.Aggregate, arg: ast.FieldPath, text: str
) -> None:
    numeric_only = item.func in ("SUM", "AVG")
    if fmeta.compound or (numeric_only and fmeta.type not in NUMBER_TYPES):
        raise invalid_field(
            text,
            arg.pos,
            f"field {fmeta.name} does not support aggregate operator {item.func}",
        )


def _aggregate_converter(func: str, fmeta: FieldMeta) -> Converter:
    if func == "COUNT":
        return int
    if func == "AVG":
        return float
    return json_converter(fmeta.type)


# ---- builders -------------------------------------------------------------------------


def record_builder(shape: Shape) -> Callable[[tuple, str], dict | None]:
    """A function (row, url_prefix) -> the REST record of `shape`, or None for a missing
    parent. `url_prefix` is `/services/data/v59.0/sobjects/`."""
    type_name, id_index = shape.type_name, shape.id_index
    entries: list[tuple] = [  # (kind, key, a, b) with a sub-builder for a RELATION
        (kind, key, record_builder(a) if kind == RELATION else a, b)
        for kind, key, a, b in shape.entries
    ]

    def build(row: tuple, prefix: str) -> dict | None:
        rid = row[id_index]
        if rid is None:
            return None
        rec: dict = {"attributes": {"type": type_name, "url": f"{prefix}{type_name}/{rid}"}}
        for kind, key, a, conv in entries:
            if kind == VALUE:
                v = row[a]
                rec[key] = v if v is None or conv is None else conv(v)
            elif kind == RELATION:
                rec[key] = a(row, prefix)
            else:
                rec[key] = _compound(row, a)
        return rec

    return build


def _compound(row: tuple, subs: tuple) -> dict | None:
    values = {
        key: row[i] if row[i] is None or conv is None else conv(row[i]) for key, i, conv in subs
    }
    return values if any(v is not None for v in values.values()) else None


def aggregate_builder(keys: list[tuple[str, Converter]]) -> Callable[[tuple, str], dict]:
    def build(row: tuple, prefix: str) -> dict:
        rec: dict = {"attributes": {"type": "AggregateResult"}}
        for i, (key, conv) in enumerate(keys):
            v = row[i]
            rec[key] = v if v is None or conv is None else conv(v)
        return rec

    return build
