"""External accounts: list, show, create, edit, remove (admin) and test the connection
(operator): what `crmlink account list|show|add|edit|remove|test` call. Secrets are
write-only here: a page shows whether each is set, never its value."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from crmlink.catalog.account_test import probe
from crmlink.catalog.accounts import AccountStore, auth_rule
from crmlink.catalog.secrets import secret_fields, secret_label
from crmlink.connectors.registry import SPECS, setting_users
from crmlink.connectors.spec import SETTING_FIELDS
from crmlink.errors import CrmlinkError, UsageError
from crmlink.web.auth import require, state_of
from crmlink.web.forms import (
    account_changes,
    account_input,
    form_values,
    given_secrets,
    safe_values,
)
from crmlink.web.rendering import is_htmx, page
from crmlink.web.security import Session

router = APIRouter(prefix="/accounts")


def _choices() -> dict[str, Any]:
    """What the account form offers: CRM types, auth methods, secret fields."""
    methods = sorted({m for spec in SPECS.values() for m in spec.auth_methods})
    secrets = [(name, secret_label(name)) for name in secret_fields()]
    used_by = {name: setting_users(name) for name in SETTING_FIELDS}  # "dynamics: …"
    return {"types": [(s.type, s.label) for s in SPECS.values()], "methods": methods,
            "secret_names": secrets, "used_by": used_by}  # fmt: skip


def _go(name: str) -> RedirectResponse:
    return RedirectResponse(f"/accounts/{quote(name, safe='')}", status_code=303)


@router.get("")
def account_list(request: Request, session: Session = require("viewer")) -> Response:
    return page(request, "accounts.html", accounts=state_of(request).accounts().list())


@router.get("/new")
def new_form(request: Request, session: Session = require("admin")) -> Response:
    return page(request, "account_form.html", mode="new", values={}, **_choices())


@router.post("")
async def create(request: Request, session: Session = require("admin")) -> Response:
    values = await form_values(request)
    try:
        name = await run_in_threadpool(_add, state_of(request).accounts(), values)
    except UsageError as exc:
        return page(request, "account_form.html", 400, mode="new", values=safe_values(values),
                    error=exc.message, **_choices())  # fmt: skip
    return _go(name)


def _add(store: AccountStore, values: dict[str, str]) -> str:
    data = store.check_new(account_input(values))
    secrets = given_secrets(values, data.type, data.auth, new=True)
    return store.add(replace(data, secrets=secrets)).name


@router.get("/{name}")
def detail(request: Request, name: str, session: Session = require("viewer")) -> Response:
    return page(request, "account.html", **_shown(state_of(request).accounts(), name))


def _shown(store: AccountStore, name: str) -> dict[str, Any]:
    """The account's settings and, per secret its auth method takes, "set" or "empty"."""
    account = store.get(name)
    stored = store.show(name)["secrets"]
    names = auth_rule(account.type, account.auth).secrets(optional=True)
    states = {n: "set" if stored.get(n) not in (None, "(not set)", "(empty)") else "empty"
              for n in names}  # fmt: skip
    return {"account": account, "secret_states": states, "result": None, "error": None}


@router.get("/{name}/edit")
def edit_form(request: Request, name: str, session: Session = require("admin")) -> Response:
    shown = _shown(state_of(request).accounts(), name)
    values = {k: v for k, v in shown["account"].to_dict().items() if isinstance(v, str)}
    values["sandbox"] = "on" if shown["account"].sandbox else ""
    return page(request, "account_form.html", mode="edit", values=values, **shown, **_choices())


@router.post("/{name}/edit")
async def edit(request: Request, name: str, session: Session = require("admin")) -> Response:
    values = await form_values(request)
    store = state_of(request).accounts()
    try:
        account = await run_in_threadpool(store.get, name)
        secrets = given_secrets(values, account.type, account.auth, new=False)
        await run_in_threadpool(store.edit, name, account_changes(values), secrets)
    except UsageError as exc:
        shown = await run_in_threadpool(_shown, store, name)
        kept = safe_values(values) | {"name": name}
        shown["error"] = exc.message
        return page(request, "account_form.html", 400, mode="edit", values=kept, **shown,
                    **_choices())  # fmt: skip
    return _go(name)


@router.post("/{name}/remove")
def remove(request: Request, name: str, session: Session = require("admin")) -> Response:
    state_of(request).accounts().remove(name)
    return RedirectResponse("/accounts", status_code=303)


@router.post("/{name}/test")
def test(request: Request, name: str, session: Session = require("operator")) -> Response:
    """Log in to the CRM; the result replaces the result box (htmx) or the whole page."""
    store = state_of(request).accounts()
    shown = _shown(store, name)
    try:
        identity, usage = probe(store.settings(name))
        shown["result"] = {"identity": identity, "usage": usage}
    except CrmlinkError as exc:
        shown["error"] = exc.message
    template = "_test_result.html" if is_htmx(request) else "account.html"
    return page(request, template, **shown)  # a failed test is a result too: 200
