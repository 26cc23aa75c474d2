"""Enumerations: list and values (viewer) and the sync dialog (operator), what
`crmlink enum list|show` and `crmlink enum sync ACCOUNT --map …` call (`EnumStore`,
`list_picklists`, `sync_picklists`).

The dialog is the original's grid: CRM enumeration | campaign enumeration (an existing
one or a new one named after the picklist, or none) | Replace.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from crmlink.catalog.account_test import open_account
from crmlink.catalog.enums import EnumStore
from crmlink.catalog.schemas import SchemaStore
from crmlink.errors import JobFailed
from crmlink.web.auth import require, state_of
from crmlink.web.forms import form_values
from crmlink.web.rendering import page
from crmlink.web.security import Session
from crmlink.wizard.enums import Mapping, Picklist, list_picklists, parse_mapping, sync_picklists

router = APIRouter(prefix="/enums")
NEW = "(new)"  # the select's value for "a new enumeration named after the picklist"


@router.get("")
def enum_list(request: Request, session: Session = require("viewer")) -> Response:
    with state_of(request).database.connect() as conn:
        enums = EnumStore(conn).list()
    return page(request, "enums.html", enums=enums)


def _picklists(request: Request, account: str) -> tuple[list[Picklist], list[str]]:
    """The account's picklists read live from the CRM, and the tables skipped (warnings)."""
    state = state_of(request)
    settings = state.accounts().settings(account)
    warnings: list[str] = []
    connector = open_account(settings)
    try:
        found = list_picklists(state.database.engine, connector, account, None, warnings.append)
    except (httpx.HTTPError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise JobFailed(f"cannot reach {settings.url}: {reason}", account=account) from None
    finally:
        connector.close()
    return found, warnings


def _grid(request: Request, account: str) -> dict[str, Any]:
    """The dialog's rows: each picklist with the enumeration it is linked to (or none)."""
    picklists, warnings = _picklists(request, account)
    with state_of(request).database.connect() as conn:
        existing = EnumStore(conn).names()
        store = SchemaStore(conn)
        schemas = {name: store.get(name) for name in {p.schema for p in picklists}}
    rows = []
    for p in picklists:
        linked = schemas[p.schema].field(p.column)
        rows.append({"picklist": p, "linked": linked.enumeration if linked else None})
    return {"account": account, "rows": rows, "existing": existing, "warnings": warnings}


@router.get("/sync")
def sync_dialog(
    request: Request, account: str = "", session: Session = require("operator")
) -> Response:
    names = [a.name for a in state_of(request).accounts().list()]
    context: dict[str, Any] = {"accounts": names, "account": account, "rows": None, "new": NEW}
    if account:
        context |= _grid(request, account)
    return page(request, "enum_sync.html", **context)


def _mappings(values: dict[str, str], picklists: list[Picklist]) -> list[Mapping]:
    """The grid's choices as `--map PICKLIST=ENUMERATION[:replace]` would give them."""
    out = []
    for p in picklists:
        target = values.get(f"target:{p.name}", "")
        if not target:
            continue  # "do not sync"
        name = p.name if target == NEW else target
        suffix = ":replace" if values.get(f"replace:{p.name}") == "on" else ""
        out.append(parse_mapping(f"{p.name}={name}{suffix}"))
    return out


@router.post("/sync")
async def sync(request: Request, session: Session = require("operator")) -> Response:
    values = await form_values(request)
    account = values.get("account", "")
    results = await run_in_threadpool(_sync, request, account, values)
    return page(request, "enum_sync_result.html", account=account, results=results)


def _sync(request: Request, account: str, values: dict[str, str]) -> list[Any]:
    picklists, _ = _picklists(request, account)
    mappings = _mappings(values, picklists)
    if not mappings:
        return []
    return sync_picklists(state_of(request).database.engine, picklists, mappings)


@router.get("/{name}")
def enum_detail(request: Request, name: str, session: Session = require("viewer")) -> Response:
    with state_of(request).database.connect() as conn:
        enumeration = EnumStore(conn).get(name)
    return page(request, "enum.html", enumeration=enumeration)
