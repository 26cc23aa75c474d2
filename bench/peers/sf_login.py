"""The OAuth 2.0 password grant every Salesforce peer logs in with (standard library only, so
it runs in the tools' own virtualenvs too)."""

from __future__ import annotations

from typing import Any


def password_form(info: dict[str, Any]) -> dict[str, str]:
    """The token request's form for the sandbox's ready line `info`."""
    return {
        "grant_type": "password",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "username": info["username"],
        "password": info["password"] + info["security_token"],
    }
