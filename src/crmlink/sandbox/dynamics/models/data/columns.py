"""Which column a single-property path names, and the update that clears or sets it.

`contacts(id)/firstname` names a column; `contacts(id)/parentcustomerid_account/$ref`
(or the lookup's `_x_value` / logical name) names a lookup, cleared through its
`@odata.bind`. The primary key and the columns the server keeps cannot be written.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from crmlink.sandbox.dynamics.errors import InvalidArgument, unknown_segment
from crmlink.sandbox.dynamics.models.data.tables import table
from crmlink.sandbox.dynamics.models.data.values import quote_ident
from crmlink.sandbox.dynamics.models.metadata.model import STORED_TYPES, AttributeDef, EntityDef

SERVER_KEPT = frozenset({"createdon", "modifiedon", "versionnumber", "createdby", "modifiedby"})


@dataclass(frozen=True)
class Column:
    attr: AttributeDef
    wire: str  # the JSON property name: `firstname`, `_parentcustomerid_value`

    def update_body(self, value: object) -> dict[str, object]:
        """The PATCH body writing `value` (None clears) into the column."""
        if self.attr.is_lookup:
            if self.attr.attribute_type == "Owner":
                raise InvalidArgument("A record's owner can be changed (Assign), not cleared.")
            if value is not None:
                raise InvalidArgument("A lookup is set with @odata.bind or a $ref, not a value.")
            return {f"{self.attr.logical_name}@odata.bind": None}
        return {self.attr.logical_name: value}


def _navigation(entity: EntityDef, name: str) -> AttributeDef | None:
    """The lookup a navigation property names (`primarycontactid`, `parentcustomerid_account`)."""
    lowered = name.lower()
    for attr in entity.attributes.values():
        if not attr.is_lookup:
            continue
        names = {attr.logical_name, *(f"{attr.logical_name}_{t}" for t in attr.targets)}
        if lowered in names:
            return attr
    return None


def column(entity: EntityDef, name: str, ref: bool = False) -> Column:
    """The column `name` names on `entity` (a navigation property when `ref`)."""
    attr = _navigation(entity, name) if ref else entity.by_wire_name(name)
    if attr is None and not ref:
        attr = _navigation(entity, name)
    if attr is None or attr.attribute_type not in STORED_TYPES:
        raise unknown_segment(name)
    return Column(attr, attr.wire_name)


def writable(entity: EntityDef, col: Column) -> Column:
    """`col`, if a client may write it; the service's 400 otherwise."""
    name = col.attr.logical_name
    if name == entity.primary_id or name in SERVER_KEPT:
        raise InvalidArgument(
            f"The property '{name}' of entity '{entity.logical_name}' cannot be updated."
        )
    return col


def current_value(conn: sqlite3.Connection, entity: EntityDef, record_id: str, wire: str):
    """The stored value of the column `wire` names on one record (lower-case if text)."""
    attr = entity.by_wire_name(wire)
    if attr is None:
        return None
    pk = quote_ident(entity.primary_id)
    row = conn.execute(
        f"SELECT {quote_ident(attr.logical_name)} FROM {table(entity)} WHERE {pk} = ?",
        (record_id,),
    ).fetchone()
    value = None if row is None else row[0]
    return value.lower() if isinstance(value, str) else value
