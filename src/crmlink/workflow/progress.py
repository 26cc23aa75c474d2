"""The live display of a run on a terminal: one line per activity, at most 80 columns.

    read (crm)     running      12,000/50,000  24%   4,210/s    14 calls ETA 0:00:09
    save (update)  succeeded      50,000 rows       12,345/s     0 calls     0:00:04

Rows, the total and the share done when the CRM reported a count (`Observer.progress`'s
`total`), rows per second, API calls, and the time left (ETA, from the rate so far) or,
without a total or once finished, the time spent. The activity's name gives way first
when the console is narrow.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import Progress, ProgressColumn, Task, TaskID
from rich.text import Text

from crmlink.workflow.observer import Observer

if TYPE_CHECKING:
    from crmlink.workflow.records import ActivityRecord

MAX_NAME = 24
MIN_NAME = 8


@dataclass
class _State:
    label: str
    started: float
    status: str = "running"
    rows: int = 0
    total: int | None = None
    calls: int = 0
    ended: float | None = None


def count(value: int) -> str:
    """A row count in at most 7 characters: `999,999`, then `1.23M`, `123.4M`, `1.23G`."""
    if value < 1_000_000:
        return f"{value:,}"
    for unit, size in (("M", 1e6), ("G", 1e9)):
        if value < size * 1000 or unit == "G":
            scaled = value / size
            return f"{scaled:.2f}{unit}" if scaled < 100 else f"{scaled:.1f}{unit}"
    return f"{value:,}"  # unreachable


def clock(seconds: float) -> str:
    """`H:MM:SS`."""
    whole = max(int(seconds + 0.5), 0)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def line(state: _State, now: float, width: int = 80) -> str:
    """The activity's line, at most `width` characters."""
    elapsed = max((state.ended or now) - state.started, 1e-6)
    rate = state.rows / elapsed
    if state.total:
        done = f"{count(state.rows)}/{count(state.total)}"
        share = f"{min(state.rows / state.total, 1.0):>4.0%}"
    else:
        done, share = f"{count(state.rows)} rows", ""
    if state.total and state.ended is None and state.rows:
        when = "ETA " + clock(max(state.total - state.rows, 0) / rate)
    else:
        when = clock(elapsed)
    rest = (
        f" {state.status:<10.10} {done:>15} {share:>4} {count(int(rate)):>7}/s "
        f"{state.calls:>5} calls {when:>11}"
    )
    room = max(min(MAX_NAME, width - len(rest)), MIN_NAME)
    label = state.label if len(state.label) <= room else state.label[: room - 1] + "…"
    return (f"{label:<{room}}" + rest)[:width]


class _LineColumn(ProgressColumn):
    def __init__(self, display: LiveProgress) -> None:
        super().__init__()
        self.display = display

    def render(self, task: Task) -> Text:
        state = self.display.states.get(task.fields.get("activity", ""))
        if state is None:
            return Text("")
        width = self.display.bar.console.width
        return Text(line(state, self.display.clock(), width), no_wrap=True, overflow="crop")


class LiveProgress(Observer):
    """Use as a context manager around `run_workflow(…, observer=LiveProgress())`."""

    def __init__(
        self, console: Console | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clock = clock
        self.bar = Progress(
            _LineColumn(self), console=console or Console(stderr=True), transient=False
        )
        self.tasks: dict[str, TaskID] = {}
        self.states: dict[str, _State] = {}

    def __enter__(self) -> LiveProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def activity_started(self, name: str, type_: str) -> None:
        self.states[name] = _State(f"{name} ({type_})", self.clock())
        self.tasks[name] = self.bar.add_task(name, total=None, activity=name)

    def progress(self, name: str, rows: int, api_calls: int, total: int | None = None) -> None:
        state = self.states.get(name)
        if state is None:
            return
        state.rows, state.calls = rows, api_calls
        if total is not None:
            state.total = total
        self.bar.update(self.tasks[name], completed=rows, total=state.total)

    def activity_finished(self, record: ActivityRecord) -> None:
        state = self.states.get(record.name)
        if state is None:
            return
        state.rows = record.rows_out or record.rows_in
        state.status, state.calls, state.ended = record.status, record.api_calls, self.clock()
        if state.total is not None:
            state.total = max(state.total, state.rows)
        task = self.tasks[record.name]
        self.bar.update(task, completed=state.rows, total=state.rows or 1)
        self.bar.stop_task(task)
