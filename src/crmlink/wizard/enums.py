"""Picklist → enumeration sync (the original's step 4), multi-select included.

Each picklist of a generated schema is offered as `<Object>_<Field>`, labelled
`List of '<field label>' from '<object label>'`. Mapped to a campaign enumeration
(created if missing), its values are added (no duplicates, order kept) or, with replace,
replace the enumeration's values. Inactive values are kept and marked inactive.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from crmlink.catalog.enums import EnumStore, EnumValue, SyncResult
from crmlink.catalog.schema_model import Schema
from crmlink.catalog.schemas import SchemaStore
from crmlink.connectors.base import Connector
from crmlink.errors import UsageError
from crmlink.model import FieldKind

_MAP_RE = re.compile(
    r"^(?P<picklist>[^=\s]+)=(?P<enum>[A-Za-z][\w.-]{0,127})(?P<replace>:replace)?$"
)


@dataclass(frozen=True)
class Picklist:
    name: str  # Contact_LeadSource
    label: str
    account: str
    table: str
    field: str
    schema: str
    column: str
    multiple: bool
    values: tuple[EnumValue, ...]


@dataclass(frozen=True)
class Mapping:
    picklist: str
    enumeration: str
    replace: bool = False


def parse_mapping(text: str) -> Mapping:
    """`Contact_LeadSource=leadSource[:replace]`."""
    match = _MAP_RE.match(text.strip())
    if match is None:
        raise UsageError(
            f"--map {text!r} is not PICKLIST=ENUMERATION[:replace], "
            "e.g. --map Contact_LeadSource=leadSource:replace"
        )
    return Mapping(match["picklist"], match["enum"], bool(match["replace"]))


def list_picklists(
    engine: Engine,
    connector: Connector,
    account: str,
    tables: list[str] | None = None,
    on_skip: Callable[[str], None] | None = None,
) -> list[Picklist]:
    """The picklists of the account's generated schemas, read live from the CRM.

    A table whose describe is malformed stops the listing (UsageError), unless `on_skip`
    is given: then it is told the sentence and the other tables are listed."""
    with engine.connect() as conn:
        schemas = [s for s in SchemaStore(conn).list() if s.account == account]
    wanted = {t.lower() for t in tables} if tables else None
    out: list[Picklist] = []
    for schema in schemas:
        table = schema.remote_table
        if table is None or (wanted is not None and table.lower() not in wanted):
            continue  # an account's schemas are generated: they always name their table
        try:
            out += _picklists_of(connector, account, schema, table)
        except UsageError:
            if on_skip is None:
                raise
            on_skip(f"the CRM's describe of {table!r} is malformed: its picklists are skipped")
    return out


def _picklists_of(connector: Connector, account: str, schema: Schema, table: str) -> list[Picklist]:
    try:
        remote = connector.describe(table)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        raise UsageError(
            f"the CRM's describe of {table!r} is malformed: sync the other tables with --tables"
        ) from None
    columns = schema.by_remote()
    out = []
    for f in remote.fields:
        if f.kind not in (FieldKind.PICKLIST, FieldKind.MULTIPICKLIST) or f.name not in columns:
            continue
        out.append(
            Picklist(
                name=f"{remote.name}_{f.name}",
                label=f"List of '{f.label}' from '{remote.label}'"[:255],  # its column's size
                account=account,
                table=remote.name,
                field=f.name,
                schema=schema.name,
                column=columns[f.name].column,
                multiple=f.kind == FieldKind.MULTIPICKLIST,
                values=tuple(EnumValue(v.value, v.label, v.active) for v in f.picklist),
            )
        )
    return out


def sync_picklists(
    engine: Engine, picklists: list[Picklist], mappings: list[Mapping]
) -> list[SyncResult]:
    """Apply the mappings in one transaction; an unknown picklist name is refused first."""
    by_name = {p.name.lower(): p for p in picklists}
    for mapping in mappings:
        if mapping.picklist.lower() not in by_name:
            raise _unknown_picklist(mapping.picklist, picklists)
    results = []
    with engine.begin() as conn:
        enums, schemas = EnumStore(conn), SchemaStore(conn)
        for mapping in mappings:
            picklist = by_name[mapping.picklist.lower()]
            results.append(
                enums.sync(
                    mapping.enumeration,
                    list(picklist.values),
                    label=picklist.label,
                    multiple=picklist.multiple,
                    source=f"{picklist.account}/{picklist.table}.{picklist.field}"[:255],
                    replace=mapping.replace,
                )
            )
            schemas.set_enumeration(picklist.schema, picklist.column, mapping.enumeration)
    return results


def _unknown_picklist(name: str, picklists: list[Picklist]) -> UsageError:
    from difflib import get_close_matches

    close = get_close_matches(name, [p.name for p in picklists], n=3)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; see `crmlink enum sync ACCOUNT`"
    return UsageError(f"no picklist named {name!r}{hint}")
