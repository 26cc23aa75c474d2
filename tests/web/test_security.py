"""The console's guards: signed-out access, CSRF, stolen cookies, expiry, rate limit, headers."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from fastapi import Response
from sqlalchemy import select

from crmlink.catalog.users import web_sessions
from crmlink.web.security import COOKIE, HEADERS, RateLimit, token_hash
from tests.web.conftest import PASSWORD, page_csrf, sign_in

PAGES = ["/", "/accounts", "/accounts/new", "/accounts/sf", "/accounts/sf/edit", "/users"]
APIS = ["/api/me", "/api/accounts"]
POSTS = ["/accounts", "/accounts/sf/edit", "/accounts/sf/remove", "/accounts/sf/test",
         "/users", "/users/viewer/role", "/users/viewer/remove", "/sign-out"]  # fmt: skip


def test_signed_out_pages_redirect_to_sign_in(client):
    for path in PAGES:
        answer = client.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in"), path


def test_signed_out_apis_answer_401(client):
    for path in APIS:
        answer = client.get(path)
        assert answer.status_code == 401, path
        assert answer.json() == {"error": "Sign in first."}


def test_signed_out_posts_are_refused(client, console):
    for path in POSTS:
        answer = client.post(path, data={"name": "x", "role": "admin", "password": "x" * 12})
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in"), path
    assert [u.name for u in console.state.web.users().list()] == ["admin", "operator", "viewer"]


def test_sign_in_page_and_static_files_are_open(client):
    assert client.get("/sign-in").status_code == 200
    assert client.get("/static/console.css").status_code == 200
    assert "htmx" in client.get("/static/htmx.min.js").text


def test_wrong_password_is_refused_in_one_sentence(client):
    answer = sign_in(client, "admin", "not the password")
    assert answer.status_code == 400
    assert "The name or the password is wrong." in answer.text
    assert COOKIE not in client.cookies


def test_sign_in_without_the_form_token_is_refused(client):
    client.get("/sign-in")
    answer = client.post("/sign-in", data={"name": "admin", "password": PASSWORD})
    assert answer.status_code == 403
    assert COOKIE not in client.cookies


def test_session_cookie_flags(client):
    answer = sign_in(client, "admin")
    cookie = answer.headers["set-cookie"].lower()
    assert f"{COOKIE}=" in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" in cookie  # served over TLS


def test_over_plain_http_the_cookie_is_not_secure(settings, database, users):
    from crmlink.web.app import create_app
    from crmlink.web.routes.sign_in import _set_cookie

    app = create_app(settings, database, tls=False)
    request = SimpleNamespace(app=app)
    response = Response()
    _set_cookie(request, response, COOKIE, "x")  # a Secure cookie would never come back
    assert "secure" not in response.headers["set-cookie"].lower()


def test_only_the_token_hash_is_stored(signed_in, database):
    client = signed_in("admin")
    token = client.cookies[COOKIE]
    with database.connect() as connection:
        stored = connection.execute(select(web_sessions.c.token_hash)).scalars().all()
    assert stored == [token_hash(token)]
    assert token not in stored


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_posts_without_the_sessions_csrf_token_are_refused(signed_in, console, token):
    client = signed_in("admin")
    data = {"name": "mallory", "role": "admin", "password": "x" * 12}
    if token is not None:
        data["csrf_token"] = token
    answer = client.post("/users", data=data)
    assert answer.status_code == 403
    assert "did not come from this console" in answer.text
    assert "mallory" not in [u.name for u in console.state.web.users().list()]


def test_a_csrf_token_of_another_session_is_refused(signed_in, console):
    mine, theirs = signed_in("admin"), signed_in("admin")
    data = {"name": "mallory", "role": "admin", "password": "x" * 12}
    answer = mine.post("/users", data=data | {"csrf_token": page_csrf(theirs)})
    assert answer.status_code == 403
    ok = mine.post("/users", data=data | {"csrf_token": page_csrf(mine)}, follow_redirects=False)
    assert ok.status_code == 303


def test_a_stolen_cookie_dies_with_sign_out(signed_in, new_client):
    client = signed_in("admin")
    stolen = client.cookies[COOKIE]
    before = new_client(cookies={COOKIE: stolen})
    assert before.get("/api/me").json()["name"] == "admin"  # the copy works while signed in
    out = client.post("/sign-out", data={"csrf_token": page_csrf(client)})
    assert out.status_code == 303
    thief = new_client(cookies={COOKIE: stolen})
    assert thief.get("/api/me").status_code == 401
    assert thief.get("/").headers["location"] == "/sign-in"


def test_a_new_password_ends_the_users_sessions(signed_in, users):
    client = signed_in("operator")
    users.set_password("operator", "another good password")
    assert client.get("/api/me").status_code == 401


def test_a_removed_user_is_signed_out(signed_in, users):
    client = signed_in("viewer")
    users.remove("viewer")
    assert client.get("/api/me").status_code == 401


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def test_idle_sessions_expire(signed_in, console):
    clock = Clock()
    console.state.web.sessions.clock = clock
    client = signed_in("viewer")
    clock.now += dt.timedelta(minutes=29)
    assert client.get("/api/me").status_code == 200  # and seen again now
    clock.now += dt.timedelta(minutes=29)
    assert client.get("/api/me").status_code == 200
    clock.now += dt.timedelta(minutes=31)
    assert client.get("/api/me").status_code == 401


def test_sessions_expire_after_twelve_hours_however_busy(signed_in, console):
    clock = Clock()
    console.state.web.sessions.clock = clock
    client = signed_in("viewer")
    for _ in range(24):
        clock.now += dt.timedelta(minutes=29)
        assert client.get("/api/me").status_code == 200
    clock.now += dt.timedelta(minutes=29)  # 12 h 5 min after sign-in
    assert client.get("/api/me").status_code == 401


def test_sign_in_attempts_are_limited_per_user(client, console):
    for _ in range(5):
        assert sign_in(client, "admin", "wrong password").status_code == 400
    answer = sign_in(client, "admin")  # the right password, too late
    assert answer.status_code == 429
    assert "Too many sign-in attempts: wait a minute and try again." in answer.text
    assert COOKIE not in client.cookies


def test_sign_in_attempts_are_limited_per_client_address(client):
    for n in range(5):
        assert sign_in(client, f"nobody{n}", "wrong password").status_code == 400
    assert sign_in(client, "viewer").status_code == 429


def test_the_limit_lifts_after_a_minute(client, console):
    now = [0.0]
    console.state.web.sign_ins = RateLimit(clock=lambda: now[0])
    for _ in range(5):
        sign_in(client, "admin", "wrong password")
    assert sign_in(client, "admin").status_code == 429
    now[0] += 61
    assert sign_in(client, "admin").status_code == 303


def test_security_headers_on_every_answer(client):
    for path in ["/sign-in", "/static/console.css", "/api/me", "/", "/no-such-page"]:
        answer = client.get(path)
        for name, value in HEADERS.items():
            assert answer.headers[name] == value, path
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_security_headers_on_signed_in_pages(signed_in):
    answer = signed_in("admin").get("/users")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_huge_body_is_refused_before_it_is_read(signed_in):
    admin = signed_in("admin")
    answer = admin.post("/users", content=b"x" * (1024 * 1024 + 1),
                        headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert answer.status_code == 413


def test_the_limiter_forgets_quiet_keys_but_not_busy_ones():
    now = [0.0]
    limit = RateLimit(limit=1, window=60, clock=lambda: now[0])
    assert limit.allow("user:busy")
    now[0] = 30.0
    for n in range(10_001):
        limit.allow(f"user:made-up-{n}")
    assert not limit.allow("user:busy")  # still within its minute
    now[0] = 200.0
    limit.allow("user:one-more")
    assert len(limit._events) < 10


def test_expired_sessions_are_deleted_at_the_next_sign_in(signed_in, console, database):
    clock = Clock()
    console.state.web.sessions.clock = clock
    signed_in("viewer")
    clock.now += dt.timedelta(hours=1)
    fresh = signed_in("admin")
    with database.connect() as connection:
        stored = connection.execute(select(web_sessions.c.token_hash)).scalars().all()
    assert stored == [token_hash(fresh.cookies[COOKIE])]
