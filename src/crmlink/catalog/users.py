"""The web console's users: a name, a role and a scrypt password hash; and their sessions' table.

    store = UserStore(database)
    store.add("ada", "admin", password)      -> User
    store.verify("ada", password)            -> User, or None (unknown name or wrong password)
    store.set_password / set_role / remove / list

Roles: `admin` (users and accounts), `operator` (wizard, enumerations, workflows), `viewer`
(read only); `allows(role, needed)` compares them. A password is stored as
`scrypt$n$r$p$salt$hash` (hashlib.scrypt, per-user salt), compared in constant time; an
unknown name costs one hash too, so timing does not tell which names exist. The last admin
cannot be removed or demoted. Bad input is a `UsageError` with one sentence.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    RowMapping,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from crmlink.catalog.roles import ROLES
from crmlink.db import Database
from crmlink.db.metadata import metadata
from crmlink.db.types import UTCDateTime, utcnow
from crmlink.errors import NotFoundError, UsageError

_RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD, MAX_PASSWORD = 10, 1024
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024  # n=2**15, r=8 needs 32 MiB, over hashlib's default limit

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
)

# A signed-in browser: the SHA-256 of its cookie's token (never the token), its CSRF token
# and its times; deleting the row is signing out, so a copied cookie dies with it.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    created_at: object

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "created_at": self.created_at}


def allows(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may (admin > operator > viewer)."""
    return _RANK.get(role, 0) >= _RANK[needed]


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Constant-time comparison of `password` with a `hash_password` result."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        given = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(given, base64.b64decode(digest))
    except ValueError:
        return False


@functools.cache
def _dummy_hash() -> str:
    """What an unknown name's password is checked against (made once, on first use)."""
    return hash_password(secrets.token_urlsafe(16))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise UsageError(
            "a user name is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a "
            "letter or digit: choose another"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UsageError(f"the role {role[:40]!r} is unknown: choose {', '.join(ROLES)}")
    return role


def check_new_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UsageError(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters: choose a longer one"
        )
    return password


class UserStore:
    """The console users of one campaign database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, name: str, role: str, password: str) -> User:
        row = {
            "name": check_name(name),
            "role": check_role(role),
            "password_hash": hash_password(check_new_password(password)),
        }
        try:
            with self.database.transaction() as connection:
                connection.execute(insert(users).values(**row))
        except IntegrityError:
            raise UsageError(f"a user named {name!r} already exists: choose another name") from None
        return self.get(name)

    def list(self) -> list[User]:
        with self.database.connect() as connection:
            rows = connection.execute(select(users).order_by(users.c.name)).mappings()
            return [_user(row) for row in rows]

    def get(self, name: str) -> User:
        return _user(self._row(name))

    def verify(self, name: str, password: str) -> User | None:
        """The user, when `password` is theirs; None otherwise (same cost either way)."""
        with self.database.connect() as connection:
            found = connection.execute(select(users).where(users.c.name == name)).mappings()
            row = found.first()
        ok = check_password(password, row["password_hash"] if row else _dummy_hash())
        return _user(row) if row is not None and ok else None

    def set_password(self, name: str, password: str) -> None:
        self._row(name)
        hashed = hash_password(check_new_password(password))
        with self.database.transaction() as connection:
            connection.execute(
                update(users).where(users.c.name == name).values(password_hash=hashed)
            )
            _end_sessions(connection, name)  # a new password signs every browser out

    def set_role(self, name: str, role: str) -> User:
        check_role(role)
        with self.database.transaction() as connection:
            row = _find(connection, name)
            if row["role"] == "admin" and role != "admin":
                _keep_an_admin(connection, name, "demoted")
            connection.execute(update(users).where(users.c.name == name).values(role=role))
        return self.get(name)

    def remove(self, name: str) -> None:
        with self.database.transaction() as connection:
            row = _find(connection, name)
            if row["role"] == "admin":
                _keep_an_admin(connection, name, "removed")
            _end_sessions(connection, name)
            connection.execute(delete(users).where(users.c.name == name))

    def _row(self, name: str) -> RowMapping:
        with self.database.connect() as connection:
            return _find(connection, name)


def _find(connection: Connection, name: str) -> RowMapping:
    row = connection.execute(select(users).where(users.c.name == name)).mappings().first()
    if row is None:
        raise NotFoundError(f"no user named {name[:64]!r}: see `crmlink user list`")
    return row


def _keep_an_admin(connection: Connection, name: str, what: str) -> None:
    admins = connection.execute(
        select(func.count()).select_from(users).where(users.c.role == "admin")
    ).scalar_one()
    if admins <= 1:
        raise UsageError(
            f"{name!r} is the last admin and cannot be {what}: make another user admin first"
        )


def _end_sessions(connection: Connection, name: str) -> None:
    ids = select(users.c.id).where(users.c.name == name).scalar_subquery()
    connection.execute(delete(web_sessions).where(web_sessions.c.user_id == ids))


def _user(row: RowMapping) -> User:
    return User(id=row["id"], name=row["name"], role=row["role"], created_at=row["created_at"])
