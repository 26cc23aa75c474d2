"""Who may do what: the signed-in session, its CSRF check and the role, on every route.

    @router.post("/accounts")
    def create(session: Session = require("admin")) -> Response: …

`require(role)` answers a request without a live session with a redirect to /sign-in (an
`/api/` one with 401), a non-GET request without the session's CSRF token with 403, and a
user whose role is below `role` with 403. Roles are read from the database on every request.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from crmlink.catalog.users import allows
from crmlink.web.security import COOKIE, CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, Session, same_token
from crmlink.web.state import WebState


class SignedOut(Exception):
    """No live session: sign in first."""


class Refused(Exception):
    """A signed-in user may not do this (role), or the request lacks its CSRF token."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def state_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


async def current_session(request: Request) -> Session | None:
    """The live session of the request's cookie, or None."""
    token = request.cookies.get(COOKIE)
    return await run_in_threadpool(state_of(request).sessions.lookup, token)


async def check_csrf(request: Request, expected: str) -> None:
    """Refuse a non-GET request whose form field (or header) is not `expected`."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and _is_form(request):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not same_token(given, expected):
        raise Refused("This form has expired or did not come from this console: reload the page.")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def require(role: str) -> Any:
    """A dependency giving the session of a user with at least `role` (see the module doc)."""

    async def dependency(request: Request) -> Session:
        session = await current_session(request)
        if session is None:
            raise SignedOut()
        try:
            await check_csrf(request, session.csrf_token)
            if not allows(session.user.role, role):
                raise Refused(f"This needs the {role} role; you are {session.user.role}.")
        except Refused:
            if _is_form(request):  # a refused upload's spooled file is closed, not leaked
                await (await request.form()).close()
            raise
        request.state.session = session
        return session

    return Depends(dependency)
