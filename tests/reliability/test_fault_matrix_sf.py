"""The fault matrix on Salesforce, 50,000 contacts in the org.

Every cell is checked row by row: an import's campaign table against the org's store and
against the fault-free full import (run once); an export's records in the store (each
person once, none missing, nobody else touched); a delete's victims all deleted and every
other contact unchanged; import_deleted against the same window read without faults.

Cells (fault specs in `cells.FAULTS`). `sf_storm` is every HTTP fault at once (503, 429
with Retry-After, connections dropped mid-response), tokens expiring every second,
commits landing 3 s late and half the Bulk jobs ending Failed; `limit` is
REQUEST_LIMIT_EXCEEDED, which ends a run (the cell reruns it until it gets through):

- full import, 50,000 records (Bulk 2.0 query): none, limit, bulk_fail, sf_storm;
- incremental import, 50,000 then 500 changed and changed back: limit, sf_storm;
- export (upsert by external ID): none and limit on 5,000 rows (sObject Collections, 200
  a call), sf_storm on 20,000 (Bulk 2.0 ingest, 10,000 a job);
- delete, then import_deleted over its window: limit on 5,000, sf_storm on 10,000 (one
  Bulk 2.0 delete job).

Why not every fault alone on 50,000 written records: the sandbox writes about 4,000
records a second, so a 50,000-record export is 15 s; the storm cells hold every fault
the single cells would, and the whole folder must run in a few minutes.
"""

from __future__ import annotations

import pytest

from tests.reliability import cells
from tests.reliability.cells import Cell

pytestmark = pytest.mark.slow


@pytest.fixture
def cell(request, sqlite_database, sf_big):
    made = Cell(sqlite_database, sf_big, request.param)
    yield made
    made.close()


@pytest.mark.parametrize("cell", ["none", "limit", "bulk_fail", "sf_storm"], indirect=True)
def test_full_import(cell):
    cells.full_import(cell)


@pytest.mark.parametrize("cell", ["limit", "sf_storm"], indirect=True)
def test_incremental_import(cell):
    cells.incremental_import(cell)


@pytest.mark.parametrize(
    ("cell", "records", "batch_size"),
    [("none", 5_000, 2_500), ("limit", 5_000, 2_500), ("sf_storm", 20_000, 10_000)],
    indirect=["cell"],
)  # fmt: skip
def test_export(cell, records, batch_size):
    cells.export(cell, records, batch_size)


@pytest.mark.parametrize(
    ("cell", "records", "batch_size"),
    [("limit", 5_000, 2_500), ("sf_storm", 10_000, 10_000)],
    indirect=["cell"],
)  # fmt: skip
def test_delete_then_import_deleted(cell, records, batch_size):
    cells.delete_then_import_deleted(cell, records, batch_size)
