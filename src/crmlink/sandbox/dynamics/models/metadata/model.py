"""Entity and attribute definitions: the org's schema, whether built in or loaded from JSON.

An `EntityDef` knows its storable attributes (one SQLite column each), its alternate
keys, and how its records are named on the wire (entity set, primary id, primary name).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

NS = uuid.UUID("5b0c7a56-3c1d-4c55-9d0e-6d2f6f1c7a10")

LOOKUP_TYPES = frozenset({"Lookup", "Customer", "Owner"})
OPTION_TYPES = frozenset({"Picklist", "State", "Status", "MultiSelectPicklist"})
NUMBER_TYPES = frozenset({"Integer", "BigInt", "Double", "Decimal", "Money"})
TEXT_TYPES = frozenset({"String", "Memo", "EntityName"})
STORED_TYPES = (
    LOOKUP_TYPES
    | OPTION_TYPES
    | NUMBER_TYPES
    | TEXT_TYPES
    | {"Boolean", "DateTime", "Uniqueidentifier"}
)


def metadata_id(*parts: str) -> str:
    """A stable MetadataId derived from names, so the same schema gives the same ids."""
    return str(uuid.uuid5(NS, "/".join(parts)))


@dataclass
class Option:
    value: int
    label: str
    state: int | None = None  # Status options: the statecode they belong to
    default_status: int | None = None  # State options: their default statuscode
    invariant: str | None = None


@dataclass
class AttributeDef:
    logical_name: str
    attribute_type: str
    display_name: str = ""
    schema_name: str = ""
    targets: list[str] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    option_set_name: str | None = None
    is_global: bool = False
    precision: int | None = None
    max_length: int | None = None
    date_only: bool = False
    required: str = "None"
    is_custom: bool = False
    entity: str = ""
    metadata_id: str = ""
    raw: dict | None = None

    def __post_init__(self) -> None:
        self.schema_name = self.schema_name or self.logical_name
        self.display_name = self.display_name or self.schema_name

    @property
    def is_lookup(self) -> bool:
        return self.attribute_type in LOOKUP_TYPES

    @property
    def polymorphic(self) -> bool:
        return self.is_lookup and (len(self.targets) != 1 or self.attribute_type != "Lookup")

    @property
    def wire_name(self) -> str:
        """The property name in JSON: lookups are `_name_value`."""
        return f"_{self.logical_name}_value" if self.is_lookup else self.logical_name

    def option_label(self, value: int) -> str | None:
        for opt in self.options:
            if opt.value == value:
                return opt.label
        return None


@dataclass
class EntityDef:
    logical_name: str
    entity_set_name: str
    primary_id: str
    primary_name: str | None
    display_name: str = ""
    display_collection_name: str = ""
    schema_name: str = ""
    object_type_code: int = 10000
    is_custom: bool = False
    ownership: str = "UserOwned"
    attributes: dict[str, AttributeDef] = field(default_factory=dict)
    alternate_keys: list[list[str]] = field(default_factory=list)
    metadata_id: str = ""
    raw: dict | None = None

    def __post_init__(self) -> None:
        self.schema_name = self.schema_name or self.logical_name
        self.display_name = self.display_name or self.schema_name
        self.display_collection_name = self.display_collection_name or self.entity_set_name
        self.metadata_id = self.metadata_id or metadata_id(self.logical_name)

    def add(self, attr: AttributeDef) -> None:
        attr.entity = self.logical_name
        attr.metadata_id = attr.metadata_id or metadata_id(self.logical_name, attr.logical_name)
        self.attributes[attr.logical_name] = attr

    @property
    def stored(self) -> list[AttributeDef]:
        return [a for a in self.attributes.values() if a.attribute_type in STORED_TYPES]

    def by_wire_name(self, name: str) -> AttributeDef | None:
        """Find an attribute by its JSON property name (`_x_value` for lookups)."""
        if name.startswith("_") and name.endswith("_value"):
            attr = self.attributes.get(name[1:-6])
            return attr if attr is not None and attr.is_lookup else None
        attr = self.attributes.get(name)
        if attr is None or attr.is_lookup or attr.attribute_type not in STORED_TYPES:
            return None
        return attr


@dataclass
class OrgSchema:
    entities: dict[str, EntityDef] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)  # tables made through the Web API

    def add(self, entity: EntityDef) -> None:
        self.entities[entity.logical_name] = entity

    # Tables created or deleted while requests run: the dict is replaced, never changed in
    # place, so a handler iterating the old one elsewhere is not disturbed.
    def add_created(self, entity: EntityDef) -> None:
        self.entities = {**self.entities, entity.logical_name: entity}
        self.created = {*self.created, entity.logical_name}

    def remove_created(self, name: str) -> None:
        self.entities = {k: v for k, v in self.entities.items() if k != name}
        self.created = self.created - {name}

    def forget_created(self) -> list[EntityDef]:
        """Drop the Web API's tables from the schema (a reset); returns them."""
        gone = [self.entities[n] for n in sorted(self.created) if n in self.entities]
        for entity in gone:
            self.remove_created(entity.logical_name)
        return gone

    def by_set(self, entity_set: str) -> EntityDef | None:
        for entity in self.entities.values():
            if entity.entity_set_name == entity_set:
                return entity
        return None

    def by_metadata_id(self, mid: str) -> EntityDef | None:
        for entity in self.entities.values():
            if entity.metadata_id == mid.lower():
                return entity
        return None

    def global_option_sets(self) -> dict[str, AttributeDef]:
        found: dict[str, AttributeDef] = {}
        for entity in self.entities.values():
            for attr in entity.attributes.values():
                if attr.is_global and attr.option_set_name:
                    found.setdefault(attr.option_set_name, attr)
        return found
