"""`create_app(settings)`: the web console over crmlink's library (no logic of its own).

Every page calls what the matching CLI command calls (catalog stores, workflow records).
Static files and /sign-in are the only things reachable signed out; every response carries
the security headers of `security.HEADERS`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from crmlink.config import Settings
from crmlink.db import Database, open_database
from crmlink.errors import CrmlinkError, NotFoundError
from crmlink.web.auth import Refused, SignedOut
from crmlink.web.live_runs import live_runs
from crmlink.web.rendering import page
from crmlink.web.routes import (
    accounts,
    api,
    dashboard,
    enums,
    runs,
    schemas,
    sign_in,
    users,
    wizard,
    workflows,
)
from crmlink.web.security import HEADERS
from crmlink.web.state import WebState

STATIC = Path(__file__).with_name("static")
MAX_BODY = 1024 * 1024  # bytes of a request body


def create_app(
    settings: Settings, database: Database | None = None, *, tls: bool = False
) -> FastAPI:
    """The console for the campaign database of `settings` (opened here unless given;
    one opened here is closed when the app shuts down). `tls`: cookies are Secure."""
    owned = database is None
    db = open_database(settings) if database is None else database

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # a run started from a page finishes (up to a minute) before the database closes;
        # one cut off later is resumed by its next run, as after a CLI crash
        await run_in_threadpool(live_runs(app.state).join)
        if owned:
            db.close()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebState(settings, db, tls=tls)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (sign_in, dashboard, accounts, users, api):
        app.include_router(module.router)
    for module in (workflows, runs):
        app.include_router(module.router)
    for module in (wizard, schemas, enums):
        app.include_router(module.router)
    _handlers(app)
    app.middleware("http")(_security_headers)
    return app


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    if _too_large(request):  # forms are small; a flood is refused before it is read
        response: Response = JSONResponse({"error": "The request is too large."}, 413)
    else:
        response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _too_large(request: Request) -> bool:
    length = request.headers.get("content-length", "0")
    return not length.isdigit() or int(length) > MAX_BODY


def _handlers(app: FastAPI) -> None:
    app.exception_handler(SignedOut)(_signed_out)
    app.exception_handler(Refused)(_refused)
    app.exception_handler(CrmlinkError)(_library_error)


async def _signed_out(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "Sign in first."}, status_code=401)
    return RedirectResponse("/sign-in", status_code=303)


async def _refused(request: Request, exc: Exception) -> Response:
    message = exc.message if isinstance(exc, Refused) else str(exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=403)
    return page(request, "error.html", 403, title="Not allowed", message=message)


async def _library_error(request: Request, exc: Exception) -> Response:
    status = 404 if isinstance(exc, NotFoundError) else 400
    message = exc.message if isinstance(exc, CrmlinkError) else str(exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return page(request, "error.html", status, title="Cannot do that", message=message)
