"""The kernel: value types every layer shares, importing nothing of crmlink's but errors.

remote      what a CRM has: RemoteTable, RemoteField, FieldKind, ReadCursor, WriteResult, …
local       LocalType: a campaign column type as the catalog stores it
naming      safe, collision-free local identifiers for untrusted remote names
jsonable    to_jsonable(): JSON for dataclasses, datetimes, enums, paths
"""

from __future__ import annotations

from crmlink.model.jsonable import to_jsonable
from crmlink.model.local import LocalType
from crmlink.model.remote import (
    AccountSettings,
    DeletedRecord,
    DeletedWindow,
    FieldKind,
    Identity,
    OrderBy,
    PicklistValue,
    ReadCursor,
    Reject,
    RemoteField,
    RemoteTable,
    TableSummary,
    Usage,
    WriteMode,
    WriteResult,
)

__all__ = [
    "AccountSettings",
    "DeletedRecord",
    "DeletedWindow",
    "FieldKind",
    "Identity",
    "LocalType",
    "OrderBy",
    "PicklistValue",
    "ReadCursor",
    "Reject",
    "RemoteField",
    "RemoteTable",
    "TableSummary",
    "Usage",
    "WriteMode",
    "WriteResult",
    "to_jsonable",
]
