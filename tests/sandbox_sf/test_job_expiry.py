"""Bulk jobs expire as Salesforce's do: 7 days of sandbox clock after they were created (a
Bulk 1.0 job: after its youngest batch was added), with all they hold. Before that every
endpoint answers as usual; afterwards as for a job that never existed, the job list no
longer shows it, and the store holds none of its rows or files."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import password_token, tls

JOBS = "/services/data/v59.0/jobs"
ASYNC = "/services/async/59.0"
HOUR = 3600
DAY = 24 * HOUR
NEVER = "7505g00000ZZZZZAAA"  # a job id the sandbox never handed out


def advance(http: httpx.Client, seconds: float) -> None:
    http.post("/__sandbox__/clock", params={"advance": seconds}).raise_for_status()


def stored(sandbox, job_id: str) -> dict | None:
    """The job's row in the store (its info and private data), None when there is none."""
    with sandbox.org.store.reader() as conn:
        row = conn.execute("SELECT data FROM _sbx_bulk_job WHERE id = ?", (job_id,)).fetchone()
    return json.loads(row[0]) if row else None


def cursor_rows(sandbox, cursor: dict | None = None) -> int:
    """Rows of the store's result cursors: one saved cursor's, or all of them."""
    sql, params = "SELECT COUNT(*) FROM _sbx_cursor", ()
    if cursor is not None:
        sql += " WHERE seq > ? AND seq <= ?"
        params = (cursor["first_seq"], cursor["first_seq"] + cursor["total"])
    with sandbox.org.store.reader() as conn:
        return conn.execute(sql, params).fetchone()[0]


def answer(response: httpx.Response) -> tuple[int, object]:
    return response.status_code, response.json()


# -- Bulk 2.0 query -------------------------------------------------------------------------
def create_query(http: httpx.Client) -> str:
    body = {"operation": "query", "query": "SELECT Id, LastName FROM Contact ORDER BY Id"}
    response = http.post(f"{JOBS}/query", json=body)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def query_calls(http: httpx.Client, job_id: str) -> dict[str, httpx.Response]:
    url = f"{JOBS}/query/{job_id}"
    return {
        "info": http.get(url),
        "results": http.get(f"{url}/results"),
        "page": http.get(f"{url}/results", params={"maxRecords": 7, "locator": "Nw"}),
        "resultPages": http.get(f"{url}/resultPages", params={"maxRecords": 10}),
    }


def query_ids(http: httpx.Client) -> list[str]:
    return [job["id"] for job in http.get(f"{JOBS}/query").json()["records"]]


def test_query_job_lives_seven_days_then_goes_with_its_cursor(sf_fresh, http):
    job_id = create_query(http)
    advance(http, 5)
    before = query_calls(http, job_id)
    assert before["info"].json()["state"] == "JobComplete"
    assert before["results"].status_code == 200 and before["results"].text.count("\n") > 1
    saved = stored(sf_fresh, job_id)
    assert saved is not None
    rows = before["info"].json()["numberRecordsProcessed"]
    assert rows > 0 and cursor_rows(sf_fresh, saved["private"]["cursor"]) == rows

    advance(http, 7 * DAY - HOUR - 5)  # 6 days 23 hours old: still there, results unchanged
    kept = query_calls(http, job_id)
    for name, response in before.items():
        assert response.status_code == kept[name].status_code == 200, name
        assert kept[name].content == response.content, name
    assert kept["page"].headers["Sforce-Locator"] == before["page"].headers["Sforce-Locator"]
    assert job_id in query_ids(http)
    assert cursor_rows(sf_fresh, saved["private"]["cursor"]) == rows
    young = create_query(http)  # created now: must outlive the first one
    advance(http, 5)
    assert http.get(f"{JOBS}/query/{young}").json()["state"] == "JobComplete"
    assert cursor_rows(sf_fresh) == 2 * rows

    advance(http, 2 * HOUR)  # 7 days 1 hour old: gone
    missing = query_calls(http, NEVER)
    gone = query_calls(http, job_id)
    for name, response in missing.items():
        assert answer(gone[name]) == answer(response), name
    assert answer(gone["info"]) == (
        404,
        [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
    )
    url = f"{JOBS}/query/{job_id}"
    assert answer(http.delete(url)) == answer(http.delete(f"{JOBS}/query/{NEVER}"))
    abort = {"state": "Aborted"}
    assert answer(http.patch(url, json=abort)) == (404, gone["info"].json())
    assert job_id not in query_ids(http)
    assert stored(sf_fresh, job_id) is None
    assert cursor_rows(sf_fresh, saved["private"]["cursor"]) == 0

    # the job created 2 hours ago was not touched: its cursor is the only one left
    assert young in query_ids(http)
    assert http.get(f"{JOBS}/query/{young}/results").content == before["results"].content
    young_cursor = stored(sf_fresh, young)["private"]["cursor"]
    assert cursor_rows(sf_fresh) == cursor_rows(sf_fresh, young_cursor) == rows


def test_a_job_past_its_time_is_gone_before_the_next_sweep(sf_fresh, http):
    """The store is swept at most once a sandbox-clock minute; between two sweeps a job
    past its time already answers as one that never existed and leaves the list."""
    job_id = create_query(http)
    advance(http, 7 * DAY - 30)  # this tick sweeps: nothing is due yet
    assert http.get(f"{JOBS}/query/{job_id}").json()["state"] == "JobComplete"
    assert job_id in query_ids(http)

    advance(http, 40)  # 7 days 10 s old, 40 s after the last sweep
    missing, gone = query_calls(http, NEVER), query_calls(http, job_id)
    for name, response in missing.items():
        assert answer(gone[name]) == answer(response), name
    assert job_id not in query_ids(http)
    assert stored(sf_fresh, job_id) is not None  # the next sweep is due in 20 s

    advance(http, 30)  # 70 s after the last sweep: this tick sweeps
    assert stored(sf_fresh, job_id) is None
    assert cursor_rows(sf_fresh) == 0


# -- Bulk 2.0 ingest ------------------------------------------------------------------------
CSV_DATA = "LastName,Email\nExpiry One,one@x.example\n,no-last-name@x.example\n"


def open_ingest(http: httpx.Client) -> str:
    body = {"object": "Contact", "operation": "insert", "contentType": "CSV"}
    job_id = http.post(f"{JOBS}/ingest", json=body).json()["id"]
    put = http.put(
        f"{JOBS}/ingest/{job_id}/batches",
        content=CSV_DATA.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert put.status_code == 201, put.text
    return job_id


def ingest_calls(http: httpx.Client, job_id: str) -> dict[str, httpx.Response]:
    url = f"{JOBS}/ingest/{job_id}"
    calls = {"info": http.get(url)}
    for kind in ("successfulResults", "failedResults", "unprocessedrecords"):
        calls[kind] = http.get(f"{url}/{kind}")
    return calls


def ingest_ids(http: httpx.Client) -> list[str]:
    return [job["id"] for job in http.get(f"{JOBS}/ingest").json()["records"]]


def test_ingest_job_lives_seven_days_then_goes_with_its_files(sf_fresh, http):
    job_id = open_ingest(http)
    closed = http.patch(f"{JOBS}/ingest/{job_id}", json={"state": "UploadComplete"})
    assert closed.status_code == 200
    advance(http, 5)
    before = ingest_calls(http, job_id)
    info = before["info"].json()
    assert info["state"] == "JobComplete" and info["numberRecordsFailed"] == 1
    assert "Expiry One" in before["successfulResults"].text
    assert "REQUIRED_FIELD_MISSING" in before["failedResults"].text
    folder = sf_fresh.bulk.folder / job_id
    assert any(folder.iterdir())

    advance(http, 7 * DAY - HOUR - 5)
    kept = ingest_calls(http, job_id)
    for name, response in before.items():
        assert response.status_code == kept[name].status_code == 200, name
        assert kept[name].content == response.content, name
    assert job_id in ingest_ids(http)
    assert stored(sf_fresh, job_id) is not None and folder.is_dir()
    young = open_ingest(http)  # an open job with its upload, created now

    advance(http, 2 * HOUR)
    missing, gone = ingest_calls(http, NEVER), ingest_calls(http, job_id)
    for name, response in missing.items():
        assert answer(gone[name]) == answer(response), name
    assert gone["info"].status_code == 404
    assert gone["info"].json()[0]["errorCode"] == "NOT_FOUND"
    url, never = f"{JOBS}/ingest/{job_id}", f"{JOBS}/ingest/{NEVER}"
    assert answer(http.delete(url)) == answer(http.delete(never))
    state = {"state": "Aborted"}
    assert answer(http.patch(url, json=state)) == answer(http.patch(never, json=state))
    upload = http.put(
        f"{url}/batches", content=CSV_DATA.encode(), headers={"Content-Type": "text/csv"}
    )
    assert answer(upload) == (404, gone["info"].json())
    assert job_id not in ingest_ids(http)
    assert stored(sf_fresh, job_id) is None
    assert not folder.exists()

    # the job opened 2 hours ago is untouched: its upload is still there and processes
    assert young in ingest_ids(http)
    assert http.get(f"{JOBS}/ingest/{young}").json()["state"] == "Open"
    assert any((sf_fresh.bulk.folder / young).iterdir())
    http.patch(f"{JOBS}/ingest/{young}", json={"state": "UploadComplete"}).raise_for_status()
    advance(http, 5)
    done = ingest_calls(http, young)
    assert done["info"].json()["state"] == "JobComplete"
    assert done["successfulResults"].text.count("Expiry One") == 1


# -- Bulk 1.0 -------------------------------------------------------------------------------
@pytest.fixture
def classic(sf_fresh):
    """A Bulk 1.0 client (JSON) of the private sandbox."""
    token = password_token(sf_fresh)["access_token"]
    headers = {"X-SFDC-Session": token, "Content-Type": "application/json"}
    with httpx.Client(
        base_url=f"{sf_fresh.url}{ASYNC}", headers=headers, verify=tls(sf_fresh)
    ) as client:
        yield client


def classic_query_job(classic: httpx.Client) -> tuple[str, str]:
    body = {"operation": "query", "object": "Contact", "contentType": "JSON"}
    job = classic.post("/job", json=body)
    assert job.status_code == 201, job.text
    job_id = job.json()["id"]
    return job_id, add_batch(classic, job_id)


def add_batch(classic: httpx.Client, job_id: str) -> str:
    soql = b"SELECT Id, LastName FROM Contact ORDER BY Id"
    batch = classic.post(f"/job/{job_id}/batch", content=soql)
    assert batch.status_code == 201, batch.text
    return batch.json()["id"]


def classic_calls(classic: httpx.Client, job_id: str, batch_id: str, result_id: str) -> dict:
    base = f"/job/{job_id}/batch"
    return {
        "job": classic.get(f"/job/{job_id}"),
        "batches": classic.get(base),
        "batch": classic.get(f"{base}/{batch_id}"),
        "request": classic.get(f"{base}/{batch_id}/request"),
        "result": classic.get(f"{base}/{batch_id}/result"),
        "records": classic.get(f"{base}/{batch_id}/result/{result_id}"),
    }


def assert_like_never_created(classic: httpx.Client, job_id: str, ids: tuple[str, str]) -> None:
    """Every endpoint answers for the job as for an id never handed out (the message names
    the id asked for)."""
    gone, missing = classic_calls(classic, job_id, *ids), classic_calls(classic, NEVER, *ids)
    for calls, ident in ((gone, job_id), (missing, NEVER)):
        calls["close"] = classic.post(f"/job/{ident}", json={"state": "Closed"})
    for name, response in missing.items():
        expected = response.json()
        expected["exceptionMessage"] = expected["exceptionMessage"].replace(NEVER, job_id)
        assert answer(gone[name]) == (response.status_code, expected), name
    assert answer(gone["job"]) == (
        400,
        {"exceptionCode": "InvalidJob", "exceptionMessage": f"Invalid job id: {job_id}"},
    )


def results_of(classic: httpx.Client, job_id: str, batch_id: str) -> list:
    result_ids = classic.get(f"/job/{job_id}/batch/{batch_id}/result").json()
    return [classic.get(f"/job/{job_id}/batch/{batch_id}/result/{r}").json() for r in result_ids]


def test_classic_job_lives_seven_days_then_goes_with_its_batches(sf_fresh, http, classic):
    job_id, batch_id = classic_query_job(classic)
    advance(http, 5)
    assert classic.get(f"/job/{job_id}/batch/{batch_id}").json()["state"] == "Completed"
    result_id = classic.get(f"/job/{job_id}/batch/{batch_id}/result").json()[0]
    before = classic_calls(classic, job_id, batch_id, result_id)
    records = before["records"].json()
    assert len(records) == sf_fresh.org.count("Contact")
    saved = stored(sf_fresh, batch_id)
    assert saved is not None
    assert cursor_rows(sf_fresh, saved["private"]["cursor"]) == len(records)
    folder = sf_fresh.bulk.folder / job_id
    assert (folder / f"{batch_id}-request").exists()

    advance(http, 7 * DAY - HOUR - 5)
    closed = classic.post(f"/job/{job_id}", json={"state": "Closed"})
    assert closed.status_code == 200, closed.text
    stamp = closed.json()["systemModstamp"]
    assert answer(closed) == (
        200,
        {**before["job"].json(), "state": "Closed", "systemModstamp": stamp},
    )
    kept = classic_calls(classic, job_id, batch_id, result_id)
    assert kept.pop("job").json() == closed.json()
    for name, response in kept.items():
        assert response.status_code == before[name].status_code == 200, name
        assert response.content == before[name].content, name
    assert stored(sf_fresh, job_id) is not None and folder.is_dir()

    advance(http, 2 * HOUR)
    assert_like_never_created(classic, job_id, (batch_id, result_id))
    assert stored(sf_fresh, job_id) is None and stored(sf_fresh, batch_id) is None
    assert cursor_rows(sf_fresh, saved["private"]["cursor"]) == 0
    assert cursor_rows(sf_fresh) == 0
    assert not folder.exists()


def test_classic_job_is_kept_until_its_youngest_batch_is_seven_days_old(sf_fresh, http, classic):
    job_id, first = classic_query_job(classic)
    advance(http, 3 * DAY)
    second = add_batch(classic, job_id)  # 3 days younger than the job
    advance(http, 5)
    expected = results_of(classic, job_id, first)
    assert results_of(classic, job_id, second) == expected and expected[0]

    advance(http, 4 * DAY + HOUR)  # the job and its first batch are 7 days 1 hour old
    job = classic.get(f"/job/{job_id}")
    assert job.status_code == 200, job.text
    assert job.json()["numberBatchesTotal"] == 2
    assert results_of(classic, job_id, first) == results_of(classic, job_id, second) == expected
    first_cursor = stored(sf_fresh, first)["private"]["cursor"]
    assert cursor_rows(sf_fresh, first_cursor) == len(expected[0])

    advance(http, 3 * DAY)  # the youngest batch is 7 days 1 hour old
    result_id = "7525g00000ZZZZZAAA"
    assert_like_never_created(classic, job_id, (first, result_id))
    assert_like_never_created(classic, job_id, (second, result_id))
    assert all(stored(sf_fresh, i) is None for i in (job_id, first, second))
    assert cursor_rows(sf_fresh) == 0


def test_a_store_from_before_expiry_gets_the_column_and_a_full_retention(tmp_path):
    from crmlink.sandbox.core.clock import SandboxClock
    from crmlink.sandbox.core.store import SqliteStore
    from crmlink.sandbox.salesforce.models.bulk.jobs import RETENTION_SECONDS, JobRegistry

    store = SqliteStore(tmp_path / "org.db")
    data = json.dumps({"info": {"id": NEVER, "state": "JobComplete"}, "private": {}})
    with store.transaction() as conn:
        conn.execute(
            "CREATE TABLE _sbx_bulk_job (id TEXT PRIMARY KEY, prefix TEXT, seq INTEGER, "
            "kind TEXT, data TEXT)"
        )
        conn.execute("INSERT INTO _sbx_bulk_job VALUES (?, '750', 1, 'query', ?)", (NEVER, data))
    clock = SandboxClock()
    jobs = JobRegistry(store, clock)
    expires = jobs.get(NEVER, ("query",)).expires
    assert expires is not None
    assert abs(expires - (clock.timestamp() + RETENTION_SECONDS)) < 60
    clock.advance(RETENTION_SECONDS + 60)
    assert jobs.expire() == [NEVER]
    with store.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) FROM _sbx_bulk_job").fetchone()[0] == 0
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM _sbx_bulk_job WHERE expires <= 0"
        ).fetchall()
    assert "_sbx_bulk_job_expires" in str(plan)  # the sweep's look is an index range
    store.close()
