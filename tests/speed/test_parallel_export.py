"""Parallel writes keep every per-record result, in input order: `connectors/parallel.ordered`
(whatever the completion order; a failed call among parallel ones), Bulk 2.0 ingest jobs
run several at once against the Salesforce sandbox (order and ids, a Failed job among
them, the bound on jobs in flight), sObject Collections calls in flight, Dataverse `$batch`
calls in parallel and `x-ms-dop-hint`."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from crmlink.connectors.dynamics.write import MAX_DOP, _dop_hint
from crmlink.connectors.parallel import ordered
from crmlink.connectors.salesforce.bulk import BulkJobFailed
from crmlink.model import WriteMode
from crmlink.workflow.activities.crm.config import CrmActivityConfig
from crmlink.workflow.activities.crm.exports import EXPORT_BATCH, batch_rows
from crmlink.workflow.activities.crm.sink import JOURNAL_EVERY, JOURNAL_MOST, journal_due
from tests.conftest import sf_client
from tests.connectors.conftest import connector, set_faults
from tests.connectors.conftest import sf_writable as sf_writable  # a fixture
from tests.connectors.test_dynamics_support import dv_connector, rows_of
from tests.connectors.test_dynamics_support import dv_writable as dv_writable  # a fixture

pytestmark = pytest.mark.slow


# -- ordered() ------------------------------------------------------------------------------
def _reverse_calls(count: int, log: list[int]) -> list:
    """Calls that can only finish last-first: call i waits for call i+1 to have finished."""
    finished = [threading.Event() for _ in range(count)]

    def call(i: int):
        def run() -> int:
            if i + 1 < count:
                assert finished[i + 1].wait(10), "calls did not run in parallel"
            log.append(i)
            finished[i].set()
            return i

        return run

    return [call(i) for i in range(count)]


def test_results_come_in_input_order_whatever_the_completion_order():
    completed: list[int] = []
    assert list(ordered(_reverse_calls(6, completed), workers=6)) == list(range(6))
    assert completed == list(range(5, -1, -1))  # they did finish in reverse


def test_a_failed_call_lets_the_calls_in_flight_finish_then_raises():
    started: list[int] = []

    def call(i: int):
        def run() -> int:
            started.append(i)
            if i == 1:
                raise RuntimeError("call 1 failed")
            return i

        return run

    got: list[int] = []
    with pytest.raises(RuntimeError, match="call 1 failed"):
        for value in ordered((call(i) for i in range(10)), workers=3):
            got.append(value)
    assert got == [0, 2, 3]  # calls 2 and 3 were in flight with call 1: their results come
    assert sorted(started) == [0, 1, 2, 3]  # once the failure was seen no new call started


def test_never_more_calls_in_flight_than_workers():
    lock, running, peak = threading.Lock(), [0], [0]
    together = threading.Barrier(4, timeout=10)  # passes only with four calls at once

    def call() -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        together.wait()
        with lock:
            running[0] -= 1
        return 1

    assert sum(ordered((call for _ in range(200)), workers=4)) == 200
    assert peak[0] == 4


# -- Salesforce: Bulk 2.0 ingest jobs in parallel --------------------------------------------
def _rows(tag: str, count: int) -> list[dict]:
    return [{"LastName": f"P{i}", "External_Id__c": f"{tag}-{i}"} for i in range(count)]


def _external_ids(sandbox, ids: list[str]) -> dict[str, str]:
    client = sf_client(sandbox)
    found: dict[str, str] = {}
    for start in range(0, len(ids), 200):
        quoted = ", ".join(f"'{i}'" for i in ids[start : start + 200])
        soql = f"SELECT Id, External_Id__c FROM Contact WHERE Id IN ({quoted})"
        found |= {r["Id"]: r["External_Id__c"] for r in client.query_all(soql)["records"]}
    return found


def _track_jobs(opened) -> list[int]:
    """Wraps the ingest's job runner: [jobs run, most at once]."""
    ingest, lock, state = opened.writer.ingest, threading.Lock(), [0, 0, 0]
    run = ingest._run

    def tracked(*args):
        with lock:
            state[0] += 1
            state[1] += 1
            state[2] = max(state[2], state[1])
        try:
            return run(*args)
        finally:
            with lock:
                state[1] -= 1

    ingest._run = tracked
    return state


def test_parallel_jobs_give_each_row_its_own_result_in_input_order(sf_writable):
    tag = uuid.uuid4().hex[:8]
    rows = _rows(tag, 120)
    with connector(sf_writable, bulk_write_threshold=10, bulk_job_rows=10) as opened:
        jobs = _track_jobs(opened)
        results = list(opened.write("Contact", rows, WriteMode.UPSERT, "External_Id__c"))
    assert jobs[0] == 12 and jobs[2] > 1  # twelve jobs, several at once
    assert [r.index for r in results] == list(range(120))
    assert all(r.success and r.created for r in results)
    by_id = _external_ids(sf_writable, [r.id for r in results])
    assert [by_id[r.id] for r in results] == [row["External_Id__c"] for row in rows]


def test_jobs_in_flight_never_exceed_the_workers(sf_writable):
    rows = _rows(uuid.uuid4().hex[:8], 150)
    with connector(sf_writable, bulk_write_threshold=10, bulk_job_rows=10) as opened:
        opened.writer.ingest.workers = 3
        jobs = _track_jobs(opened)
        results = list(opened.write("Contact", rows, WriteMode.UPSERT, "External_Id__c"))
    assert len(results) == 150 and all(r.success for r in results)
    assert jobs[0] == 15 and 1 < jobs[2] <= 3


def test_a_failed_job_among_parallel_ones_keeps_the_others_results(sf_fresh):
    """bulk_fail=0.5 with seed 0: two of the five jobs in flight end Failed (which two
    depends on the completion order). The three others' rows come back, in input order,
    and are the only rows written; the error follows; a rerun writes the rest once."""
    tag = uuid.uuid4().hex[:8]
    rows = _rows(tag, 50)
    with connector(sf_fresh, bulk_write_threshold=10, bulk_job_rows=10) as opened:
        before = sf_fresh.org.count("Contact")
        set_faults(sf_fresh, "bulk_fail=0.5,seed=0")
        given = []
        with pytest.raises(BulkJobFailed, match="before processing 10 rows"):
            for result in opened.write("Contact", rows, WriteMode.UPSERT, "External_Id__c"):
                given.append(result)
        assert len(given) == 30 and all(r.success for r in given)
        assert [r.index for r in given] == sorted(r.index for r in given)
        assert sf_fresh.org.count("Contact") == before + 30
        set_faults(sf_fresh, "")
        again = list(opened.write("Contact", rows, WriteMode.UPSERT, "External_Id__c"))
    assert all(r.success for r in again)
    written = {r.index for r in given}
    assert {r.index for r in again if r.created} == set(range(50)) - written
    assert sf_fresh.org.count("Contact") == before + 50


# -- Salesforce: sObject Collections calls in flight ------------------------------------------
def test_collections_in_parallel_keep_input_order(sf_writable):
    tag = uuid.uuid4().hex[:8]
    rows = _rows(tag, 1_100)  # six calls, all in flight at once
    with connector(sf_writable, bulk_write_threshold=5_000) as opened:
        results = list(opened.write("Contact", rows, WriteMode.INSERT))
        calls = opened.api_calls
    assert [r.index for r in results] == list(range(1_100))
    by_id = _external_ids(sf_writable, [r.id for r in results])
    assert [by_id[r.id] for r in results] == [row["External_Id__c"] for row in rows]
    assert calls >= 6


# -- Dataverse: $batch calls in parallel ---------------------------------------------------
def test_dataverse_batches_in_parallel_keep_input_order(dv_writable):
    mark = uuid.uuid4().hex[:8]
    rows = [{"lastname": f"{mark}-{i}", "emailaddress1": f"{mark}.{i}@ex.com"} for i in range(90)]
    rows[40]["gendercode"] = "99"  # not an option: one reject, in its place
    with dv_connector(dv_writable, batch_size=10) as opened:
        results = list(opened.write("contact", rows, WriteMode.INSERT))
        ids = [r.id for r in results if r.success]
        found = rows_of(opened, "contact", ["contactid", "lastname"], ids=ids)
    assert [r.index for r in results] == list(range(90))
    assert [r.success for r in results] == [i != 40 for i in range(90)]
    by_id = {row["contactid"]: row["lastname"] for row in found}
    assert [by_id[r.id] for r in results if r.success] == [
        f"{mark}-{i}" for i in range(90) if i != 40
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, 4), ("8", 8), ("0", 1), ("500", MAX_DOP), ("many", 4)],
)
def test_dop_hint_sets_the_parallel_calls_within_bounds(header, expected):
    assert _dop_hint(header, 4) == expected


def test_parallel_jobs_of_thousands_of_rows_all_complete(sf_writable):
    """Several jobs processing at once in the sandbox (each in the request thread that
    settles it) once deadlocked it: a job's chunk held the store, another job's state
    change held the job registry. Four jobs of 1,500 rows all finish."""
    rows = _rows(uuid.uuid4().hex[:8], 6_000)
    with connector(sf_writable, bulk_write_threshold=10, bulk_job_rows=1_500) as opened:
        opened.writer.ingest.workers = 4
        jobs = _track_jobs(opened)
        results = list(opened.write("Contact", rows, WriteMode.UPSERT, "External_Id__c"))
    assert jobs[0] == 4 and jobs[2] > 1
    assert [r.index for r in results] == list(range(6_000)) and all(r.success for r in results)


# -- the journal's pace and the export's call size ------------------------------------------
def test_results_arriving_together_are_journaled_in_fewer_commits():
    now = time.monotonic()
    assert not journal_due(JOURNAL_EVERY - 1, now - 60)  # never fewer than one call's worth
    assert journal_due(JOURNAL_EVERY, now - 60)  # results trickling in: every 200
    assert not journal_due(JOURNAL_EVERY, now)  # results pouring in: wait a little...
    assert journal_due(JOURNAL_MOST, now)  # ...but never past JOURNAL_MOST


def test_an_export_without_batch_size_hands_the_connector_large_calls():
    export = {"type": "crm", "operation": "export", "account": "a", "object": "Contact"}
    export["mapping"] = {"LastName": "last_name"}
    assert batch_rows(CrmActivityConfig(**export)) == EXPORT_BATCH
    assert batch_rows(CrmActivityConfig(**export, batch_size=10_000)) == 10_000
