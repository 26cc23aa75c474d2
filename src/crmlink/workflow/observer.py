"""What the engine tells whoever watches a run (the CLI's live display); no-ops here.

`progress(name, rows, api_calls, total)`: `total` is how many rows the activity expects
when the CRM reported a count (a connector read's `Batches.total`), else None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmlink.workflow.records import ActivityRecord


class Observer:
    def activity_started(self, name: str, type_: str) -> None:
        pass

    def progress(self, name: str, rows: int, api_calls: int, total: int | None = None) -> None:
        pass

    def activity_finished(self, record: ActivityRecord) -> None:
        pass

    def log(self, activity: str | None, level: str, message: str) -> None:
        pass
