"""The sandbox's org state: one SQLite file in the state folder.

Writes go through one connection under a lock (`transaction()`); long reads such as bulk
result downloads open their own connection (`reader()`), which WAL mode lets run beside
writes. SQLite keeps memory flat whatever the org's size: nothing is held in Python.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=OFF",  # a sandbox: speed over durability on power loss
    "PRAGMA cache_size=-32000",  # 32 MB page cache, whatever the org's size
    "PRAGMA temp_store=FILE",
)


def resolve_state_dir(state_dir: Path | str | None) -> tuple[Path, bool]:
    """The folder to keep state in, and whether it is a temporary one to remove at close."""
    if state_dir is None:
        return Path(tempfile.mkdtemp(prefix="crmlink-sandbox-")), True
    path = Path(state_dir).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path, False


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    return conn


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = _connect(path)
        self._writing = threading.local()  # this thread holds the open write transaction

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Serialised write transaction, rolled back whole on any error."""
        with self.lock:
            if self.conn.in_transaction:  # nested: join the outer one
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._writing.active = True
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            finally:
                self._writing.active = False
            self.conn.execute("COMMIT")

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A separate connection for a long read that must not block writers; inside this
        thread's own write transaction, that transaction (a read sees its own writes)."""
        if getattr(self._writing, "active", False):
            yield self.conn
            return
        conn = _connect(self.path)
        try:
            yield conn
        finally:
            conn.close()

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
