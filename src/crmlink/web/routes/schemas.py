"""Data schemas (viewer): the list and one schema's fields and change history, what
`crmlink schema list|show` read (`SchemaStore`, the built-in recipient schema)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from crmlink.catalog.recipient import SCHEMA_LABEL, SCHEMA_NAME, recipient_fields
from crmlink.catalog.schema_model import Schema
from crmlink.catalog.schemas import SchemaStore
from crmlink.web.auth import require, state_of
from crmlink.web.rendering import page
from crmlink.web.security import Session

router = APIRouter(prefix="/schemas")


def _builtin() -> dict[str, Any]:
    """The recipient schema as a page shows it (it lives in code, not in the catalog)."""
    fields = [
        {"column": f.name, "remote_name": None, "label": f.label, "kind": f.type,
         "type": f.type if f.length is None else f"{f.type}({f.length})", "remote_type": None,
         "flags": ["key"] if f.primary_key else [], "enumeration": None, "reference_to": None,
         "compound_of": None, "retired": False}
        for f in recipient_fields()
    ]  # fmt: skip
    return {"name": SCHEMA_NAME, "kind": "builtin", "label": SCHEMA_LABEL, "account": None,
            "remote_table": None, "local_table": SCHEMA_NAME, "fields": fields}  # fmt: skip


def _detail(schema: Schema) -> dict[str, Any]:
    fields = [
        {"column": f.column, "remote_name": f.remote_name, "label": f.label, "kind": f.kind,
         "type": f.local_type.describe(), "remote_type": f.remote_type, "flags": f.flags(),
         "enumeration": f.enumeration, "reference_to": f.reference_to,
         "compound_of": f.compound_of, "retired": f.retired}
        for f in schema.fields
    ]  # fmt: skip
    return {"name": schema.name, "kind": schema.kind, "label": schema.label,
            "account": schema.account, "remote_table": schema.remote_table,
            "local_table": schema.local_table, "fields": fields}  # fmt: skip


@router.get("")
def schema_list(request: Request, session: Session = require("viewer")) -> Response:
    with state_of(request).database.connect() as conn:
        generated = SchemaStore(conn).list()
    builtin = _builtin() | {"count": len(recipient_fields())}
    rows = [builtin] + [_detail(s) | {"count": len(s.live_fields())} for s in generated]
    return page(request, "schemas.html", schemas=rows)


@router.get("/{name}")
def schema_detail(request: Request, name: str, session: Session = require("viewer")) -> Response:
    if name == SCHEMA_NAME:
        return page(request, "schema.html", schema=_builtin(), history=[])
    with state_of(request).database.connect() as conn:
        store = SchemaStore(conn)
        detail = _detail(store.get(name))
        history = store.history(name)
    return page(request, "schema.html", schema=detail, history=history)
