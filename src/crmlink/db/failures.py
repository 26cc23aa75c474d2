"""One sentence for a database error that is nobody's input mistake (a lock held too long,
a disk that is full): what the CLI prints and what a failed run records."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from crmlink.db.engine import SQLITE_BUSY_MS


def database_failure(exc: OperationalError) -> str:
    reason = (str(exc.orig).strip().splitlines() or ["?"])[0] if exc.orig else str(exc)
    if "database is locked" in reason or "database is busy" in reason:
        return (
            "the campaign database is busy: another crmlink process kept it locked for "
            f"more than {SQLITE_BUSY_MS // 1000} s; try again in a moment"
        )
    return f"the campaign database failed ({reason})"
