"""The campaign side of the kernel: a local column type as the catalog stores it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine


@dataclass(frozen=True)
class LocalType:
    """A column type as stored in the catalog: name + size, rebuilt into SQLAlchemy."""

    name: str  # string, text, boolean, integer, bigint, decimal, double, date, datetime, time
    length: int | None = None
    precision: int | None = None
    scale: int | None = None

    def sqlalchemy(self) -> TypeEngine[Any]:
        from sqlalchemy import Numeric, String

        if self.name == "string":
            return String(self.length or 255)
        if self.name == "decimal":
            return Numeric(self.precision or 18, self.scale or 0)
        return _fixed()[self.name]

    def describe(self) -> str:
        if self.name == "string":
            return f"string({self.length})"
        if self.name == "decimal":
            return f"decimal({self.precision},{self.scale})"
        return self.name


@cache
def _fixed() -> dict[str, TypeEngine[Any]]:
    """The types without a size; SQLAlchemy is imported only when a column is built (every
    layer imports the kernel, and most commands never build a column)."""
    from sqlalchemy import BigInteger, Boolean, Date, DateTime, Double, Integer, Text, Time

    return {
        "text": Text(),
        "boolean": Boolean(),
        "integer": Integer(),
        "bigint": BigInteger(),
        "double": Double(),
        "date": Date(),
        "datetime": DateTime(timezone=True),
        "time": Time(),
    }
