"""`associations` in a create input (basic and batch create): `[{"to": {"id"}, "types":
[{"associationCategory", "associationTypeId"}]}]`, checked before the record is written
(known type from this object type, target record live), linked once it is."""

from __future__ import annotations

import sqlite3
from typing import Any

from crmlink.sandbox.hubspot.errors import ValidationFailed
from crmlink.sandbox.hubspot.models import associations as assoc
from crmlink.sandbox.hubspot.models.records import parse_id

Link = tuple[assoc.AssociationType, int]  # the type and the target record's id


def _kind(from_type: str, spec: Any) -> assoc.AssociationType:
    if not isinstance(spec, dict):
        raise ValidationFailed("Invalid input JSON: association types must be objects")
    category = str(spec.get("associationCategory", assoc.HUBSPOT_DEFINED))
    try:
        type_id = int(spec.get("associationTypeId"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationFailed("associationTypeId must be a number") from None
    for kind in assoc.TYPES:
        if kind.from_type == from_type and kind.type_id == type_id and kind.category == category:
            return kind
    raise ValidationFailed(
        f"{category} {type_id} is not a valid association type from {from_type}."
    )


def planned_links(conn: sqlite3.Connection, from_type: str, raw: Any) -> list[Link]:
    """The links a create input asks for; a bad type or a missing target: 400."""
    if not raw:
        return []
    if not isinstance(raw, list):
        raise ValidationFailed("Invalid input JSON: associations must be a list")
    out: list[Link] = []
    for item in raw:
        target = item.get("to") if isinstance(item, dict) else None
        target_id = str(target.get("id", "")) if isinstance(target, dict) else ""
        to_id = parse_id(target_id)
        if to_id is None:
            raise ValidationFailed("Invalid input JSON: each association needs to.id")
        for spec in item.get("types") or ():
            kind = _kind(from_type, spec)
            if not assoc.exists(conn, kind.to_type, to_id):
                raise ValidationFailed(
                    f"One or more associations are invalid: {kind.to_type} {target_id} "
                    "does not exist"
                )
            out.append((kind, to_id))
    return out


def link(conn: sqlite3.Connection, links: list[Link], from_id: int) -> None:
    for kind, to_id in links:
        assoc.associate(conn, [kind], from_id, to_id)
