"""Web console fixtures: a console on the test database, served over real TLS by uvicorn.

console          the FastAPI app on the test database (SQLite and PostgreSQL); its
                 `state.web` is reachable, so tests can set clocks and limits
server           the console served over HTTPS on loopback (the sandboxes' server, TLS)
client           an httpx client of it (verifying the server's CA), signed out
signed_in(role)  a new client signed in as the user named after that role
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import secrets
import ssl

import httpx
import pytest
from sqlalchemy import insert

from crmlink.catalog.users import ROLES, UserStore, check_password
from crmlink.catalog.users import users as users_table
from crmlink.config import Settings
from crmlink.sandbox.core.server import SandboxServer
from crmlink.sandbox.core.tls import ensure_tls
from crmlink.web.app import create_app

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: httpx.Client, name: str, password: str = PASSWORD):
    token = csrf_of(client.get("/sign-in").text)
    return client.post(
        "/sign-in",
        data={"name": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture
def settings(tmp_path, database_url, monkeypatch) -> Settings:
    monkeypatch.delenv("CRMLINK_SECRET_KEY", raising=False)
    return Settings.load(tmp_path / "home", env={"CRMLINK_DATABASE_URL": database_url})


@functools.cache
def password_hash() -> str:
    """PASSWORD's scrypt hash at a test cost (n=2**10): the product's n=2**15 costs a
    quarter of a second per sign-in, by design, and these tests sign in hundreds of times.
    The stored hash carries its parameters; `test_cli_user` checks the product's."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**10, r=8, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt$1024$8$1${b64(salt).decode()}${b64(digest).decode()}"


@pytest.fixture
def users(database) -> UserStore:
    """Users named admin, operator and viewer, of those roles, with PASSWORD."""
    assert check_password(PASSWORD, password_hash())
    rows = [{"name": r, "role": r, "password_hash": password_hash()} for r in ROLES]
    with database.transaction() as connection:
        connection.execute(insert(users_table), rows)
    return UserStore(database)


@pytest.fixture
def console(settings, database, users):
    return create_app(settings, database, tls=True)


@pytest.fixture
def server(console, tmp_path):
    tls = ensure_tls(tmp_path / "tls")
    with SandboxServer(console, tls) as serving:
        serving.ca_bundle = str(tls.ca_bundle)
        yield serving


@pytest.fixture
def new_client(server):
    """new_client(**options) -> an httpx client of the console; closed after the test."""
    opened: list[httpx.Client] = []

    def make(**options) -> httpx.Client:
        verify = ssl.create_default_context(cafile=server.ca_bundle)
        client = httpx.Client(base_url=server.url, verify=verify, timeout=60, **options)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def client(new_client):
    return new_client()


@pytest.fixture
def signed_in(new_client):
    """signed_in(role) -> a new client signed in as the user named after that role."""

    def make(role: str) -> httpx.Client:
        client = new_client()
        answer = sign_in(client, role)
        assert answer.status_code == 303, answer.text
        return client

    return make


def page_csrf(client: httpx.Client, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's sign-out form."""
    return csrf_of(client.get(path).text)
