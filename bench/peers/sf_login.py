"""The OAuth 2.0 password grant every Salesforce peer logs in with (standard library only, so
it runs in the tools' own virtualenvs too)."""

from __future__ import annotations

from typing import Any, Protocol


class _Client(Protocol):  # an httpx.Client with the sandbox as its base_url
    def post(self, url: str, *, data: dict[str, str]) -> Any: ...


def password_form(info: dict[str, Any]) -> dict[str, str]:
    """The token request's form for the sandbox's ready line `info`."""
    return {
        "grant_type": "password",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "username": info["username"],
        "password": info["password"] + info["security_token"],
    }


def token(client: _Client, info: dict[str, Any]) -> str:
    """An access token from the sandbox's token endpoint (an httpx client on its URL)."""
    answer = client.post("/services/oauth2/token", data=password_form(info)).raise_for_status()
    return str(answer.json()["access_token"])
