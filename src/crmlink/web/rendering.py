"""Pages from the Jinja2 templates (autoescaped), with the session and its CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from crmlink.web.security import CSRF_FIELD

TEMPLATES = Path(__file__).with_name("templates")
templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters["segment"] = lambda value: quote(str(value), safe="")  # a URL path part


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The `template` filled with `context`, the session (or None) and the CSRF field."""
    session = getattr(request.state, "session", None)
    context |= {"session": session, "csrf_field": CSRF_FIELD}
    context.setdefault("csrf_token", session.csrf_token if session else "")
    return templates.TemplateResponse(request, template, context, status_code=status)


def is_htmx(request: Request) -> bool:
    """An htmx request wants only the fragment it swaps in."""
    return request.headers.get("hx-request") == "true"
