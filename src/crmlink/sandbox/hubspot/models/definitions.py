"""Definitions made through the API — properties, groups, custom objects — kept in the
state folder's SQLite file (`definitions`, one JSON snapshot), so that a restart on the same
state folder finds them as they were; a reset drops them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from crmlink.sandbox.core.store import SqliteStore
from crmlink.sandbox.hubspot.models.objects import AssociationDef, ObjectRegistry, ObjectType
from crmlink.sandbox.hubspot.models.properties import (
    Option,
    PropertyCatalog,
    PropertyDef,
    PropertyGroup,
)

TABLE = "CREATE TABLE IF NOT EXISTS definitions (key TEXT PRIMARY KEY, body TEXT NOT NULL)"
KEY = "snapshot"


def _property(data: dict[str, Any]) -> PropertyDef:
    return PropertyDef(**{**data, "options": tuple(Option(**o) for o in data["options"])})


def _object_type(data: dict[str, Any]) -> ObjectType:
    tuples = {k: tuple(v) for k, v in data.items() if isinstance(v, list) and k != "associations"}
    links = tuple(AssociationDef(**a) for a in data["associations"])
    return ObjectType(**{**data, **tuples, "associations": links})


class Definitions:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        with store.transaction() as conn:
            conn.execute(TABLE)

    def save(self, objects: ObjectRegistry, catalog: PropertyCatalog) -> None:
        snapshot = {
            "custom": [asdict(t) for t in objects.custom()],
            "catalog": {
                name: {
                    "properties": [asdict(p) for p in props],
                    "groups": [asdict(g) for g in groups],
                }
                for name, (props, groups) in catalog.export().items()
            },
        }
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO definitions (key, body) VALUES (?, ?)",
                (KEY, json.dumps(snapshot)),
            )

    def load(
        self,
    ) -> tuple[list[ObjectType], dict[str, tuple[list[PropertyDef], list[PropertyGroup]]]] | None:
        """The custom object types and every type's definitions kept, if any."""
        with self.store.reader() as conn:
            row = conn.execute("SELECT body FROM definitions WHERE key = ?", (KEY,)).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        catalog = {
            name: (
                [_property(p) for p in entry["properties"]],
                [PropertyGroup(**g) for g in entry["groups"]],
            )
            for name, entry in data["catalog"].items()
        }
        return [_object_type(t) for t in data["custom"]], catalog

    def clear(self) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM definitions")
