"""Property definitions and groups: what `/crm/v3/properties/{objectType}` lists.

`PropertyDef` is one property as HubSpot describes it (`to_api()` gives its JSON);
`PropertyCatalog` holds every object type's properties and groups, the built-in ones
(`models/builtin.py`) plus those created through the API, and answers `of(object_type)`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from crmlink.sandbox.hubspot.errors import (
    AlreadyExists,
    ObjectNotFound,
    ValidationFailed,
    property_not_found,
)

TYPES = ("string", "number", "date", "datetime", "enumeration", "bool", "phone_number")
# The field types each type may be shown with (HubSpot refuses other pairs).
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "string": ("text", "textarea", "html", "file", "phonenumber"),
    "number": ("number", "calculation_equation", "calculation_rollup"),
    "date": ("date",),
    "datetime": ("date",),
    "enumeration": ("select", "radio", "checkbox", "booleancheckbox", "calculation_equation"),
    "bool": ("booleancheckbox", "calculation_equation"),
    "phone_number": ("phonenumber",),
}
BUILTIN_STAMP = "2019-08-06T02:41:52.000Z"  # when HubSpot's own properties were defined


@dataclass(frozen=True)
class Option:
    label: str
    value: str
    display_order: int = 0
    hidden: bool = False

    def to_api(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "displayOrder": self.display_order,
            "hidden": self.hidden,
        }


@dataclass(frozen=True)
class PropertyDef:
    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    options: tuple[Option, ...] = ()
    read_only: bool = False
    calculated: bool = False
    has_unique_value: bool = False
    hidden: bool = False
    description: str = ""
    display_order: int = -1
    external_options: bool = False
    hubspot_defined: bool = False
    form_field: bool = True
    created_at: str = BUILTIN_STAMP
    updated_at: str = BUILTIN_STAMP
    archived_at: str | None = None

    @property
    def multiple(self) -> bool:
        """A multiple-checkbox enumeration: values are `a;b`."""
        return self.type == "enumeration" and self.field_type == "checkbox"

    def option_values(self) -> frozenset[str]:
        return frozenset(o.value for o in self.options)

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "updatedAt": self.updated_at,
            "createdAt": self.created_at,
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": [o.to_api() for o in self.options],
            "displayOrder": self.display_order,
            "calculated": self.calculated,
            "externalOptions": self.external_options,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "hubspotDefined": self.hubspot_defined,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only or self.calculated,
            },
            "formField": self.form_field,
            "dataSensitivity": "non_sensitive",
        }
        body["archived"] = self.archived_at is not None
        if self.archived_at is not None:
            body["archivedAt"] = self.archived_at
        return body


@dataclass(frozen=True)
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1
    archived: bool = False

    def to_api(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "displayOrder": self.display_order,
            "archived": self.archived,
        }


@dataclass
class _TypeCatalog:
    properties: dict[str, PropertyDef] = field(default_factory=dict)
    groups: dict[str, PropertyGroup] = field(default_factory=dict)


class PropertyCatalog:
    """Every object type's properties (live and archived) and groups, behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._types: dict[str, _TypeCatalog] = {}
        self.on_change: Callable[[], None] | None = None  # a definition was made or changed

    def changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def export(self) -> dict[str, tuple[list[PropertyDef], list[PropertyGroup]]]:
        """Every type's properties (archived too) and groups, to keep them."""
        with self._lock:
            return {
                name: (list(entry.properties.values()), list(entry.groups.values()))
                for name, entry in self._types.items()
            }

    def add_object_type(
        self, object_type: str, props: list[PropertyDef], groups: list[PropertyGroup]
    ) -> None:
        with self._lock:
            self._types[object_type] = _TypeCatalog(
                {p.name: p for p in props}, {g.name: g for g in groups}
            )

    def drop_object_type(self, object_type: str) -> None:
        with self._lock:
            self._types.pop(object_type, None)

    def _type(self, object_type: str) -> _TypeCatalog:
        found = self._types.get(object_type)
        if found is None:
            raise ObjectNotFound(f"Unable to infer object type from: {object_type}")
        return found

    def of(self, object_type: str) -> dict[str, PropertyDef]:
        """The live (not archived) properties of an object type, by name."""
        with self._lock:
            props = self._type(object_type).properties
            return {n: p for n, p in props.items() if p.archived_at is None}

    def archived_of(self, object_type: str) -> dict[str, PropertyDef]:
        with self._lock:
            props = self._type(object_type).properties
            return {n: p for n, p in props.items() if p.archived_at is not None}

    def unique_names(self, object_type: str) -> tuple[str, ...]:
        return tuple(n for n, p in self.of(object_type).items() if p.has_unique_value)

    def get(self, object_type: str, name: str, label: str) -> PropertyDef:
        """A live property; a missing one raises HubSpot's 404 (`label`: the type's name)."""
        found = self.of(object_type).get(name)
        if found is None:
            raise property_not_found(name, label)
        return found

    def put(self, object_type: str, prop: PropertyDef, *, new: bool) -> PropertyDef:
        """Store a property (created: its name must be free, its group must exist)."""
        with self._lock:
            entry = self._type(object_type)
            if new and prop.name in entry.properties:
                raise AlreadyExists(f"Property named '{prop.name}' already exists.")
            if prop.group_name not in entry.groups:
                raise ValidationFailed(
                    f"Property group {prop.group_name} does not exist for {object_type}"
                )
            entry.properties[prop.name] = prop
        self.changed()
        return prop

    def archive(self, object_type: str, name: str, label: str, stamp: str) -> None:
        with self._lock:
            prop = self.get(object_type, name, label)
            if prop.hubspot_defined:
                raise ValidationFailed(f"Property {name} is HubSpot-defined and cannot be archived")
            self._type(object_type).properties[name] = replace(prop, archived_at=stamp)
        self.changed()

    # -- groups ---------------------------------------------------------------------
    def groups(self, object_type: str) -> list[PropertyGroup]:
        with self._lock:
            return [g for g in self._type(object_type).groups.values() if not g.archived]

    def group(self, object_type: str, name: str) -> PropertyGroup:
        with self._lock:
            found = self._type(object_type).groups.get(name)
        if found is None or found.archived:
            raise ObjectNotFound(f"Property group {name} does not exist for {object_type}")
        return found

    def put_group(self, object_type: str, group: PropertyGroup, *, new: bool) -> PropertyGroup:
        with self._lock:
            entry = self._type(object_type)
            existing = entry.groups.get(group.name)
            if new and existing is not None and not existing.archived:
                raise AlreadyExists(f"Property group named '{group.name}' already exists.")
            entry.groups[group.name] = group
        self.changed()
        return group

    def archive_group(self, object_type: str, name: str) -> None:
        with self._lock:
            group = self.group(object_type, name)
            self._type(object_type).groups[name] = replace(group, archived=True)
        self.changed()
