"""The `crm` activity's options, validated when the workflow is loaded.

Which options each operation takes is one table (`OPTIONS`): an option given to an
operation that does not use it is an error naming both, never silently ignored. The
filter is parsed here, when the file is loaded (`where` is its AST); its `{{variables}}`
are bound as values when the activity runs. Field
names are checked against the CRM's describe (with close-name suggestions) before the
run's first activity (`preflight`, see `crm/preflight.py`), and again at run time.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from crmlink.workflow.config_base import ActivityConfig
from crmlink.workflow.filter_option import FilteredConfig

if TYPE_CHECKING:
    from crmlink.workflow.preflight import Checker, Problem

Operation = Literal["import", "export", "import_deleted", "delete"]
Conversion = Literal["default", "date_only", "without_time_offset", "copy"]
ReadPlanGoal = Literal["fastest", "fewest_calls"]  # what the connector's read planner aims at

_COMMON = {"operation", "account", "object"}
OPTIONS: dict[str, set[str]] = {
    "import": {
        "fields",
        "filter",
        "order_by",
        "query_all",
        "conversions",
        "timezone",
        "ids_from",
        "incremental",
        "index_field",
        "overlap",
        "limit",
        "read_plan",
    },
    "export": {
        "mapping",
        "conversions",
        "timezone",
        "key",
        "match_on",
        "batch_size",
        "rejects_file",
    },
    "import_deleted": {"start", "end"},
    "delete": {"ids_from", "batch_size", "rejects_file"},
}
_ORDER = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?:\s(asc|desc))?\s*$", re.IGNORECASE)


class CrmActivityConfig(FilteredConfig):
    """`type: crm` — import from, export to, import deletions from, delete in a CRM."""

    type: Literal["crm"]
    operation: Operation
    account: str = Field(min_length=1)
    object: str = Field(min_length=1)
    # import
    fields: list[str] = Field(default_factory=list)
    filter: str | None = None
    order_by: list[str] = Field(default_factory=list)
    query_all: bool = False
    conversions: dict[str, Conversion] = Field(default_factory=dict)
    timezone: str = "UTC"
    ids_from: str | None = None
    incremental: bool = False
    index_field: str | None = None
    overlap: int = Field(300, ge=0, le=86_400)
    limit: int | None = Field(None, ge=1)
    read_plan: ReadPlanGoal = "fastest"
    # export (and delete)
    mapping: dict[str, str] = Field(default_factory=dict)
    key: str | None = None
    match_on: str | None = None
    batch_size: int = Field(10_000, ge=1, le=1_000_000)
    rejects_file: str | None = None
    # import_deleted
    start: str | None = None
    end: str | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as 'Europe/Paris' or 'UTC'"
            ) from None
        return value

    @field_validator("order_by", mode="before")
    @classmethod
    def _order_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("order_by")
    @classmethod
    def _order(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _ORDER.match(item):
                raise ValueError(f"order_by entry {item!r} must be 'Field' or 'Field desc'")
        return value

    @field_validator("fields", mode="before")
    @classmethod
    def _fields_list(cls, value: Any) -> Any:
        return (
            [f.strip() for f in value.split(",") if f.strip()] if isinstance(value, str) else value
        )

    @model_validator(mode="after")
    def _fits_operation(self) -> CrmActivityConfig:
        allowed = OPTIONS[self.operation] | _COMMON | set(ActivityConfig.model_fields)
        stray = sorted(name for name in self.given() if name not in allowed)
        if stray:
            raise ValueError(
                f"option {', '.join(stray)} does not apply to operation {self.operation} "
                f"(it takes: {', '.join(sorted(OPTIONS[self.operation]))})"
            )
        _CHECKS[self.operation](self)
        return self

    def given(self) -> set[str]:
        """The options given a non-default value (a dumped-and-revalidated config, as the
        engine makes when it substitutes variables, sets every field)."""
        fields = type(self).model_fields
        return {
            name
            for name in self.model_fields_set
            if getattr(self, name) != fields[name].get_default(call_default_factory=True)
        }

    def order(self) -> list[tuple[str, bool]]:
        """`order_by` as (field, descending) pairs."""
        pairs: list[tuple[str, bool]] = []
        for item in self.order_by:
            found = _ORDER.match(item)
            if found is None:
                raise ValueError(f"order_by entry {item!r} must be 'Field' or 'Field desc'")
            pairs.append((found.group(1), (found.group(2) or "").lower() == "desc"))
        return pairs

    def preflight(self, checker: Checker) -> list[Problem]:
        """Before the run: the account, the object and every field named exist."""
        from crmlink.workflow.activities.crm.preflight import check

        return check(self, checker)


def _check_import(config: CrmActivityConfig) -> None:
    if config.ids_from and (config.filter or config.incremental or config.order_by):
        raise ValueError(
            "ids_from imports the records of an upstream column: it takes no "
            "filter, order_by or incremental"
        )
    if config.incremental and config.order_by:
        raise ValueError(
            "an incremental import is read in (index field, id) order: remove order_by"
        )
    if not config.incremental and config.given() & {"index_field", "overlap"}:
        raise ValueError("index_field and overlap need incremental: true")


def _check_export(config: CrmActivityConfig) -> None:
    if not config.mapping:
        raise ValueError("an export needs a mapping {remote field: population column}")
    unmapped = [name for name in config.conversions if name not in config.mapping]
    if unmapped:
        raise ValueError(f"conversions name fields that are not mapped: {', '.join(unmapped)}")
    for option in ("key", "match_on"):
        value = getattr(config, option)
        if value and value.lower() not in {k.lower() for k in config.mapping}:
            raise ValueError(
                f"{option} {value!r} must be one of the mapped remote fields "
                f"({', '.join(config.mapping)})"
            )
    if config.key and config.match_on:
        raise ValueError(
            "match_on is for inserts; with a key the export is an upsert: remove match_on"
        )


def _check_deleted(config: CrmActivityConfig) -> None:
    from crmlink.workflow.activities.crm.dates import parse_date

    for option in ("start", "end"):
        value = getattr(config, option)
        if value and "{{" not in value:
            parse_date(value, option)


def _check_delete(config: CrmActivityConfig) -> None:
    if not config.ids_from:
        raise ValueError("a delete needs ids_from: the upstream column holding the record ids")


_CHECKS = {
    "import": _check_import,
    "export": _check_export,
    "import_deleted": _check_deleted,
    "delete": _check_delete,
}
