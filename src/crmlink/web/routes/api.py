"""JSON for scripts and live parts: the same data as the CLI's `--json` (401 signed out)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from crmlink.model import to_jsonable
from crmlink.web.auth import require, state_of
from crmlink.web.security import Session

router = APIRouter(prefix="/api")
ACCOUNT_KEYS = ("name", "type", "auth", "url", "username", "api_version", "sandbox", "created_at")


@router.get("/me")
def me(session: Session = require("viewer")) -> dict[str, Any]:
    return {"name": session.user.name, "role": session.user.role}


@router.get("/accounts")
def account_list(request: Request, session: Session = require("viewer")) -> Any:
    """As `crmlink account list --json`: settings only, never a secret."""
    found = state_of(request).accounts().list()
    return to_jsonable([{k: getattr(a, k) for k in ACCOUNT_KEYS} for a in found])
