"""Campaign enumerations: named value lists, filled by hand or from CRM picklists."""

from __future__ import annotations

import builtins
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, func, insert, select, update

from crmlink.catalog.schema_tables import enum_values, enumerations
from crmlink.errors import NotFoundError


@dataclass(frozen=True)
class EnumValue:
    value: str
    label: str | None = None
    active: bool = True


@dataclass
class Enumeration:
    name: str
    label: str | None = None
    multiple: bool = False
    source: str | None = None
    values: list[EnumValue] = field(default_factory=list)


@dataclass(frozen=True)
class SyncResult:
    enumeration: str
    created: bool
    added: int
    updated: int
    removed: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EnumStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def names(self) -> list[str]:
        return list(self.conn.scalars(select(enumerations.c.name).order_by(enumerations.c.name)))

    def find(self, name: str) -> Enumeration | None:
        row = self.conn.execute(select(enumerations).where(enumerations.c.name == name)).first()
        if row is None:
            return None
        values = self.conn.execute(
            select(enum_values)
            .where(enum_values.c.enum_id == row.id)
            .order_by(enum_values.c.position)
        )
        return Enumeration(
            name=row.name,
            label=row.label,
            multiple=row.multiple,
            source=row.source,
            values=[EnumValue(v.value, v.label, v.active) for v in values],
        )

    def get(self, name: str) -> Enumeration:
        found = self.find(name)
        if found is None:
            raise NotFoundError(f"no enumeration named {name!r}; see `crmlink enum list`")
        return found

    def list(self) -> list[Enumeration]:
        return [self.get(n) for n in self.names()]

    def _ensure(self, name: str, label: str, multiple: bool, source: str) -> tuple[int, bool]:
        row = self.conn.execute(select(enumerations.c.id).where(enumerations.c.name == name))
        enum_id = row.scalar()
        now = _now()
        if enum_id is not None:
            self.conn.execute(
                update(enumerations)
                .where(enumerations.c.id == enum_id)
                .values(multiple=enumerations.c.multiple | multiple, source=source, updated_at=now)
            )
            return enum_id, False
        result = self.conn.execute(
            insert(enumerations).values(
                name=name, label=label, multiple=multiple, source=source,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        key = result.inserted_primary_key
        if key is None:  # a single-row insert always has it
            raise RuntimeError(f"inserting enumeration {name!r} gave no id")
        return key[0], True

    def sync(
        self,
        name: str,
        values: builtins.list[EnumValue],
        *,
        label: str,
        multiple: bool,
        source: str,
        replace: bool,
    ) -> SyncResult:
        """Add the values (no duplicates, order kept) or, with `replace`, make them the
        enumeration's values. Labels and active flags follow the CRM."""
        enum_id, created = self._ensure(name, label, multiple, source)
        current = {
            r.value: r
            for r in self.conn.execute(select(enum_values).where(enum_values.c.enum_id == enum_id))
        }
        removed = self._remove_missing(enum_id, current, values) if replace else 0
        added = updated = 0
        position = self._next_position(enum_id)
        for wanted in values:
            row = current.get(wanted.value)
            if row is None:
                self.conn.execute(
                    insert(enum_values).values(
                        enum_id=enum_id, position=position, value=wanted.value,
                        label=wanted.label, active=wanted.active,
                    )
                )  # fmt: skip
                position, added = position + 1, added + 1
            elif (row.label, row.active) != (wanted.label, wanted.active):
                self.conn.execute(
                    update(enum_values)
                    .where(enum_values.c.id == row.id)
                    .values(label=wanted.label, active=wanted.active)
                )
                updated += 1
        if replace:
            self._reorder(enum_id, [v.value for v in values])
        return SyncResult(name, created, added, updated, removed)

    def _remove_missing(self, enum_id: int, current: dict, values: builtins.list[EnumValue]) -> int:
        keep = {v.value for v in values}
        gone = [row.id for value, row in current.items() if value not in keep]
        if gone:
            self.conn.execute(delete(enum_values).where(enum_values.c.id.in_(gone)))
            for value in [v for v, row in current.items() if row.id in gone]:
                del current[value]
        return len(gone)

    def _next_position(self, enum_id: int) -> int:
        top = self.conn.execute(
            select(func.max(enum_values.c.position)).where(enum_values.c.enum_id == enum_id)
        ).scalar()
        return 0 if top is None else top + 1

    def _reorder(self, enum_id: int, order: builtins.list[str]) -> None:
        for position, value in enumerate(order):
            self.conn.execute(
                update(enum_values)
                .where(enum_values.c.enum_id == enum_id, enum_values.c.value == value)
                .values(position=position)
            )
