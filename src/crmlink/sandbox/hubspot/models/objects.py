"""Object types: the standard ones (contacts `0-1`, companies `0-2`, deals `0-3`) and the
portal's custom objects (`/crm/v3/schemas`), and the resolver of the `{objectType}` path
segment: a plural standard name, a standard id, or a custom object's objectTypeId,
fullyQualifiedName or name.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from crmlink.sandbox.hubspot.errors import AlreadyExists, unknown_object_type


@dataclass(frozen=True)
class AssociationDef:
    """A custom object's association definition (schema `associations`)."""

    id: str
    from_type_id: str
    to_type_id: str
    name: str
    created_at: str
    updated_at: str

    def to_api(self) -> dict[str, Any]:
        return {
            "fromObjectTypeId": self.from_type_id,
            "toObjectTypeId": self.to_type_id,
            "name": self.name,
            "id": self.id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass(frozen=True)
class ObjectType:
    name: str  # crmlink's table name and the records table's object_type
    type_id: str  # `0-1`, `2-<n>`
    singular: str
    plural: str
    primary_property: str
    default_properties: tuple[str, ...] = ()
    custom: bool = False
    fully_qualified_name: str = ""
    schema_id: str = ""
    secondary_properties: tuple[str, ...] = ()
    required_properties: tuple[str, ...] = ()
    searchable_properties: tuple[str, ...] = ()
    description: str = ""
    associations: tuple[AssociationDef, ...] = ()
    created_at: str = ""
    updated_at: str = ""
    first_id: int = 101  # ids this type's records start from

    def segments(self) -> tuple[str, ...]:
        """The `{objectType}` path segments naming this type."""
        names = (self.name, self.type_id)
        return (*names, self.fully_qualified_name) if self.custom else names


SERVER_KEPT = ("createdate", "hs_lastmodifieddate", "hs_object_id")
STANDARD = (
    ObjectType(
        "contacts",
        "0-1",
        "Contact",
        "Contacts",
        "email",
        ("firstname", "lastname", "email", "createdate", "lastmodifieddate", "hs_object_id"),
        first_id=1001,
    ),
    ObjectType(
        "companies",
        "0-2",
        "Company",
        "Companies",
        "name",
        ("name", "domain", *SERVER_KEPT),
        first_id=5001,
    ),
    ObjectType(
        "deals",
        "0-3",
        "Deal",
        "Deals",
        "dealname",
        ("dealname", "amount", "closedate", "pipeline", "dealstage", *SERVER_KEPT),
        first_id=9001,
    ),
)


@dataclass
class ObjectRegistry:
    """The portal's object types; custom ones come and go with `/crm/v3/schemas`."""

    portal_id: int
    _types: dict[str, ObjectType] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        for object_type in STANDARD:
            self._types[object_type.name] = object_type

    def all(self) -> list[ObjectType]:
        with self._lock:
            return list(self._types.values())

    def custom(self) -> list[ObjectType]:
        return [t for t in self.all() if t.custom]

    def resolve(self, segment: str) -> ObjectType:
        """The type a path segment names; unknown: HubSpot's 404 (OBJECT_NOT_FOUND)."""
        with self._lock:
            for object_type in self._types.values():
                if segment in object_type.segments():
                    return object_type
                if object_type.custom and segment.lower() == object_type.name.lower():
                    return object_type
        raise unknown_object_type(segment)

    def next_custom_id(self) -> str:
        """A new custom object's objectTypeId: `2-<n>`."""
        with self._lock:
            numbers = [int(t.type_id.split("-")[1]) for t in self._types.values() if t.custom]
        return f"2-{max(numbers, default=7_160_000) + 1}"

    def add(self, object_type: ObjectType) -> ObjectType:
        with self._lock:
            if object_type.name in self._types:
                raise AlreadyExists(f"Object type with name {object_type.name} already exists")
            self._types[object_type.name] = object_type
            return object_type

    def replace(self, object_type: ObjectType) -> None:
        with self._lock:
            self._types[object_type.name] = object_type

    def remove(self, name: str) -> None:
        with self._lock:
            self._types.pop(name, None)

    def reset(self) -> None:
        """Back to the standard types only."""
        with self._lock:
            self._types = {t.name: t for t in STANDARD}
