"""The CRM side of the kernel: what a connector says about a CRM's tables, rows and usage.

Plain frozen values shared by every layer (connectors produce them, filters type against
them, the wizard maps them, workflows move them); they import nothing of crmlink's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FieldKind(StrEnum):
    """CRM-agnostic kinds; each connector maps its native types onto these."""

    ID = "id"
    STRING = "string"
    TEXT = "text"  # long text (textarea, memo)
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    PICKLIST = "picklist"
    MULTIPICKLIST = "multipicklist"
    REFERENCE = "reference"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    BIGINT = "bigint"
    DECIMAL = "decimal"  # currency, money, decimal
    DOUBLE = "double"  # double, percent, float
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    BINARY = "binary"  # base64
    COMPOUND = "compound"  # address, location: stored as their component fields
    UNSUPPORTED = "unsupported"  # anyType and the like: reported, never silently dropped


class WriteMode(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    UPSERT = "upsert"


@dataclass(frozen=True)
class PicklistValue:
    value: str
    label: str
    active: bool = True
    default: bool = False


@dataclass(frozen=True)
class RemoteField:
    name: str
    label: str
    remote_type: str  # the CRM's own type name, e.g. 'picklist', 'PicklistType'
    kind: FieldKind
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    filterable: bool = True
    calculated: bool = False  # formula fields
    external_id: bool = False
    unique: bool = False
    reference_to: tuple[str, ...] = ()
    compound_of: str | None = None  # the compound field this one is a component of
    picklist: tuple[PicklistValue, ...] = ()
    restricted: bool = False


@dataclass(frozen=True)
class TableSummary:
    name: str
    label: str
    custom: bool
    queryable: bool = True


@dataclass(frozen=True)
class RemoteTable:
    name: str
    label: str
    custom: bool
    key_field: str  # the record id, e.g. 'Id', 'contactid'
    modified_field: str | None  # for incremental reads, e.g. 'SystemModstamp', 'modifiedon'
    fields: tuple[RemoteField, ...] = ()

    def field(self, name: str) -> RemoteField | None:
        wanted = name.lower()
        return next((f for f in self.fields if f.name.lower() == wanted), None)

    def require_field(self, name: str) -> RemoteField:
        """The field `name` (any case), for a name already checked against this table."""
        found = self.field(name)
        if found is None:
            raise KeyError(f"{name!r} is not a field of {self.name}")
        return found


@dataclass(frozen=True)
class ReadCursor:
    """Where an incremental read resumes: strictly after (modified, id), compound."""

    modified: dt.datetime
    id: str = ""


@dataclass(frozen=True)
class OrderBy:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class Reject:
    code: str  # the CRM's error code, e.g. REQUIRED_FIELD_MISSING, 0x80040217
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class WriteResult:
    index: int  # position of the row in the input
    id: str | None
    success: bool
    created: bool = False
    error: Reject | None = None


@dataclass(frozen=True)
class DeletedRecord:
    id: str
    deleted_at: dt.datetime


@dataclass(frozen=True)
class DeletedWindow:
    records: list[DeletedRecord]
    earliest_available: dt.datetime | None  # the CRM's retention limit, reported
    latest_covered: dt.datetime


@dataclass(frozen=True)
class Usage:
    used: int
    limit: int
    details: dict[str, Any] = field(default_factory=dict)  # the CRM's own figures


@dataclass(frozen=True)
class Identity:
    org_id: str
    user: str
    api_version: str
    instance_url: str


@dataclass(frozen=True)
class AccountSettings:
    """What a connector needs to open a session: an external account, secrets decrypted.

    `secrets` holds password, security_token, client_secret, refresh_token as the auth
    method needs; it is never logged or printed (its repr is masked).
    """

    name: str
    type: str  # 'salesforce' | 'dynamics'
    url: str  # https only
    auth: str  # salesforce: soap|password|client-credentials|jwt|refresh-token
    username: str | None = None
    client_id: str | None = None
    api_version: str | None = None
    sandbox: bool = False
    ca_bundle: str | None = None
    private_key: str | None = None
    tenant_id: str | None = None
    secrets: dict[str, str] = field(default_factory=dict, repr=False)

    def secret(self, key: str) -> str:
        """A secret the login needs; AuthError (naming the key, never a value) if absent."""
        value = self.secrets.get(key)
        if not value:
            from crmlink.errors import AuthError

            raise AuthError(
                f"account {self.name} has no {key} for the {self.auth} login", account=self.name
            )
        return str(value)
