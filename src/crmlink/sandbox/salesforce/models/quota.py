"""The org's daily API request quota, kept in the store so it survives restarts."""

from __future__ import annotations

from crmlink.sandbox.salesforce import errors

DEFAULT_API_LIMIT = 1_000_000


class ApiQuota:
    def __init__(self, store, limit: int, today) -> None:
        self.store, self.limit, self._today = store, limit, today

    def _used(self, conn, today: str) -> int:
        row = conn.execute("SELECT value FROM _sbx_meta WHERE key = 'api_usage'").fetchone()
        day, used = row[0].split("|") if row else (today, "0")
        return int(used) if day == today else 0

    def spend(self) -> tuple[int, int]:
        """Count one call against today's quota; `REQUEST_LIMIT_EXCEEDED` when spent."""
        today = self._today()
        with self.store.transaction() as conn:
            used = self._used(conn, today)
            if used >= self.limit:
                raise errors.RequestLimitExceeded("TotalRequests Limit exceeded.")
            conn.execute(
                "INSERT INTO _sbx_meta (key, value) VALUES ('api_usage', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (f"{today}|{used + 1}",),
            )
        return used + 1, self.limit

    def usage(self) -> tuple[int, int]:
        with self.store.lock:
            return self._used(self.store.conn, self._today()), self.limit
