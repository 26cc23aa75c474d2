"""`crmlink workflow …`: unknown names in cursor commands, a failed run's reason on stderr,
and a resumed run's working time (not the idle time since it failed)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from typing import Literal

import pytest

from crmlink.errors import JobFailed
from crmlink.workflow.activities import register, unregister
from crmlink.workflow.base import ActivityResult
from crmlink.workflow.config_base import ActivityConfig

CALLS: Counter = Counter()


class NapConfig(ActivityConfig):
    """A test-only activity: works `seconds`, then fails its first `failures` runs."""

    type: Literal["nap"]
    seconds: float = 0.0
    failures: int = 0


class Nap:
    def __init__(self, config: NapConfig) -> None:
        self.config = config

    def run(self, ctx, source) -> ActivityResult:
        CALLS[ctx.workflow] += 1
        time.sleep(self.config.seconds)
        if CALLS[ctx.workflow] <= self.config.failures:
            raise JobFailed(f"nap failure {CALLS[ctx.workflow]}")
        return ActivityResult()


@pytest.fixture(autouse=True)
def nap_activity():
    CALLS.clear()
    register("nap", NapConfig, Nap)
    yield
    unregister("nap")


def nap_file(tmp_path, name: str, **options) -> str:
    settings = ", ".join(f"{key}: {value}" for key, value in options.items())
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nactivities:\n  work: {{type: nap, {settings}}}\n")
    return str(path)


@pytest.mark.parametrize("command", [("show",), ("reset",)])
def test_cursor_commands_name_close_workflows(crmlink, tmp_path, command):
    ran = crmlink("workflow", "run", nap_file(tmp_path, "contacts-from-salesforce"))
    assert ran.exit_code == 0, ran.output  # known by its run: it was never registered
    result = crmlink("workflow", "cursor", *command, "contacts-from-salesfrce")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no workflow named 'contacts-from-salesfrce'; "
        "did you mean 'contacts-from-salesforce'?\n"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cursor_show_of_a_known_workflow_without_cursors_is_empty(crmlink, tmp_path):
    assert crmlink("workflow", "run", nap_file(tmp_path, "plain")).exit_code == 0
    result = crmlink("workflow", "cursor", "show", "plain", "--json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failed_run_says_why_on_stderr(crmlink, tmp_path):
    result = crmlink("workflow", "run", nap_file(tmp_path, "x", failures=1))
    assert result.exit_code == 1
    assert result.stderr == "Error: run 1 of 'x' failed: nap failure 1.\n"
    assert result.stdout.endswith(": nap failure 1\n")  # the outcome line stays


def test_a_resumed_run_reports_its_working_time(crmlink, tmp_path):
    path = nap_file(tmp_path, "resumed", seconds=0.3, failures=1)
    assert crmlink("workflow", "run", path).exit_code == 1
    time.sleep(2.0)  # idle between the failed attempt and the resume
    result = crmlink("workflow", "run", path)
    assert result.exit_code == 0, result.output
    assert "Resuming run 1 (failed)" in result.stderr

    (listed,) = json.loads(crmlink("workflow", "runs", "--json").stdout)
    shown = json.loads(crmlink("workflow", "run-show", "1", "--json").stdout)
    started, ended = (shown[k] for k in ("started_at", "ended_at"))
    wall = (dt.datetime.fromisoformat(ended) - dt.datetime.fromisoformat(started)).total_seconds()
    assert wall > 2.5  # first start to the end, idle time included
    assert 0.6 <= shown["seconds"] < 1.5  # two attempts of 0.3 s of work, and overhead
    assert listed["seconds"] == shown["seconds"]
    assert f"Run 1 of 'resumed' succeeded in {shown['seconds']:.2f}s." in result.stdout
