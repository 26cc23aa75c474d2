"""The Dataverse bearer flow (`TokenAuth`) on `httpx.MockTransport`: a 401 gets a fresh
token and a replay, up to `REFRESHES` times; calls refused at once for one token share
one fresh token."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from crmlink.connectors.dynamics.auth import REFRESHES, TokenAuth


class Tokens:
    def __init__(self) -> None:
        self.issued: list[bool] = []  # `fresh` of each token asked for
        self.lock = threading.Lock()

    def __call__(self, fresh: bool) -> str:
        with self.lock:
            self.issued.append(fresh)
            return f"t{len(self.issued)}"


def _client(tokens: Tokens, accepted) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        return httpx.Response(200 if accepted(token) else 401, json={"token": token})

    return httpx.Client(transport=httpx.MockTransport(handler), auth=TokenAuth(tokens))


def test_a_fresh_token_that_expired_in_flight_gets_another():
    tokens = Tokens()
    with _client(tokens, lambda token: token == "t3") as client:
        response = client.get("https://dv.test/api/data/v9.2/WhoAmI")
    assert response.status_code == 200 and response.json() == {"token": "t3"}
    assert tokens.issued == [False, True, True]


def test_a_token_refused_after_every_refresh_goes_up_as_401():
    tokens = Tokens()
    with _client(tokens, lambda token: False) as client:
        response = client.get("https://dv.test/api/data/v9.2/WhoAmI")
    assert response.status_code == 401
    assert len(tokens.issued) == 1 + REFRESHES


def test_calls_refused_at_once_share_one_fresh_token():
    tokens = Tokens()
    gate = threading.Barrier(6)

    def accepted(token: str) -> bool:
        if token == "t1":
            gate.wait(timeout=5)  # all six are refused t1 together
            return False
        return True

    with _client(tokens, accepted) as client, ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda n: client.get(f"https://dv.test/{n}"), range(6)))
    assert [a.json()["token"] for a in answers] == ["t2"] * 6
    assert tokens.issued == [False, True]
