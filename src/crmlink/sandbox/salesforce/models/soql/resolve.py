"""Field-path resolution against the catalog, and the LEFT JOINs that parent paths need.

`Account.Owner.Email` on Contact resolves to the `Email` field of `p2`, where `p1` is the
Account joined on `t.AccountId` and `p2` the User joined on `p1.OwnerId`. Joins are shared:
every path through the same relationships reuses the same alias.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..describes import Catalog, FieldMeta, ObjectMeta, quote_ident
from . import ast
from .errors_fmt import bad_relationship, invalid_field, no_such_column

ROOT = "t"


@dataclass(frozen=True)
class Join:
    alias: str
    obj: ObjectMeta
    ref_field: FieldMeta
    parent_alias: str
    relationship: str  # canonical relationshipName, e.g. "Account"

    @property
    def sql(self) -> str:
        return (
            f"LEFT JOIN {quote_ident(self.obj.table)} AS {self.alias} "
            f'ON {self.alias}."Id" = {self.parent_alias}.{quote_ident(self.ref_field.name)}'
        )


@dataclass(frozen=True)
class Resolved:
    """A field reached by a path: the table alias holding it and the joins walked."""

    field: FieldMeta
    obj: ObjectMeta
    alias: str
    joins: tuple[Join, ...]
    pos: int

    @property
    def column(self) -> str:
        return f"{self.alias}.{quote_ident(self.field.name)}"

    @property
    def key(self) -> tuple[str, ...]:
        return (*(j.relationship.lower() for j in self.joins), self.field.name.lower())

    @property
    def label(self) -> str:
        """`Account.Name` with Salesforce's spelling (Bulk CSV header)."""
        return ".".join([*(j.relationship for j in self.joins), self.field.name])


class Resolver:
    def __init__(self, catalog: Catalog, obj: ObjectMeta, text: str, alias: str | None) -> None:
        self.catalog, self.obj, self.text = catalog, obj, text
        self.prefixes = {obj.name.lower()} | ({alias.lower()} if alias else set())
        self.joins: dict[tuple[str, ...], Join] = {}

    def resolve(self, path: ast.FieldPath) -> Resolved:
        parts = list(path.parts)
        if (
            len(parts) > 1
            and parts[0].lower() in self.prefixes
            and self.obj.relationship(parts[0]) is None
        ):
            parts = parts[1:]
        obj, alias = self.obj, ROOT
        walked: list[str] = []
        for rel in parts[:-1]:
            join = self._join(obj, alias, rel, tuple(walked), path.pos)
            walked.append(join.relationship.lower())
            obj, alias = join.obj, join.alias
        fmeta = obj.field(parts[-1])
        if fmeta is None:
            name = path.text if len(parts) == 1 else parts[-1]
            raise no_such_column(self.text, path.pos, name, obj.name)
        joins = tuple(self.joins[tuple(walked[: i + 1])] for i in range(len(walked)))
        return Resolved(fmeta, obj, alias, joins, path.pos)

    def _join(self, obj: ObjectMeta, alias: str, rel: str, walked: tuple, pos: int) -> Join:
        ref = obj.relationship(rel)
        if ref is None:
            raise bad_relationship(self.text, pos, rel)
        relationship = ref.relationship_name
        if relationship is None:  # relationship() found `ref` by its relationshipName
            raise AttributeError("'NoneType' object has no attribute 'lower'")
        key = (*walked, relationship.lower())
        if key in self.joins:
            return self.joins[key]
        parent = self._parent_object(ref)
        if parent is None:
            raise bad_relationship(self.text, pos, rel)
        join = Join(f"p{len(self.joins) + 1}", parent, ref, alias, relationship)
        self.joins[key] = join
        return join

    def _parent_object(self, ref: FieldMeta) -> ObjectMeta | None:
        """`referenceTo[0]`; for polymorphic fields the first target the org knows."""
        for name in ref.reference_to:
            found = self.catalog.get(name)
            if found is not None:
                return found
        return None

    def from_sql(self) -> str:
        parts = [f"{quote_ident(self.obj.table)} AS {ROOT}"]
        parts += [j.sql for j in self.joins.values()]
        return " ".join(parts)

    # ---- checks by usage --------------------------------------------------------------

    def filterable(self, path: ast.FieldPath) -> Resolved:
        r = self.resolve(path)
        if r.field.compound or r.field.raw.get("filterable") is False:
            raise invalid_field(
                self.text, path.pos, f"field '{r.field.name}' can not be filtered in query call"
            )
        return r

    def sortable(self, path: ast.FieldPath) -> Resolved:
        r = self.resolve(path)
        if r.field.compound or r.field.raw.get("sortable") is False:
            raise invalid_field(
                self.text, path.pos, f"field '{r.field.name}' can not be sorted in a query call"
            )
        return r
