"""What every activity's YAML has: its type, transitions and error handling.

Each activity type subclasses `ActivityConfig` with its own options (pydantic, extra
keys forbidden, so a typo is an error that names the key). `on_error` is `stop`,
`continue` or `retry(n)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, field_validator

_RETRY = re.compile(r"^retry\((\d{1,2})\)$")


def _names(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class ActivityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: str
    description: str | None = None
    next: list[str] = Field(default_factory=list)  # the OK transition
    rejects: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    on_error: str = "stop"

    @field_validator("next", "rejects", "errors", mode="before")
    @classmethod
    def _listify(cls, value: str | Iterable[str] | None) -> list[str]:
        return _names(value)

    @field_validator("on_error")
    @classmethod
    def _on_error(cls, value: str) -> str:
        if value in ("stop", "continue") or _RETRY.match(value):
            return value
        raise ValueError("on_error must be stop, continue or retry(n)")

    @property
    def retries(self) -> int:
        match = _RETRY.match(self.on_error)
        return int(match.group(1)) if match else 0
