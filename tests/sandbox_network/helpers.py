"""What the network tests share: control calls, tokens and clients over verified TLS."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable

import httpx

from tests.conftest import password_token

API = "/services/data/v59.0"


def verify(sandbox) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=sandbox.info()["ca_bundle"])


def set_faults(sandbox, text: str) -> dict:
    response = httpx.put(f"{sandbox.url}/__sandbox__/faults", content=text, verify=verify(sandbox))
    response.raise_for_status()
    return response.json()


def advance(sandbox, seconds: float) -> None:
    response = httpx.post(
        f"{sandbox.url}/__sandbox__/clock",
        params={"advance": seconds},
        verify=verify(sandbox),
    )
    response.raise_for_status()


def sf_client(sandbox, token: str | None = None) -> httpx.Client:
    """An httpx client on the org's REST API with a bearer token (one connection pool)."""
    token = token or password_token(sandbox)["access_token"]
    return httpx.Client(
        base_url=f"{sandbox.url}{API}",
        headers={"Authorization": f"Bearer {token}"},
        verify=verify(sandbox),
        timeout=60,
    )


def dv_token(sandbox, user: bool = False) -> str:
    """A token for the application user (client secret), or the admin user (password)."""
    info = sandbox.info()
    form = {"client_id": info["client_id"], "scope": f"{info['url']}/.default"}
    if user:
        form |= {"grant_type": "password", "username": info["username"]}
        form["password"] = info["password"]
    else:
        form |= {"grant_type": "client_credentials", "client_secret": info["client_secret"]}
    response = httpx.post(
        f"{info['authority']}/oauth2/v2.0/token", data=form, verify=verify(sandbox)
    )
    response.raise_for_status()
    return response.json()["access_token"]


def dv_client(sandbox, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{sandbox.url}/api/data/v9.2",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        verify=verify(sandbox),
        timeout=60,
    )


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait until `condition()` holds (polled), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def calls(sandbox) -> int:
    response = httpx.get(f"{sandbox.url}/__sandbox__/stats", verify=verify(sandbox))
    return int(response.json()["total"])
