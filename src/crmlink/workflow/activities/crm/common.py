"""What the crm operations share: field look-up with suggestions, `{{var}}`
substitution in plain-text options (never in a filter: its variables are bound as
values, `workflow.variables.bind_filter`), reject columns and error symbols."""

from __future__ import annotations

import re

from sqlalchemy import Boolean, String, Text

from crmlink.errors import UsageError
from crmlink.filters.validate import unknown_field
from crmlink.model import FieldKind, RemoteField, RemoteTable
from crmlink.workflow.base import REJECT_COLUMNS, ColumnSpec, Population

_VAR = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")

# An error code's family, the reject output's `error_symbol` (the original's errorSymbol:
# "different from the error code"). Checked in order; the first fragment found wins.
SYMBOLS: tuple[tuple[str, str], ...] = (
    ("REQUIRED_FIELD_MISSING", "required"),
    ("MISSING_KEY", "required"),
    ("MISSING_ID", "required"),
    ("RESTRICTED_PICKLIST", "picklist"),
    ("INVALID_OPTION", "picklist"),  # HubSpot: not one of the enumeration's options
    ("READ_ONLY", "read_only"),  # HubSpot: READ_ONLY_VALUE
    ("PROPERTY_DOESNT_EXIST", "field"),  # HubSpot
    ("CONFLICT", "duplicate"),  # HubSpot: a unique property's value already used
    ("DUPLICATE", "duplicate"),
    ("MALFORMED_ID", "bad_id"),
    ("INVALID_ID", "bad_id"),
    ("INVALID_CROSS_REFERENCE_KEY", "bad_reference"),
    ("ENTITY_IS_DELETED", "not_found"),
    ("NOT_FOUND", "not_found"),
    ("STRING_TOO_LONG", "too_long"),
    ("INVALID_EMAIL", "format"),
    ("INVALID_TYPE_ON_FIELD", "format"),
    ("CONVERSION", "format"),
    ("VALIDATION", "validation"),
    ("INVALID_FIELD", "field"),
    ("UNABLE_TO_LOCK_ROW", "lock"),
    ("UNPROCESSED", "unprocessed"),
    ("INSUFFICIENT_ACCESS", "access"),
)


def error_symbol(code: str | None) -> str:
    text = (code or "").upper()
    for fragment, symbol in SYMBOLS:
        if fragment in text:
            return symbol
    return text.lower() or "error"


def substitute(text: str | None, variables: dict[str, str], option: str) -> str | None:
    """Replace `{{name}}` in a plain-text option (a file name, a date) with the workflow
    variable (the engine may have done it). Not for filters."""
    if text is None or "{{" not in text:
        return text

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in variables:
            known = ", ".join(sorted(variables)) or "none"
            raise UsageError(
                f"{option} uses the variable {{{{{name}}}}}, which is not set (variables: {known})"
            )
        return str(variables[name])

    return _VAR.sub(value, text)


def exact_field(table: RemoteTable, name: str) -> RemoteField | None:
    """The field spelt exactly `name`, else the first one equal to it but for case: two
    fields that differ only by case (`Name__c`, `Name__C`) stay two fields."""
    return next((f for f in table.fields if f.name == name), None) or table.field(name)


def remote_field(table: RemoteTable, name: str, option: str) -> RemoteField:
    """The field `name` (any case) of `table`, or a UsageError with close names."""
    found = exact_field(table, name)
    if found is None:
        raise UsageError(f"{option}: {unknown_field(table, name)}", object=table.name, field=name)
    if found.kind == FieldKind.COMPOUND:
        parts = [f.name for f in table.fields if f.compound_of == found.name]
        raise UsageError(
            f"{option}: {found.name} on {table.name} is a compound field; name its parts "
            f"instead ({', '.join(parts) or 'none'})",
            object=table.name,
            field=found.name,
        )
    return found


def upstream(source: Population | None, option: str) -> Population:
    """The upstream population `option` needs, or a UsageError."""
    if source is None:
        raise UsageError(f"{option} needs an upstream population: put this activity after one")
    return source


def source_column(source: Population | None, name: str, option: str) -> str:
    """The upstream population's column `name` (any case), or a UsageError."""
    source = upstream(source, option)
    by_lower = {c.lower(): c for c in source.columns}
    found = by_lower.get(name.lower())
    if found is None:
        raise UsageError(
            f"{option}: the upstream population has no column {name!r} "
            f"(it has: {', '.join(source.columns)})"
        )
    return found


def row_columns(source: Population, extra: tuple[str, ...]) -> list[ColumnSpec]:
    """The source's own columns (not `_wk_*`, not those in `extra`), same types."""
    return [
        ColumnSpec(c.name, c.type)
        for c in source.table.columns
        if not c.name.startswith("_wk_") and c.name not in extra
    ]


def ok_columns(source: Population) -> list[ColumnSpec]:
    extra = ("remote_id", "created")
    return [
        *row_columns(source, extra),
        ColumnSpec("remote_id", String(255)),
        ColumnSpec("created", Boolean()),
    ]


def reject_columns(source: Population | None) -> list[ColumnSpec]:
    own = row_columns(source, REJECT_COLUMNS) if source is not None else []
    errors = [
        ColumnSpec("error_code", String(255)),
        ColumnSpec("error_symbol", String(64)),
        ColumnSpec("error_message", Text()),
    ]
    return [*own, *errors]
