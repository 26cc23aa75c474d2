"""Data schemas as the campaign side sees them: fields with local columns and flags."""

from __future__ import annotations

from dataclasses import dataclass, field

from crmlink.model import LocalType


@dataclass
class SchemaField:
    column: str
    kind: str
    local_type: LocalType
    label: str | None = None
    remote_name: str | None = None
    remote_type: str | None = None
    is_key: bool = False
    is_modified: bool = False
    formula: bool = False
    external_id: bool = False
    required: bool = False
    read_only: bool = False
    compound_of: str | None = None
    reference_to: str | None = None
    enumeration: str | None = None
    retired: bool = False

    def flags(self) -> list[str]:
        names = ("is_key", "is_modified", "formula", "external_id", "required", "read_only")
        shown = ("key", "modified", "formula", "external id", "required", "read-only")
        out = [label for name, label in zip(names, shown, strict=True) if getattr(self, name)]
        return out + (["retired"] if self.retired else [])


@dataclass
class Schema:
    name: str
    kind: str  # builtin | generated | declared
    local_table: str
    label: str | None = None
    account: str | None = None
    remote_table: str | None = None
    key_column: str | None = None
    modified_column: str | None = None
    fields: list[SchemaField] = field(default_factory=list)

    def field(self, column: str) -> SchemaField | None:
        return next((f for f in self.fields if f.column == column), None)

    def by_remote(self) -> dict[str, SchemaField]:
        return {f.remote_name: f for f in self.fields if f.remote_name}

    def live_fields(self) -> list[SchemaField]:
        return [f for f in self.fields if not f.retired]


@dataclass(frozen=True)
class SchemaChange:
    change: str  # created | added | retired | restored | widened | kept
    column: str | None = None
    detail: str = ""

    def describe(self) -> str:
        where = f" {self.column}" if self.column else ""
        return f"{self.change}{where}" + (f": {self.detail}" if self.detail else "")
