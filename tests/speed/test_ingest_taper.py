"""Bulk 2.0 ingest: when a whole call fits in one flight of jobs, its last part is cut in
halves (the tail after the last job shrinks) and every job is in flight at once; rows
still get their own results in input order; the digest that joins results to rows tells
rows apart even when a cell holds the separator."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from crmlink.connectors.salesforce import ingest
from crmlink.connectors.salesforce.bulk import PollPolicy
from crmlink.connectors.salesforce.ingest import BulkIngest, digest
from crmlink.model import WriteMode
from tests.connectors.conftest import connector
from tests.connectors.conftest import sf_writable as sf_writable  # a fixture
from tests.speed.test_parallel_export import _external_ids, _rows, _track_jobs


def _ingest(workers: int = 10) -> BulkIngest:
    return BulkIngest(None, PollPolicy(), workers=workers)  # type: ignore[arg-type, unused-ignore]


def test_a_call_that_fits_in_one_flight_ends_with_smaller_jobs_all_in_flight() -> None:
    sizes, workers = _ingest().part_sizes(100_000)
    assert sizes == [10_000] * 9 + [5_000, 2_500, 2_500]
    assert sum(sizes) == 100_000 and workers == len(sizes)  # every job at once


def test_the_taper_stops_at_the_smallest_part_and_adds_at_most_taper_parts() -> None:
    assert _ingest().part_sizes(7_000) == ([2_000, 2_000, 2_000, 1_000], 10)  # no split
    sizes, workers = _ingest(workers=4).part_sizes(100_000)
    assert sizes == [25_000] * 3 + [12_500, 6_250, 6_250]
    assert workers == len(sizes) == 4 + ingest.TAPER_PARTS


def test_calls_larger_than_one_flight_or_of_unknown_size_keep_full_parts() -> None:
    assert _ingest().part_sizes(1_000_000) == ([10_000], 10)  # the size repeats
    assert _ingest().part_sizes(None) == ([ingest.UNKNOWN_PART_ROWS], 10)


def test_digest_tells_rows_apart_when_a_cell_holds_the_separator() -> None:
    assert digest(["a\x00b", "c"]) != digest(["a", "b\x00c"])
    assert digest(["a\x00b"]) != digest(["a", "b"])
    assert digest(["a\x00b"]) != digest(['["a\\u0000b"]'])  # JSON's text as a cell
    assert digest(["", ""]) != digest([""])
    assert digest(["x", "y"]) == digest(["x", "y"])


@pytest.mark.slow
def test_tapered_jobs_give_each_row_its_own_result_in_input_order(
    sf_writable: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "MIN_PART_ROWS", 10)
    tag = uuid.uuid4().hex[:8]
    rows = _rows(tag, 200)
    with connector(sf_writable, bulk_write_threshold=10, bulk_job_rows=50) as opened:
        opened.writer.ingest.workers = 4
        jobs = _track_jobs(opened)
        results = list(opened.write("Contact", rows, WriteMode.UPSERT, "External_Id__c"))
    assert jobs[0] == 3 + 3 and jobs[2] > 4  # 50, 50, 50, then 25, 13, 12; more than 4 at once
    assert [r.index for r in results] == list(range(200))
    assert all(r.success and r.created for r in results)
    by_id = _external_ids(sf_writable, [r.id for r in results])
    assert [by_id[r.id] for r in results] == [row["External_Id__c"] for row in rows]
