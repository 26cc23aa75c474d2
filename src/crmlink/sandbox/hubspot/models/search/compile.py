"""A search request compiled to SQL over the `records` table: filterGroups (an OR of
ANDs, each filter by `terms.py`), the `associations.<type>` pseudo-property, `query` text
over the default searchable properties, and the one sort (missing values last, ties by id).
Property names are checked against the object type's properties before any SQL is built.
"""

from __future__ import annotations

from crmlink.sandbox.hubspot.errors import ValidationFailed
from crmlink.sandbox.hubspot.models.properties import PropertyDef
from crmlink.sandbox.hubspot.models.search.request import Filter, SearchRequest, Sort
from crmlink.sandbox.hubspot.models.search.terms import (
    PATH_SAFE,
    Operand,
    Sql,
    checked,
    filter_sql,
    fold,
    joined,
    json_path,
    operand,
    unknown_property,
)

# `associations.<type>`: HubSpot's pseudo-property for "associated with record N".
ASSOCIATED = "associations."
ASSOCIATION_TARGETS = {"contact": "contacts", "company": "companies", "deal": "deals"}


class Compiler:
    """One object type's properties, and how its `query` text is searched."""

    def __init__(
        self, props: dict[str, PropertyDef], searchable: tuple[str, ...], object_type: str
    ) -> None:
        self.props, self.object_type = props, object_type
        self.searchable = tuple(n for n in searchable if n in props and PATH_SAFE.fullmatch(n))

    def operand(self, name: str) -> Operand:
        prop = self.props.get(name)
        if prop is None:
            raise unknown_property(name, self.object_type)
        return operand(name, prop)

    def filter(self, f: Filter) -> Sql:
        if f.property_name.startswith(ASSOCIATED):
            return self._associated(f)
        return filter_sql(self.operand(f.property_name), f)

    def _associated(self, f: Filter) -> Sql:
        """`associations.contact` EQ/IN ids: records associated with those records."""
        other = ASSOCIATION_TARGETS.get(f.property_name.removeprefix(ASSOCIATED))
        if other is None:
            raise unknown_property(f.property_name, self.object_type)
        if f.operator not in ("EQ", "IN"):
            raise ValidationFailed(
                f"{f.property_name} can only be searched with EQ or IN, not {f.operator}."
            )
        values = f.values if f.operator == "IN" else (f.value or "",)
        ids = [checked(f.property_name, int)(v) for v in values]
        marks = ", ".join("?" for _ in ids)
        return Sql(
            "id IN (SELECT from_id FROM associations WHERE from_type = ? AND to_type = ? "
            f"AND to_id IN ({marks}))",
            (self.object_type, other, *ids),
        )

    def where(self, request: SearchRequest) -> Sql:
        parts: list[Sql] = []
        if request.groups:
            groups = [joined([self.filter(f) for f in g], "AND") for g in request.groups]
            parts.append(joined(groups, "OR"))
        if request.query:
            parts.append(self._query(request.query))
        return joined(parts, "AND") if parts else Sql("1")

    def _query(self, query: str) -> Sql:
        """Every word of `query` appears in one of the default searchable properties."""
        words = [fold(w) for w in query.split() if w]
        if not self.searchable or not words:
            return Sql("0")
        contains = "instr(lower(NULLIF(json_extract(properties, ?), '')), ?) > 0"
        terms = [
            joined([Sql(contains, (json_path(name), word)) for name in self.searchable], "OR")
            for word in words
        ]
        return joined(terms, "AND")

    def order(self, sort: Sort | None) -> Sql:
        """One sort, missing values last, ties by id. Default: oldest first, by id (ids
        are given in creation order, and the primary key keeps this order cheap)."""
        if sort is None:
            return Sql("id ASC")
        op = self.operand(sort.property_name)
        direction = "DESC" if sort.descending else "ASC"
        if op.expr in ("id", "created_ms", "updated_ms"):  # index order, ties the same way
            return Sql(f"{op.expr} {direction}, id {direction}")
        nulls_last = op.sql("({e} IS NULL)")
        keyed = op.sql(f"{{e}} {direction}")
        return Sql(f"{nulls_last.text}, {keyed.text}, id ASC", nulls_last.params + keyed.params)
