"""The worker: run registered workflows whose cron schedule is due, one run at a time each.

A workflow is due when the next cron time after its last run's start (or, never run, after
its registration) has come. A workflow already running elsewhere is left for next time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from crmlink.db import Database
from crmlink.db.types import utcnow
from crmlink.errors import CrmlinkError
from crmlink.workflow.catalog import Registered, list_all
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.runs import WorkflowBusy

if TYPE_CHECKING:
    from crmlink.config import Settings

Say = Callable[[str], None]


def due(database: Database) -> list[Registered]:
    now = utcnow()
    return [
        r for r in list_all(database) if r.enabled and r.schedule and (r.next_due() or now) <= now
    ]


def run_due(database: Database, say: Say, settings: Settings | None = None) -> int:
    """Run every due workflow once; return how many runs were started."""
    started = 0
    for registered in due(database):
        say(f"{registered.name}: due (schedule {registered.schedule}); running")
        try:
            record = run_workflow(database, registered.workflow(), settings=settings)
        except WorkflowBusy as exc:
            say(f"{registered.name}: skipped: {exc.message}")
            continue
        except CrmlinkError as exc:
            say(f"{registered.name}: cannot run: {exc.message}")
            continue
        started += 1
        say(f"{registered.name}: run {record.id} {record.status}" + _error(record.error))
    return started


def _error(error: str | None) -> str:
    return f": {error}" if error else ""


def serve(
    database: Database, say: Say, poll: float, once: bool, settings: Settings | None = None
) -> None:
    """Check the schedules every `poll` seconds (once with `once`) until interrupted."""
    say(f"worker started (poll every {poll:g}s)" if not once else "worker: one pass")
    try:
        while True:
            run_due(database, say, settings)
            if once:
                return
            time.sleep(poll)
    except KeyboardInterrupt:
        say("worker stopped")
