"""Sign-in and sign-out. Sign-in attempts are limited per user name and per client address."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from crmlink.web.auth import current_session, require, state_of
from crmlink.web.rendering import page
from crmlink.web.security import COOKIE, SIGN_IN_COOKIE, Session, same_token

router = APIRouter()
TOO_MANY = "Too many sign-in attempts: wait a minute and try again."
WRONG = "The name or the password is wrong."


@router.get("/sign-in")
async def sign_in_form(request: Request) -> Response:
    if await current_session(request) is not None:
        return RedirectResponse("/", status_code=303)
    return _form(request, 200)


def _form(request: Request, status: int, error: str | None = None, name: str = "") -> Response:
    """The form, with a fresh double-submit token in a cookie and in the form."""
    token = secrets.token_urlsafe(32)
    response = page(request, "sign_in.html", status, csrf_token=token, error=error, name=name)
    _set_cookie(request, response, SIGN_IN_COOKIE, token)
    return response


@router.post("/sign-in")
async def sign_in(
    request: Request,
    name: str = Form("", max_length=64),
    password: str = Form("", max_length=1024),
    csrf_token: str = Form(""),
) -> Response:
    if not same_token(request.cookies.get(SIGN_IN_COOKIE), csrf_token) or not csrf_token:
        return _form(request, 403, "The sign-in form expired: please sign in again.", name)
    state = state_of(request)
    client = request.client.host if request.client else "?"
    if not state.sign_ins.allow(f"user:{name.casefold()}", f"addr:{client}"):
        return _form(request, 429, TOO_MANY, name)
    user = await run_in_threadpool(state.users().verify, name, password)
    if user is None:
        return _form(request, 400, WRONG, name)
    token, _ = await run_in_threadpool(state.sessions.create, user)
    response = RedirectResponse("/", status_code=303)
    _set_cookie(request, response, COOKIE, token)
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: Session = require("viewer")) -> Response:
    await run_in_threadpool(state_of(request).sessions.end, request.cookies[COOKIE])
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=state_of(request).tls,
        path="/",
    )
