"""One timed run of a contestant: a `Job` (command, environment, how to verify), measured
into a `Measurement` (wall time, the process tree's peak RSS, the sandbox's API calls)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import procs
from bench.context import ROOT
from bench.results import Measurement
from bench.sandboxes import Sandbox

PEERS = ROOT / "bench" / "peers"
CRMLINK_BIN = str(Path(sys.executable).with_name("crmlink"))


@dataclass(frozen=True)
class Label:
    scenario: str
    contestant: str
    target: str
    profile: str
    round: int


@dataclass
class Job:
    command: list[str]
    cwd: Path
    expected: int
    verify: Callable[[procs.Outcome], int]  # rows found afterwards
    env: dict[str, str] = field(default_factory=lambda: clean_env())
    note: Callable[[procs.Outcome], str] = lambda _: ""


@dataclass(frozen=True)
class Contestant:
    scenario: str
    name: str
    target: str
    run: Callable[[Any, str, int], list[Measurement]]  # (context, profile, round)
    slow: bool = False  # left out of --quick unless --only names it


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRMLINK_", "REQUESTS_"))}
    return {**env, **extra}


def peer(script: str, cwd: Path, arguments: dict[str, Any], python: str | None = None) -> list[str]:
    """The command running bench/peers/<script> with its arguments in a JSON file."""
    (cwd / "args.json").write_text(json.dumps(arguments))
    return [python or sys.executable, str(PEERS / script), str(cwd / "args.json")]


def measure(sandbox: Sandbox, job: Job, label: Label) -> Measurement:
    """Run the job with the sandbox's counters at zero; verify what it left."""
    sandbox.reset_stats()
    outcome = procs.run(job.command, job.env, job.cwd, sandbox.timeout)
    calls = sandbox.calls() if sandbox.healthy() else 0
    error, rows = "", 0
    if outcome.returncode == procs.TIMED_OUT:
        error = f"timed out after {sandbox.timeout:.0f} s (killed)"
    elif outcome.returncode != 0:
        tail = (outcome.stderr or outcome.stdout).strip().splitlines()[-1:] or ["no output"]
        error = f"exit {outcome.returncode}: {tail[0][:300]}"
    else:
        try:
            rows = job.verify(outcome)
        except Exception as exc:  # a contestant whose result cannot be read has failed
            error = f"verification: {exc}"[:300]
    return Measurement(
        label.scenario, label.contestant, label.target, label.profile, label.round,
        expected=job.expected, rows=rows, seconds=round(outcome.seconds, 3), api_calls=calls,
        peak_rss_mb=round(outcome.peak_rss / 2**20, 1), error=error, note=_note(job, outcome),
    )  # fmt: skip


def _note(job: Job, outcome: procs.Outcome) -> str:
    try:
        return job.note(outcome)
    except (ValueError, KeyError, IndexError):
        return ""


def crmlink_note(outcome: procs.Outcome) -> str:
    """The plans crmlink's run record gives (the import's `read_plan`), joined, and the
    run's own working time: the whole subprocess less its start-up, what a run costs in
    `crmlink worker`, which runs scheduled workflows in its one process."""
    run = json.loads(outcome.stdout)
    plans = "; ".join(a["read_plan"] for a in run["activities"] if a.get("read_plan"))
    own = run.get("seconds")
    return plans + (f"; the run's own time {own:.2f} s" if own is not None else "")


def crmlink_rows(outcome: procs.Outcome) -> int:
    """Rows the run's last activity put out (a count of its population in the database)."""
    run = json.loads(outcome.stdout)
    if run["status"] != "succeeded":
        raise ValueError(f"run {run['status']}: {run.get('error')}")
    return int(run["activities"][-1]["rows_out"])
