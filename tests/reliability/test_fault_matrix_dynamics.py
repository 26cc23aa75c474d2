"""The fault matrix on Dynamics 365 (Dataverse), 50,000 contacts in the environment.

Checked as on Salesforce (`test_fault_matrix_sf.py`). `storm` is every HTTP fault at
once (503, 429 with Retry-After, connections dropped mid-response — a dropped `$batch`
is "in doubt": the run ends and its rerun sends the batch again, an upsert by alternate
key), tokens expiring every second and commits landing 3 s late; `limit` is 0x80072321
(execution time), answered with Retry-After and retried. Bulk jobs do not exist here.

- full import, 50,000 records: none, limit, storm;
- incremental import, 50,000 then 500 changed and changed back: storm;
- export (upsert by the alternate key emailaddress1) on 5,000 rows: limit, storm;
- delete, then import_deleted (change tracking) on about 5,000: storm.

Dataverse's sandbox writes about 1,300 records a second (a 50,000-row export is 40 s),
hence 5,000-row write cells.
"""

from __future__ import annotations

import pytest

from tests.reliability import cells
from tests.reliability.cells import Cell

pytestmark = pytest.mark.slow


@pytest.fixture
def cell(request, sqlite_database, dv_big):
    made = Cell(sqlite_database, dv_big, request.param)
    yield made
    made.close()


@pytest.mark.parametrize("cell", ["none", "limit", "storm"], indirect=True)
def test_full_import(cell):
    cells.full_import(cell)


@pytest.mark.parametrize("cell", ["storm"], indirect=True)
def test_incremental_import(cell):
    cells.incremental_import(cell)


@pytest.mark.parametrize("cell", ["limit", "storm"], indirect=True)
def test_export(cell):
    cells.export(cell, 5_000, 2_500)


@pytest.mark.parametrize("cell", ["storm"], indirect=True)
def test_delete_then_import_deleted(cell):
    cells.delete_then_import_deleted(cell, 5_000, 2_500)
