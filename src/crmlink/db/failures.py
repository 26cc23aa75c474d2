"""One sentence for a database error met while a command runs (a lock held too long, a
full disk, a read-only or damaged file, a catalog table someone dropped): what the CLI
prints and what a failed run records. `failure_exit_code` says whose fault it is: 1 for
the moment (locked, full), 2 for a database that must be fixed first."""

from __future__ import annotations

import re

from sqlalchemy.exc import DatabaseError

from crmlink.db.engine import SQLITE_BUSY_MS

RESTORE = "restore it from a backup, or point CRMLINK_DATABASE_URL to another crmlink database"
_MISSING = (
    re.compile(r"no such table: (?:main\.)?(\S+)"),  # SQLite
    re.compile(r'relation "([^"]+)" does not exist'),  # PostgreSQL
)
_SENTENCES = (  # (words in the driver's message, the sentence, exit code)
    (("database is locked", "database is busy"), "", 1),
    (("database or disk is full", "could not extend file", "No space left"),
     "the disk of the campaign database is full: free some space and run the command again",
     1),
    (("readonly database", "read-only", "read only"),
     "the campaign database is read-only: make its file and folder writable, or point "
     "CRMLINK_DATABASE_URL to a database crmlink may write",
     2),
    (("malformed", "file is not a database", "disk I/O error"),
     f"the campaign database is damaged ({{reason}}): {RESTORE}",
     2),
)  # fmt: skip


def missing_table(name: str) -> str:
    """The sentence for a catalog table that is gone (dropped by hand, a half restore)."""
    return (
        f"the campaign database has no table {name!r}, which crmlink's schema has: "
        f"it was changed outside crmlink; {RESTORE}"
    )


def database_failure(exc: DatabaseError) -> str:
    reason = _reason(exc)
    missing = _missing_table(reason)
    if missing:
        return missing_table(missing)
    for words, sentence, _ in _SENTENCES:
        if any(word in reason for word in words):
            return sentence.format(reason=reason) if sentence else _busy()
    return f"the campaign database failed ({reason})"


def failure_exit_code(exc: DatabaseError) -> int:
    reason = _reason(exc)
    if _missing_table(reason):
        return 2
    return next((code for words, _, code in _SENTENCES if any(w in reason for w in words)), 1)


def _busy() -> str:
    return (
        "the campaign database is busy: another crmlink process kept it locked for "
        f"more than {SQLITE_BUSY_MS // 1000} s; try again in a moment"
    )


def _reason(exc: DatabaseError) -> str:
    text = str(exc.orig) if exc.orig else str(exc)
    return (text.strip().splitlines() or ["?"])[0][:200]


def _missing_table(reason: str) -> str | None:
    for pattern in _MISSING:
        found = pattern.search(reason)
        if found:
            return found.group(1)
    return None
