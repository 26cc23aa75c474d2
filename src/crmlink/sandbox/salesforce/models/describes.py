"""Object metadata loaded from Salesforce describe JSON (the same files the real API returns).

Each object is kept as its verbatim describe (served back unchanged) plus a typed view
used by the store, the validator and the SOQL compiler. Field names are matched without
regard to case, as Salesforce does; every field that is not a compound (address,
location) has a column of the same name in the object's SQLite table.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

COMPOUND_TYPES = frozenset({"address", "location"})
METADATA_DIR = Path(__file__).parent.parent / "metadata"


@dataclass(frozen=True)
class FieldMeta:
    name: str
    type: str
    raw: dict

    @property
    def compound(self) -> bool:
        return self.type in COMPOUND_TYPES

    @property
    def column(self) -> str | None:
        """The SQLite column holding the value, or None for compound fields."""
        return None if self.compound else self.name

    @property
    def reference_to(self) -> list[str]:
        return list(self.raw.get("referenceTo") or [])

    @property
    def relationship_name(self) -> str | None:
        return self.raw.get("relationshipName")

    @property
    def compound_field_name(self) -> str | None:
        return self.raw.get("compoundFieldName")

    def flag(self, name: str) -> bool:
        return bool(self.raw.get(name))


@dataclass
class ObjectMeta:
    name: str
    raw: dict
    fields: dict[str, FieldMeta] = field(default_factory=dict)  # lower-case name -> field

    @classmethod
    def from_describe(cls, describe: dict) -> ObjectMeta:
        meta = cls(name=describe["name"], raw=describe)
        for f in describe.get("fields", []):
            meta.fields[f["name"].lower()] = FieldMeta(f["name"], f["type"], f)
        return meta

    @property
    def key_prefix(self) -> str:
        return self.raw.get("keyPrefix") or "a00"

    @property
    def table(self) -> str:
        """The SQLite table name (quoted by callers with `quote_ident`)."""
        return f"sobj_{self.name}"

    def field(self, name: str) -> FieldMeta | None:
        return self.fields.get(name.lower())

    def stored_fields(self) -> list[FieldMeta]:
        return [f for f in self.fields.values() if not f.compound]

    def components(self, compound: FieldMeta) -> list[FieldMeta]:
        """The component fields of a compound field, in describe order."""
        return [f for f in self.fields.values() if f.compound_field_name == compound.name]

    def relationship(self, name: str) -> FieldMeta | None:
        """The reference field whose relationshipName is `name` (for `Account.Name`)."""
        wanted = name.lower()
        for f in self.fields.values():
            if f.type == "reference" and (f.relationship_name or "").lower() == wanted:
                return f
        return None


class Catalog:
    """The org's objects, by name without regard to case."""

    def __init__(self, objects: list[ObjectMeta], global_describe: dict | None = None) -> None:
        self._objects = {o.name.lower(): o for o in objects}
        self.global_describe = global_describe
        # the describes' Last-Modified (metadata never changes while the sandbox runs)
        self.loaded_at = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def get(self, name: str) -> ObjectMeta | None:
        return self._objects.get(name.lower())

    def objects(self) -> list[ObjectMeta]:
        return list(self._objects.values())

    def unlisted(self) -> list[ObjectMeta]:
        """Objects served but missing from a loaded describeGlobal (their own describe
        file came with a global one recorded elsewhere): describeGlobal must list them."""
        if self.global_describe is None:
            return []
        listed = {str(e.get("name", "")).lower() for e in self.global_describe.get("sobjects", [])}
        return [o for key, o in self._objects.items() if key not in listed]

    def by_key_prefix(self, prefix: str) -> ObjectMeta | None:
        for obj in self._objects.values():
            if obj.key_prefix == prefix:
                return obj
        return None

    @classmethod
    def load_dir(cls, folder: Path) -> Catalog:
        """Load every `*.json` describe in `folder`; a describeGlobal file (with a
        `sobjects` list) is kept as the global describe."""
        objects, global_describe = [], None
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and "sobjects" in data:
                global_describe = data
            elif isinstance(data, dict) and "fields" in data and "name" in data:
                objects.append(ObjectMeta.from_describe(data))
        return cls(objects, global_describe)

    @classmethod
    def default(cls) -> Catalog:
        return cls.load_dir(METADATA_DIR)


def quote_ident(name: str) -> str:
    """Quote an SQLite identifier; CRM metadata is untrusted, so never paste it bare."""
    return '"' + name.replace('"', '""') + '"'
