"""The live progress line: total, share and ETA when the CRM reports a count; 80 columns."""

from __future__ import annotations

import re
from io import StringIO

from rich.console import Console

from crmlink.workflow.progress import LiveProgress
from crmlink.workflow.records import ActivityRecord

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def lines(out: StringIO) -> list[str]:
    text = ANSI.sub("", out.getvalue()).replace("\r", "\n")
    return [line for line in text.splitlines() if line.strip()]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_has_the_total_and_an_eta_within_80_columns():
    out, clock = StringIO(), Clock()
    console = Console(file=out, width=80, force_terminal=True)
    with LiveProgress(console, clock=clock) as live:
        live.activity_started("contacts-from-salesforce-import", "crm")
        clock.now += 10  # 12,000 rows in 10 s: 1,200/s, 38,000 to go: 32 s
        live.progress("contacts-from-salesforce-import", 12_000, 14, total=50_000)
        live.bar.refresh()
        shown = lines(out)[-1]
    assert "12,000/50,000" in shown and " 24%" in shown
    assert "ETA 0:00:32" in shown and "1,200/s" in shown and "14 calls" in shown
    assert shown.startswith("contacts-from…")  # the name gives way, the figures do not
    assert max(len(line) for line in lines(out)) <= 80


def test_without_a_total_the_line_shows_rows_and_the_time_spent():
    out, clock = StringIO(), Clock()
    console = Console(file=out, width=80, force_terminal=True)
    with LiveProgress(console, clock=clock) as live:
        live.activity_started("save", "update")
        clock.now += 4
        live.progress("save", 2_000_000, 0)
        clock.now += 1
        record = ActivityRecord("save", "update", "succeeded", rows_in=2_500_000)
        live.activity_finished(record)
    final = lines(out)[-1]
    assert "2.50M rows" in final and "succeeded" in final and "0:00:05" in final
    assert "ETA" not in final
    assert max(len(line) for line in lines(out)) <= 80
