"""Users (admin only): list, add, change role, remove — what `crmlink user …` calls."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from crmlink.catalog.users import ROLES
from crmlink.errors import UsageError
from crmlink.web.auth import require, state_of
from crmlink.web.forms import form_values
from crmlink.web.rendering import page
from crmlink.web.security import Session

router = APIRouter(prefix="/users")


def _page(request: Request, status: int = 200, error: str | None = None, **extra: str) -> Response:
    found = state_of(request).users().list()
    return page(request, "users.html", status, users=found, roles=ROLES, error=error, **extra)


@router.get("")
def user_list(request: Request, session: Session = require("admin")) -> Response:
    return _page(request)


@router.post("")
async def add(request: Request, session: Session = require("admin")) -> Response:
    values = await form_values(request)
    name, role = values.get("name", "").strip(), values.get("role", "viewer")
    try:
        await run_in_threadpool(
            state_of(request).users().add, name, role, values.get("password", "")
        )
    except UsageError as exc:
        return await run_in_threadpool(_page, request, 400, exc.message, new_name=name[:64])
    return RedirectResponse("/users", status_code=303)


@router.post("/{name}/role")
async def set_role(request: Request, name: str, session: Session = require("admin")) -> Response:
    values = await form_values(request)
    try:
        await run_in_threadpool(state_of(request).users().set_role, name, values.get("role", ""))
    except UsageError as exc:
        return await run_in_threadpool(_page, request, 400, exc.message)
    return RedirectResponse("/users", status_code=303)


@router.post("/{name}/remove")
def remove(request: Request, name: str, session: Session = require("admin")) -> Response:
    try:
        state_of(request).users().remove(name)
    except UsageError as exc:
        return _page(request, 400, exc.message)
    return RedirectResponse("/users", status_code=303)
