"""The live display of a run on a terminal: one line per activity (rows, rows/s, API calls)."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import Progress, TaskID, TextColumn, TimeElapsedColumn

from crmlink.workflow.observer import Observer


class LiveProgress(Observer):
    """Use as a context manager around `run_workflow(…, observer=LiveProgress())`."""

    def __init__(self, console: Console | None = None) -> None:
        self.bar = Progress(
            TextColumn("{task.description:<20}"),
            TextColumn("{task.fields[status]:<10}"),
            TextColumn("{task.completed:>10,.0f} rows"),
            TextColumn("{task.fields[rate]:>9} rows/s"),
            TextColumn("{task.fields[calls]:>6} API calls"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.started: dict[str, float] = {}

    def __enter__(self) -> LiveProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.stop()

    def activity_started(self, name: str, type_: str) -> None:
        self.started[name] = time.monotonic()
        self.tasks[name] = self.bar.add_task(
            f"{name} ({type_})", total=None, status="running", rate="", calls=0
        )

    def progress(self, name: str, rows: int, api_calls: int) -> None:
        if name not in self.tasks:
            return
        elapsed = max(time.monotonic() - self.started[name], 1e-6)
        self.bar.update(
            self.tasks[name], completed=rows, rate=f"{rows / elapsed:,.0f}", calls=api_calls
        )

    def activity_finished(self, record) -> None:
        task = self.tasks.get(record.name)
        if task is None:
            return
        rows = record.rows_out or record.rows_in
        self.bar.update(
            task, completed=rows, status=record.status, calls=record.api_calls, total=rows or 1
        )
        self.bar.stop_task(task)
