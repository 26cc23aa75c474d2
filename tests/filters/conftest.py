"""A small describe every filter unit test can type against (no sandbox needed)."""

from __future__ import annotations

import pytest

from crmlink.model import FieldKind, RemoteField, RemoteTable


def _field(name: str, kind: FieldKind) -> RemoteField:
    return RemoteField(name=name, label=name, remote_type=str(kind), kind=kind)


@pytest.fixture
def table() -> RemoteTable:
    fields = (
        _field("Id", FieldKind.ID),
        _field("Email", FieldKind.EMAIL),
        _field("LastName", FieldKind.STRING),
        _field("Points", FieldKind.INTEGER),
        _field("Score", FieldKind.DECIMAL),
        _field("OptOut", FieldKind.BOOLEAN),
        _field("Birthdate", FieldKind.DATE),
        _field("CreatedDate", FieldKind.DATETIME),
        _field("Owner", FieldKind.REFERENCE),
    )
    return RemoteTable("Contact", "Contact", False, "Id", "CreatedDate", fields)
