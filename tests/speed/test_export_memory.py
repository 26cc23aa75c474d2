"""An export's memory does not grow with its row count: the population streams to the
connector a page at a time, and no row is held while its Bulk job is in flight
(`workflow/activities/crm/export_stream.py`, `connectors/salesforce/ingest.py`).

Python's own allocations during a `crm` export (tracemalloc's peak; the sandbox runs in a
subprocess so its memory is not counted) are measured for 3,000 and for 15,000 recipients,
with the bounds made small (pages of 500 rows, Bulk jobs of 500 rows, 5 in flight) so the
bound is reached well before 3,000: five times the rows must not cost more than a little
more memory. Before streaming, the whole batch of rows was held, several times over."""

from __future__ import annotations

import tempfile
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from crmlink.connectors.salesforce import SalesforceConnector, ingest
from crmlink.db import open_database
from crmlink.workflow.activities.crm import export_stream
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.loader import load_text
from tests.speed.measure_export import (
    COLUMNS,
    WORKFLOW,
    account,
    control,
    make_recipients,
    start_sandbox,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox_info():
    with tempfile.TemporaryDirectory() as folder:
        proc, info = start_sandbox(Path(folder) / "state")
        try:
            yield info
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if proc.stdout:
                proc.stdout.close()


def peak_of_export(info: dict, folder: Path, rows: int) -> tuple[int, int]:
    """(Python's peak bytes during the export, rows exported)."""
    db = folder / f"home-{rows}.db"
    open_database(f"sqlite:///{db}").close()
    make_recipients(db, rows)
    control(info, "loopback")  # an empty org
    database = open_database(f"sqlite:///{db}")
    opened: list[SalesforceConnector] = []

    def connector(name: str) -> SalesforceConnector:
        opened.append(SalesforceConnector(account(info), bulk_write_threshold=1_000))
        opened[-1].writer.ingest.workers = 5
        return opened[-1]

    mapping = ", ".join(f"{field}: {column}" for column, field in COLUMNS.items())
    workflow = load_text(textwrap.dedent(WORKFLOW % (mapping, "")), "memory.yaml")
    tracemalloc.start()
    try:
        run = run_workflow(database, workflow, None, open_connector=connector)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        for c in opened:
            c.close()
        database.close()
    assert run.succeeded, run.error
    return peak, run.activities[1].rows_out


def test_five_times_the_rows_cost_about_the_same_memory(sandbox_info, tmp_path, monkeypatch):
    monkeypatch.setattr(export_stream, "PAGE", 500)
    monkeypatch.setattr(ingest, "MIN_PART_ROWS", 500)
    monkeypatch.setattr(ingest, "IN_FLIGHT_ROWS", 2_500)  # 5 jobs of 500 rows at once
    small, sent_small = peak_of_export(sandbox_info, tmp_path, 3_000)
    large, sent_large = peak_of_export(sandbox_info, tmp_path, 15_000)
    assert (sent_small, sent_large) == (3_000, 15_000)
    assert large < small * 1.4, (small, large)  # held rows would make it about 5x
