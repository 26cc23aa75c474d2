"""Results: one `Measurement` per contestant run; the summary (median and min over rounds),
the floor, the table printed and the JSON written."""

from __future__ import annotations

import functools
import json
import platform
import statistics
import timeit
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil


@dataclass
class Measurement:
    scenario: str  # sf import, export, incremental 1%, …
    contestant: str
    target: str  # sqlite | postgresql | the CRM for exports
    profile: str  # loopback | wan
    round: int
    expected: int  # rows the org (or the database) holds: what the contestant must reach
    rows: int  # rows the bench found afterwards
    seconds: float
    api_calls: int
    peak_rss_mb: float
    error: str = ""
    note: str = ""  # what the contestant said of its plan (crmlink's read_plan), if anything

    @property
    def ok(self) -> bool:
        return not self.error and self.rows == self.expected


@dataclass
class Summary:
    scenario: str
    contestant: str
    target: str
    profile: str
    runs: int
    failed: int
    rows: int
    median_s: float
    min_s: float
    rows_per_s: float  # rows / median_s
    api_calls: int  # median
    peak_rss_mb: float  # the largest of the runs
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "ok" if not self.failed else f"FAILED {self.failed}/{self.runs}"


def _key(m: Measurement) -> tuple[str, str, str, str]:
    return (m.scenario, m.contestant, m.target, m.profile)


def summarize(measurements: list[Measurement]) -> list[Summary]:
    """One summary per (scenario, contestant, target, profile), in first-seen order."""
    groups: dict[tuple[str, str, str, str], list[Measurement]] = {}
    for m in measurements:
        groups.setdefault(_key(m), []).append(m)
    summaries = [_summary(key, runs) for key, runs in groups.items()]
    return summaries + floors(summaries)


def _summary(key: tuple[str, str, str, str], runs: list[Measurement]) -> Summary:
    good = [m for m in runs if m.ok] or runs
    seconds = [m.seconds for m in good]
    median = statistics.median(seconds)
    errors = [m.error or f"{m.rows:,} rows, expected {m.expected:,}" for m in runs if not m.ok]
    return Summary(
        *key,
        runs=len(runs),
        failed=len(errors),
        rows=good[0].expected,
        median_s=round(median, 3),
        min_s=round(min(seconds), 3),
        rows_per_s=round(good[0].expected / median, 1) if median else 0.0,
        api_calls=int(statistics.median(m.api_calls for m in good)),
        peak_rss_mb=max(m.peak_rss_mb for m in runs),
        errors=errors,
    )


FLOOR_PARTS = ("floor: download only", "floor: insert only")


def floors(summaries: list[Summary]) -> list[Summary]:
    """The floor of an import: the larger of download-only and insert-only, per target."""
    found = []
    for insert in (s for s in summaries if s.contestant == FLOOR_PARTS[1]):
        download = next(
            (
                s
                for s in summaries
                if s.contestant == FLOOR_PARTS[0]
                and (s.scenario, s.profile) == (insert.scenario, insert.profile)
            ),
            None,
        )
        if download is None or insert.failed or download.failed:
            continue
        slow = max(download, insert, key=lambda s: s.median_s)
        found.append(
            Summary(
                insert.scenario,
                "floor (max of the two)",
                insert.target,
                insert.profile,
                slow.runs,
                0,
                slow.rows,
                slow.median_s,
                slow.min_s,
                slow.rows_per_s,
                download.api_calls,
                max(download.peak_rss_mb, insert.peak_rss_mb),
            )  # fmt: skip
        )
    return found


HEADER = ("scenario", "contestant", "db", "net", "rows", "median s", "min s", "rows/s",
          "API calls", "peak RSS MB", "status")  # fmt: skip


def table(summaries: list[Summary]) -> str:
    """A Markdown table (it reads as plain text too)."""
    lines = [HEADER] + [
        (
            s.scenario,
            s.contestant,
            s.target,
            s.profile,
            f"{s.rows:,}",
            f"{s.median_s:.2f}",
            f"{s.min_s:.2f}",
            f"{s.rows_per_s:,.0f}",
            f"{s.api_calls:,}",
            f"{s.peak_rss_mb:,.0f}",
            s.status,
        )  # fmt: skip
        for s in summaries
    ]
    widths = [max(len(row[i]) for row in lines) for i in range(len(HEADER))]
    rendered = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
                for row in lines]  # fmt: skip
    rendered.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(rendered)


def notes(measurements: list[Measurement]) -> list[str]:
    """Each distinct plan a contestant reported, once: `scenario / contestant [db, net]: …`."""
    seen: dict[str, None] = {}
    for m in measurements:
        if m.note:
            seen.setdefault(f"{m.scenario} / {m.contestant} [{m.target}, {m.profile}]: {m.note}")
    return list(seen)


@functools.cache
def machine() -> dict[str, Any]:
    """What ran the bench. Hosts of the same name differ (one day's 2-core VM ran the
    floors 1.2 to 1.8 times slower than the day before's), so runs of different days
    compare through `loop_ns`: a fixed pure-Python loop's time per step, best of three."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpus": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "loop_ns": _loop_ns(),
    }


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor()
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor()


def _loop_ns(steps: int = 2_000_000) -> float:
    def loop() -> None:
        total = 0
        for i in range(steps):
            total += i

    best = min(timeit.repeat(loop, number=1, repeat=3))
    return round(best / steps * 1e9, 1)


def document(
    measurements: list[Measurement], options: dict[str, Any], started: str
) -> dict[str, Any]:
    return {
        "started": started,
        "options": options,
        "machine": machine(),
        "summary": [asdict(s) for s in summarize(measurements)],
        "runs": [asdict(m) | {"ok": m.ok} for m in measurements],
    }


def write_json(doc: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
