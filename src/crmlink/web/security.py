"""Sessions, CSRF tokens, the sign-in rate limit and the security headers of `crmlink web`.

A session is a random token in an HttpOnly, SameSite=Strict cookie (Secure over TLS); the
server keeps only its SHA-256, so deleting the row (signing out) kills every copy of the
cookie. Sessions expire after `IDLE` without a request and `ABSOLUTE` after sign-in. Each
session has a synchronizer CSRF token, checked on every non-GET request. The sign-in form,
before any session, uses a double-submit token (cookie == form field).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from crmlink.catalog.users import User, users, web_sessions
from crmlink.db import Database

COOKIE = "crmlink_session"
SIGN_IN_COOKIE = "crmlink_sign_in"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
TOUCH_EVERY = dt.timedelta(minutes=1)  # seen_at is written at most this often
MAX_KEYS = 10_000  # keys the sign-in limiter keeps before it forgets quiet ones
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class Session:
    """A signed-in browser: its user (role read fresh on every request) and CSRF token."""

    token_hash: str
    user: User
    csrf_token: str


class SessionStore:
    """Server-side sessions in the `web_sessions` table."""

    def __init__(self, database: Database, clock: Clock = _now) -> None:
        self.database = database
        self.clock = clock

    def create(self, user: User) -> tuple[str, Session]:
        """A new session for `user`: the cookie's token (shown once) and the session."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        hashed, now = token_hash(token), self.clock()
        row = {"token_hash": hashed, "user_id": user.id, "csrf_token": csrf,
               "created_at": now, "seen_at": now}  # fmt: skip
        with self.database.transaction() as connection:
            connection.execute(insert(web_sessions).values(**row))
            connection.execute(  # sessions expired and never seen again: gone at a sign-in
                delete(web_sessions).where(
                    (web_sessions.c.seen_at < now - IDLE)
                    | (web_sessions.c.created_at < now - ABSOLUTE)
                )
            )
        return token, Session(hashed, user, csrf)

    def lookup(self, token: str | None) -> Session | None:
        """The live session of a cookie's token; an expired one is deleted."""
        if not token or len(token) > 128:
            return None
        hashed = token_hash(token)
        query = (
            select(web_sessions, users.c.name, users.c.role, users.c.created_at.label("since"))
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.token_hash == hashed)
        )
        with self.database.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return None
        now = self.clock()
        if now - row["seen_at"] > IDLE or now - row["created_at"] > ABSOLUTE:
            self.end(token)
            return None
        if now - row["seen_at"] > TOUCH_EVERY:
            self._touch(hashed, now)
        user = User(id=row["user_id"], name=row["name"], role=row["role"], created_at=row["since"])
        return Session(hashed, user, row["csrf_token"])

    def end(self, token: str) -> None:
        with self.database.transaction() as connection:
            connection.execute(
                delete(web_sessions).where(web_sessions.c.token_hash == token_hash(token))
            )

    def _touch(self, hashed: str, now: dt.datetime) -> None:
        with self.database.transaction() as connection:
            connection.execute(
                update(web_sessions).where(web_sessions.c.token_hash == hashed).values(seen_at=now)
            )


class RateLimit:
    """At most `limit` events per key in any `window` seconds (in memory, per process)."""

    def __init__(
        self, limit: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, *keys: str) -> bool:
        """Count one event under each key; False when any key is over its limit."""
        now = self.clock()
        with self._lock:
            if len(self._events) > MAX_KEYS:  # many made-up names: forget the quiet ones
                self._forget_before(now - self.window)
            allowed = True
            for key in keys:
                events = self._events.setdefault(key, deque())
                while events and now - events[0] >= self.window:
                    events.popleft()
                if len(events) >= self.limit:
                    allowed = False
                else:
                    events.append(now)
            return allowed

    def _forget_before(self, moment: float) -> None:
        quiet = [key for key, events in self._events.items() if not events or events[-1] < moment]
        for key in quiet:
            del self._events[key]
