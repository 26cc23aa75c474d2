"""Custom objects: `/crm/v3/schemas` defines them; each becomes an object type with its
own properties (and records in the shared table). The portal starts with one,
`loyalty_card` (card number unique, tier, points, issued date; associated with contacts)."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from crmlink.sandbox.hubspot.errors import AlreadyExists, ValidationFailed
from crmlink.sandbox.hubspot.models.builtin import BUILTIN, LOYALTY, LOYALTY_GROUPS, LOYALTY_STAMP
from crmlink.sandbox.hubspot.models.objects import AssociationDef, ObjectRegistry, ObjectType
from crmlink.sandbox.hubspot.models.properties import PropertyCatalog, PropertyDef, PropertyGroup
from crmlink.sandbox.hubspot.models.property_input import check_name, property_from_api
from crmlink.sandbox.hubspot.models.records import RecordStore
from crmlink.sandbox.hubspot.models.values import wire_datetime

ASSOCIABLE = {"CONTACT": "0-1", "COMPANY": "0-2", "DEAL": "0-3"}
LOYALTY_SCHEMA = {
    "name": "loyalty_card",
    "labels": {"singular": "Loyalty card", "plural": "Loyalty cards"},
    "description": "A customer's loyalty card",
    "primaryDisplayProperty": "card_number",
    "secondaryDisplayProperties": ["tier"],
    "requiredProperties": ["card_number"],
    "searchableProperties": ["card_number"],
    "associatedObjects": ["CONTACT"],
}


class SchemaService:
    def __init__(
        self, objects: ObjectRegistry, catalog: PropertyCatalog, records: RecordStore
    ) -> None:
        self.objects, self.catalog, self.records = objects, catalog, records
        self._lock = threading.Lock()
        self._association_ids = 100

    def install_builtin(self) -> None:
        """The standard types' properties and the pre-defined `loyalty_card`."""
        self.objects.reset()
        for name, (props, groups) in BUILTIN.items():
            self.catalog.add_object_type(name, list(props), list(groups))
        self._association_ids = 100
        self._define(LOYALTY_SCHEMA, list(LOYALTY), list(LOYALTY_GROUPS), LOYALTY_STAMP)

    def restore(self, custom: list[ObjectType]) -> None:
        """Custom objects kept from an earlier run (their properties: the catalog's)."""
        for object_type in custom:
            self.objects.replace(object_type)
            for association in object_type.associations:
                self._association_ids = max(self._association_ids, int(association.id))

    def _next_association_id(self) -> str:
        with self._lock:
            self._association_ids += 1
            return str(self._association_ids)

    def _define(
        self, data: dict, props: list[PropertyDef], groups: list[PropertyGroup], stamp: str
    ) -> ObjectType:
        type_id = self.objects.next_custom_id()
        labels = data.get("labels") or {}
        associations = []
        for target in data.get("associatedObjects") or ():
            to_id = ASSOCIABLE.get(str(target).upper())
            if to_id is None:
                raise ValidationFailed(f"Unknown associated object: {target}")
            name = f"{data['name']}_to_{str(target).lower()}"
            associations.append(
                AssociationDef(self._next_association_id(), type_id, to_id, name, stamp, stamp)
            )
        object_type = ObjectType(
            name=data["name"],
            type_id=type_id,
            singular=str(labels.get("singular") or data["name"]),
            plural=str(labels.get("plural") or data["name"]),
            primary_property=str(data.get("primaryDisplayProperty") or ""),
            default_properties=("createdate", "hs_lastmodifieddate", "hs_object_id"),
            custom=True,
            fully_qualified_name=f"p{self.objects.portal_id}_{data['name']}",
            schema_id=type_id.split("-")[1],
            secondary_properties=tuple(data.get("secondaryDisplayProperties") or ()),
            required_properties=tuple(data.get("requiredProperties") or ()),
            searchable_properties=tuple(data.get("searchableProperties") or ()),
            description=str(data.get("description") or ""),
            associations=tuple(associations),
            created_at=stamp,
            updated_at=stamp,
            first_id=20001,
        )
        self.objects.add(object_type)
        self.catalog.add_object_type(object_type.name, props, groups)
        return object_type

    def create(self, payload: Any, stamp: str) -> ObjectType:
        """`POST /crm/v3/schemas`: a new custom object with its properties."""
        if not isinstance(payload, dict) or not payload.get("name"):
            raise ValidationFailed("Some required fields were not set: [name]")
        check_name(str(payload["name"]), "Object")
        _check_lists(payload)
        if any(t.name == payload["name"] for t in self.objects.all()):
            raise AlreadyExists(f"Object type with name {payload['name']} already exists")
        labels = payload.get("labels")
        if not isinstance(labels, dict) or not labels.get("singular") or not labels.get("plural"):
            raise ValidationFailed("Some required fields were not set: [labels]")
        group = f"{payload['name']}_information"
        groups = [PropertyGroup(group, f"{labels['singular']} information", 0)]
        props = [
            replace(p, group_name=group, created_at=stamp, updated_at=stamp) for p in LOYALTY[:3]
        ]  # hs_object_id, createdate, hs_lastmodifieddate
        names = {p.name for p in props}
        for raw in payload.get("properties") or ():
            prop = property_from_api(raw, stamp, default_group=group)
            if prop.name in names:
                raise ValidationFailed(f"Duplicate property name {prop.name}")
            names.add(prop.name)
            props.append(prop)
        for key in ("primaryDisplayProperty", "requiredProperties", "searchableProperties"):
            wanted = payload.get(key) or ()
            for name in [wanted] if isinstance(wanted, str) else wanted:
                if name not in names:
                    raise ValidationFailed(f"{key} names an unknown property: {name}")
        defined = self._define(payload, props, groups, stamp)
        self.catalog.changed()
        return defined

    def update(self, object_type: ObjectType, payload: Any, stamp: str) -> ObjectType:
        if not isinstance(payload, dict):
            raise ValidationFailed("Invalid input JSON: expected an object")
        _check_lists(payload)
        labels = payload.get("labels") or {}
        if not isinstance(labels, dict):
            raise ValidationFailed("labels must be an object with singular and plural")
        changed = replace(
            object_type,
            singular=str(labels.get("singular") or object_type.singular),
            plural=str(labels.get("plural") or object_type.plural),
            description=str(payload.get("description", object_type.description)),
            primary_property=str(
                payload.get("primaryDisplayProperty") or object_type.primary_property
            ),
            required_properties=tuple(
                payload.get("requiredProperties", object_type.required_properties)
            ),
            searchable_properties=tuple(
                payload.get("searchableProperties", object_type.searchable_properties)
            ),
            secondary_properties=tuple(
                payload.get("secondaryDisplayProperties", object_type.secondary_properties)
            ),
            updated_at=stamp,
        )
        self.objects.replace(changed)
        self.catalog.changed()
        return changed

    def delete(self, object_type: ObjectType) -> None:
        """HubSpot deletes a schema only once no record of it is left (archived ones too)."""
        live = self.records.count(object_type) + self.records.count(object_type, archived=True)
        if live:
            raise ValidationFailed(
                f"Cannot delete object schema {object_type.name}: {live} records of this type exist"
            )
        self.objects.remove(object_type.name)
        self.catalog.drop_object_type(object_type.name)
        self.catalog.changed()

    def to_api(self, object_type: ObjectType) -> dict[str, Any]:
        props = self.catalog.of(object_type.name)
        return {
            "id": object_type.schema_id,
            "createdAt": object_type.created_at,
            "updatedAt": object_type.updated_at,
            "archived": False,
            "labels": {"singular": object_type.singular, "plural": object_type.plural},
            "requiredProperties": list(object_type.required_properties),
            "searchableProperties": list(object_type.searchable_properties),
            "primaryDisplayProperty": object_type.primary_property,
            "secondaryDisplayProperties": list(object_type.secondary_properties),
            "description": object_type.description,
            "allowsSensitiveProperties": False,
            "objectTypeId": object_type.type_id,
            "fullyQualifiedName": object_type.fully_qualified_name,
            "name": object_type.name,
            "metaType": "PORTAL_SPECIFIC",
            "portalId": self.objects.portal_id,
            "properties": [p.to_api() for p in props.values()],
            "associations": [a.to_api() for a in object_type.associations],
        }


def _check_lists(payload: dict[str, Any]) -> None:
    """The schema's lists of property names are lists of names (else HubSpot's 400)."""
    for key in ("requiredProperties", "searchableProperties", "secondaryDisplayProperties"):
        value = payload.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationFailed(f"{key} must be a list of property names")


def now_stamp(records: RecordStore) -> str:
    """The sandbox clock's time, as HubSpot writes definition stamps."""
    return wire_datetime(records.clock.now())
