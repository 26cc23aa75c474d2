"""The SDK message tables clients read to learn which messages a table supports:
`sdkmessages` (one row per message) and `sdkmessagefilters` (one row per message and
table, `primaryobjecttypecode` naming the table). Read-only and derived from the schema:
every table of the sandbox takes Create, Update, Delete, Retrieve, RetrieveMultiple,
Upsert and the *Multiple actions.

Rows are plain dicts with their navigation properties (`sdkmessageid` on a filter,
`sdkmessageid_sdkmessagefilter` on a message) so `$filter` can follow them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmlink.sandbox.dynamics.models.metadata.model import OrgSchema, metadata_id

MESSAGE_SETS = ("sdkmessages", "sdkmessagefilters")
MESSAGES = (
    "Create",
    "Retrieve",
    "RetrieveMultiple",
    "Update",
    "Delete",
    "Upsert",
    "CreateMultiple",
    "UpdateMultiple",
    "UpsertMultiple",
)
STAMP = "2024-01-01T00:00:00Z"


@dataclass(frozen=True)
class MessageSet:
    """One of the two entity sets: its rows and how its navigation properties link."""

    logical_name: str
    entity_set: str
    primary_id: str
    rows: list[dict[str, Any]]
    navigation: dict[str, tuple[str, bool]] = field(default_factory=dict)  # nav → (set, many)


def _message(name: str) -> dict[str, Any]:
    return {
        "@odata.etag": 'W/"1000"',
        "sdkmessageid": metadata_id("sdkmessage", name),
        "name": name,
        "categoryname": "Bulk" if name.endswith("Multiple") else "Standard",
        "availability": 0,
        "isactive": True,
        "isprivate": False,
        "isreadonly": False,
        "isvalidforexecuteasync": False,
        "autotransact": True,
        "expand": False,
        "template": False,
        "workflowsdkstepenabled": False,
        "customizationlevel": 0,
        "introducedversion": "5.0.0.0",
        "throttlesettings": None,
        "createdon": STAMP,
        "modifiedon": STAMP,
        "versionnumber": 1000,
    }


def _filter(message: dict[str, Any], table: str) -> dict[str, Any]:
    return {
        "@odata.etag": 'W/"1000"',
        "sdkmessagefilterid": metadata_id("sdkmessagefilter", message["name"], table),
        "_sdkmessageid_value": message["sdkmessageid"],
        "primaryobjecttypecode": table,
        "secondaryobjecttypecode": "none",
        "availability": 0,
        "iscustomprocessingstepallowed": True,
        "isvisible": True,
        "name": None,
        "restrictionlevel": 0,
        "workflowsdkstepenabled": False,
        "customizationlevel": 0,
        "introducedversion": "5.0.0.0",
        "createdon": STAMP,
        "modifiedon": STAMP,
        "versionnumber": 1000,
    }


def message_sets(schema: OrgSchema) -> dict[str, MessageSet]:
    """Both sets for `schema`, by entity set name."""
    messages = [_message(name) for name in MESSAGES]
    filters = [_filter(m, table) for m in messages for table in sorted(schema.entities)]
    return {
        "sdkmessages": MessageSet(
            "sdkmessage",
            "sdkmessages",
            "sdkmessageid",
            messages,
            {"sdkmessageid_sdkmessagefilter": ("sdkmessagefilters", True)},
        ),
        "sdkmessagefilters": MessageSet(
            "sdkmessagefilter",
            "sdkmessagefilters",
            "sdkmessagefilterid",
            filters,
            {"sdkmessageid": ("sdkmessages", False)},
        ),
    }


def linked(sets: dict[str, MessageSet], row: dict[str, Any], nav: str, source: MessageSet):
    """The row(s) a navigation property of `row` names: one dict (or None), or a list."""
    target_name, many = source.navigation[nav]
    target = sets[target_name]
    if many:
        key = row[source.primary_id]
        return [r for r in target.rows if r.get(f"_{source.primary_id}_value") == key]
    ref = row.get(f"_{nav}_value")
    return next((r for r in target.rows if r[target.primary_id] == ref), None)
