"""Shared by the HubSpot connector tests (no tests here): a connector on an
`httpx.MockTransport` that answers from a table of handlers and records every request,
a clock that `sleep` moves, and HubSpot-shaped bodies."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from crmlink.connectors.hubspot import HubSpotConnector, RetryPolicy
from crmlink.model import AccountSettings

URL = "https://api.hubapi.test"
TOKEN = "pat-na1-00000000-test"
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0, max_retry_after=60.0)
Handler = Callable[[httpx.Request], httpx.Response]


def account(auth: str = "private-app", **changes: Any) -> AccountSettings:
    secrets = (
        {"access_token": TOKEN}
        if auth == "private-app"
        else {"client_secret": "shh-client-secret", "refresh_token": "rt-secret-1"}
    )
    settings: dict[str, Any] = {
        "name": "hs-test",
        "type": "hubspot",
        "url": URL,
        "auth": auth,
        "client_id": "client-1" if auth == "oauth" else None,
        "secrets": secrets,
    }
    return AccountSettings(**(settings | changes))


@dataclass
class Clock:
    """Monotonic time that only `sleep` moves: pacing waits are recorded, not spent."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@dataclass
class FakeHubSpot:
    """Answers `(method, path)` from `routes`; unknown ones 404 in HubSpot's shape."""

    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, handler: Handler | dict | list) -> None:
        if callable(handler):
            self.routes[(method, path)] = handler
        else:
            self.routes[(method, path)] = lambda _request, body=handler: answer(200, body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return error(404, "OBJECT_NOT_FOUND", f"no route {request.url.path}")
        return handler(request)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def error(status: int, category: str, message: str, **extra: Any) -> httpx.Response:
    body = {"status": "error", "message": message, "correlationId": "c-1", "category": category}
    headers = extra.pop("headers", None)
    return answer(status, body | extra, headers)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def connector(
    fake: FakeHubSpot, auth: str = "private-app", clock: Clock | None = None, **options: Any
) -> HubSpotConnector:
    clock = clock or Clock()
    options.setdefault("retry", FAST_RETRY)
    return HubSpotConnector(
        account(auth),
        transport=httpx.MockTransport(fake),
        sleep=clock.sleep,
        clock=clock,
        **options,
    )


def prop(name: str, type_: str = "string", field_type: str = "text", **extra: Any) -> dict:
    return {"name": name, "label": name.title(), "type": type_, "fieldType": field_type} | extra


CONTACT_PROPERTIES = [
    prop("hs_object_id", "number", "number", modificationMetadata={"readOnlyValue": True}),
    prop("email", hasUniqueValue=False),
    prop("lastname"),
    prop("notes", "string", "textarea"),
    prop("phone", "phone_number", "phonenumber"),
    prop("age", "number", "number"),
    prop("birthday", "date", "date"),
    prop("createdate", "datetime", "date", modificationMetadata={"readOnlyValue": True}),
    prop("hs_lastmodifieddate", "datetime", "date", modificationMetadata={"readOnlyValue": True}),
    prop("opted_in", "bool", "booleancheckbox"),
    prop("score", "number", "calculation_equation", calculated=True),
    prop(
        "lifecyclestage",
        "enumeration",
        "radio",
        options=[
            {"label": "Lead", "value": "lead", "displayOrder": 1},
            {"label": "Subscriber", "value": "subscriber", "displayOrder": 0},
        ],
    ),
    prop(
        "interests",
        "enumeration",
        "checkbox",
        options=[
            {"label": "Golf", "value": "golf", "displayOrder": 0},
            {"label": "Old", "value": "old", "displayOrder": 1, "hidden": True},
        ],
    ),
]
LOYALTY_PROPERTIES = [
    prop("hs_object_id", "number", "number"),
    prop("card_number", hasUniqueValue=True),
    prop("hs_lastmodifieddate", "datetime", "date"),
]
SCHEMAS = {
    "results": [
        {
            "name": "loyalty_card",
            "objectTypeId": "2-7",
            "fullyQualifiedName": "p42_loyalty_card",
            "labels": {"singular": "Loyalty card", "plural": "Loyalty cards"},
        }
    ]
}


def described(fake: FakeHubSpot) -> FakeHubSpot:
    """`fake` answering the schemas and the contacts' and loyalty cards' properties."""
    fake.on("GET", "/crm/v3/schemas", SCHEMAS)
    fake.on("GET", "/crm/v3/properties/contacts", {"results": CONTACT_PROPERTIES})
    fake.on("GET", "/crm/v3/properties/2-7", {"results": LOYALTY_PROPERTIES})
    return fake


# -- on the sandbox -----------------------------------------------------------------------
SANDBOX_SECRETS = {
    "private-app": ("access_token",),
    "oauth": ("client_secret", "refresh_token"),
}


def sandbox_account(sandbox: Any, auth: str = "private-app", **changes: Any) -> AccountSettings:
    info = sandbox.info()
    settings: dict[str, Any] = {
        "name": "hs-sandbox",
        "type": "hubspot",
        "url": info["url"],
        "auth": auth,
        "client_id": info["client_id"] if auth == "oauth" else None,
        "ca_bundle": info["ca_bundle"],
        "secrets": {key: info[key] for key in SANDBOX_SECRETS[auth]},
    }
    return AccountSettings(**(settings | changes))


def sandbox_connector(sandbox: Any, auth: str = "private-app", **options: Any) -> HubSpotConnector:
    options.setdefault("retry", SANDBOX_RETRY)
    return HubSpotConnector(sandbox_account(sandbox, auth), **options)


SANDBOX_RETRY = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05, max_retry_after=11.0)


def advance_clock(sandbox: Any, seconds: float) -> None:
    info = sandbox.info()
    context = ssl.create_default_context(cafile=info["ca_bundle"])
    url = f"{info['url']}/__sandbox__/clock"
    httpx.post(url, params={"advance": seconds}, verify=context).raise_for_status()


def create_property(sandbox: Any, object_type: str, definition: dict) -> None:
    """A property made through the sandbox's properties API (as a portal admin would)."""
    info = sandbox.info()
    context = ssl.create_default_context(cafile=info["ca_bundle"])
    response = httpx.post(
        f"{info['url']}/crm/v3/properties/{object_type}",
        json=definition,
        headers={"Authorization": f"Bearer {info['access_token']}"},
        verify=context,
    )
    assert response.status_code == 201, response.text
