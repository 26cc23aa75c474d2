"""Run now from the console: `run_workflow` in a background thread of the server.

The same engine call as `crmlink workflow run` (and so the same one-run-at-a-time claim: a
second start of a running workflow is refused with `WorkflowBusy`). The thread's observer
keeps each activity's live row and call counts for the progress fragment; everything else
the page shows is read from the run's records.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crmlink.workflow.engine import run_workflow
from crmlink.workflow.observer import Observer
from crmlink.workflow.runs import Claim

if TYPE_CHECKING:
    from crmlink.config import Settings
    from crmlink.db import Database
    from crmlink.workflow.model import Workflow
    from crmlink.workflow.records import ActivityRecord

CLAIM_WAIT = 60.0  # seconds the request waits for the run to be claimed


@dataclass
class Live:
    """An activity's counts while it runs (the engine records them when it ends)."""

    rows: int = 0
    api_calls: int = 0
    total: int | None = None


class _Watcher(Observer):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.activities: dict[str, Live] = {}

    def activity_started(self, name: str, type_: str) -> None:
        with self.lock:
            self.activities[name] = Live()

    def progress(self, name: str, rows: int, api_calls: int, total: int | None = None) -> None:
        with self.lock:
            self.activities[name] = Live(rows, api_calls, total)

    def activity_finished(self, record: ActivityRecord) -> None:
        with self.lock:
            self.activities.pop(record.name, None)

    def snapshot(self) -> dict[str, Live]:
        with self.lock:
            return dict(self.activities)


class LiveRuns:
    """The runs this server started: their threads and live counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watchers: dict[int, _Watcher] = {}
        self._threads: list[threading.Thread] = []

    def start(self, database: Database, settings: Settings, workflow: Workflow) -> int:
        """Start (or resume) a run of `workflow`; its id once claimed. A refused claim
        (busy, bad file) raises here, as the CLI would."""
        claimed = threading.Event()
        watcher = _Watcher()
        outcome: dict[str, object] = {}

        def on_claim(claim: Claim) -> None:
            with self._lock:
                self._watchers[claim.run_id] = watcher
            outcome["run"] = claim.run_id
            claimed.set()

        def work() -> None:
            try:
                run_workflow(database, workflow, {}, observer=watcher, settings=settings,
                             on_claim=on_claim)  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - recorded by the engine; shown if unclaimed
                outcome.setdefault("error", exc)
            finally:
                claimed.set()

        thread = threading.Thread(target=work, name=f"run {workflow.name}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        claimed.wait(CLAIM_WAIT)
        return self._claimed(outcome)

    @staticmethod
    def _claimed(outcome: dict[str, object]) -> int:
        run = outcome.get("run")
        if isinstance(run, int):
            return run
        error = outcome.get("error")
        if isinstance(error, Exception):
            raise error
        raise TimeoutError("the run was not claimed in time")

    def live(self, run_id: int) -> dict[str, Live]:
        with self._lock:
            watcher = self._watchers.get(run_id)
        return watcher.snapshot() if watcher else {}

    def join(self, timeout: float = 60.0) -> None:
        """Wait for every started run's thread (a server stopping, a test ending)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)


_CREATE = threading.Lock()


def live_runs(app_state: object) -> LiveRuns:
    """The app's `LiveRuns`, created on first use."""
    with _CREATE:
        found = getattr(app_state, "live_runs", None)
        if not isinstance(found, LiveRuns):
            found = LiveRuns()
            setattr(app_state, "live_runs", found)  # noqa: B010 - starlette's State
        return found
