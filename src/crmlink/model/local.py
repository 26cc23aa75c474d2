"""The campaign side of the kernel: a local column type as the catalog stores it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    Integer,
    Numeric,
    String,
    Text,
    Time,
)
from sqlalchemy.types import TypeEngine


@dataclass(frozen=True)
class LocalType:
    """A column type as stored in the catalog: name + size, rebuilt into SQLAlchemy."""

    name: str  # string, text, boolean, integer, bigint, decimal, double, date, datetime, time
    length: int | None = None
    precision: int | None = None
    scale: int | None = None

    def sqlalchemy(self) -> TypeEngine[Any]:
        if self.name == "string":
            return String(self.length or 255)
        if self.name == "decimal":
            return Numeric(self.precision or 18, self.scale or 0)
        return _FIXED[self.name]

    def describe(self) -> str:
        if self.name == "string":
            return f"string({self.length})"
        if self.name == "decimal":
            return f"decimal({self.precision},{self.scale})"
        return self.name


_FIXED: dict[str, TypeEngine[Any]] = {
    "text": Text(),
    "boolean": Boolean(),
    "integer": Integer(),
    "bigint": BigInteger(),
    "double": Double(),
    "date": Date(),
    "datetime": DateTime(timezone=True),
    "time": Time(),
}
