"""Workflow fixtures: a migrated database, YAML files in tmp_path, a test-only activity."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from typing import Literal

import pytest
from sqlalchemy import Integer, String, insert, select

from crmlink.catalog.recipient import recipient
from crmlink.errors import JobFailed
from crmlink.model import ReadCursor
from crmlink.workflow.activities import register, unregister
from crmlink.workflow.base import OK, ActivityResult, ColumnSpec, JournalEntry
from crmlink.workflow.config_base import ActivityConfig

CALLS: Counter = Counter()


class ProbeConfig(ActivityConfig):
    """A test-only activity: makes `rows` rows, fails its first `failures` runs."""

    type: Literal["probe"]
    rows: int = 3
    failures: int = 0
    cursor: str | None = None  # ISO datetime to stage as the cursor
    journal: int = 0  # rows to record in the export journal before failing


class Probe:
    def __init__(self, config: ProbeConfig) -> None:
        self.config = config

    def run(self, ctx, source):
        key = (ctx.run_id, ctx.activity)
        CALLS[key] += 1
        if self.config.journal:
            journal = ctx.journal()
            ctx.log(f"journal has {len(journal.done())} rows")
            journal.record(
                JournalEntry(row=i, success=True) for i in range(1, 1 + self.config.journal)
            )
        if self.config.cursor:
            import datetime as dt

            ctx.cursor().stage(ReadCursor(dt.datetime.fromisoformat(self.config.cursor), "X1"))
        if CALLS[key] <= self.config.failures:
            raise JobFailed(f"probe failure {CALLS[key]}")
        writer = ctx.new_population(OK, [ColumnSpec("n", Integer()), ColumnSpec("tag", String(20))])
        writer.append([{"n": i, "tag": f"t{i % 2}"} for i in range(1, self.config.rows + 1)])
        return ActivityResult(outputs={OK: writer.finish()})


@pytest.fixture(autouse=True)
def probe_activity():
    CALLS.clear()
    register("probe", ProbeConfig, Probe)
    yield CALLS
    unregister("probe")


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", yaml_text) -> path (text dedented)."""

    def _write(name: str, text: str):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return _write


def add_recipients(database, rows: list[dict]) -> None:
    with database.transaction() as conn:
        conn.execute(insert(recipient), rows)


def recipients(database, *columns: str) -> list[tuple]:
    cols = [recipient.c[c] for c in columns or ("email",)]
    with database.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*cols).order_by(recipient.c.id))]


def run_json(crmlink, *args) -> object:
    result = crmlink(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
