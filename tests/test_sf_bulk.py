"""Bulk API 2.0 and Bulk API 1.0 (JSON) against the sandbox, with simple-salesforce unchanged
and with raw httpx for the wire details."""

from __future__ import annotations

import csv
import io
import time

import httpx
import pytest
from simple_salesforce.exceptions import SalesforceOperationError

from tests.conftest import password_token, sf_client, tls
from tests.reference import recorded

JOBS = "/services/data/v59.0/jobs"
WAIT = 0.05  # simple-salesforce's first poll delay


def _http(sandbox) -> httpx.Client:
    token = password_token(sandbox)["access_token"]
    return httpx.Client(
        base_url=sandbox.url,
        headers={"Authorization": f"Bearer {token}"},
        verify=tls(sandbox),
    )


def _csv(rows: list[list[str]], delimiter: str = ",", line_end: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    return buffer.getvalue()


def _rows(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _wait(client: httpx.Client, kind: str, job_id: str, seen: list | None = None) -> dict:
    for _ in range(200):
        info = client.get(f"{JOBS}/{kind}/{job_id}").json()
        if seen is not None:
            seen.append(info["state"])
        if info["state"] in ("JobComplete", "Failed", "Aborted"):
            return info
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never finished")


def _ingest(client: httpx.Client, body: dict, data: str) -> dict:
    job = client.post(f"{JOBS}/ingest", json={"contentType": "CSV", **body}).json()
    put = client.put(
        f"{JOBS}/ingest/{job['id']}/batches",
        content=data.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert put.status_code == 201, put.text
    client.patch(f"{JOBS}/ingest/{job['id']}", json={"state": "UploadComplete"})
    return _wait(client, "ingest", job["id"])


def _count(sf, where: str = "") -> int:
    return sf.query(f"SELECT COUNT() FROM Contact {where}")["totalSize"]


def _types(value: dict) -> dict:
    return {key: type(v).__name__ for key, v in value.items()}


def _set_faults(sandbox, spec: str) -> None:
    httpx.put(
        f"{sandbox.url}/__sandbox__/faults", content=spec, verify=tls(sandbox)
    ).raise_for_status()


# -- Bulk 2.0 query, with simple-salesforce ------------------------------------------------
def test_bulk2_query_pages_through_every_row(sf):
    pages = list(
        sf.bulk2.Contact.query(
            "SELECT Id, FirstName, LastName, Email FROM Contact ORDER BY LastName",
            max_records=70,
            wait=WAIT,
        )
    )
    rows = [row for page in pages for row in _rows(page)[1:]]
    assert len(pages) == -(-len(rows) // 70) > 1  # full pages of 70, then the rest
    assert all(_rows(page)[0] == ["Id", "FirstName", "LastName", "Email"] for page in pages)
    assert len(rows) == _count(sf) == len({r[0] for r in rows})
    names = [r[2].lower() for r in rows]
    assert names == sorted(names)


def test_bulk2_query_all_includes_deleted_rows(sf_fresh):
    sf = sf_client(sf_fresh)
    victim = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    sf.Contact.delete(victim)
    soql = "SELECT Id, IsDeleted FROM Contact"
    live = [r for p in sf.bulk2.Contact.query(soql, wait=WAIT) for r in _rows(p)[1:]]
    every = [r for p in sf.bulk2.Contact.query_all(soql, wait=WAIT) for r in _rows(p)[1:]]
    assert victim not in {r[0] for r in live}
    assert [victim, "true"] in every
    assert len(every) == len(live) + 1


def test_bulk2_query_bad_soql_fails_at_creation(sf_http):
    response = sf_http.post(
        f"{JOBS}/query", json={"operation": "query", "query": "SELECT Nope FROM Contact"}
    )
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Nope' on entity 'Contact'" in error["message"]
    compound = sf_http.post(
        f"{JOBS}/query", json={"operation": "query", "query": "SELECT MailingAddress FROM Contact"}
    )
    assert compound.status_code == 400
    assert compound.json()[0]["errorCode"] == "FUNCTIONALITY_NOT_ENABLED"


def test_bulk2_query_job_states_headers_and_keys(sf_http):
    reference = recorded("salesforce", "airbyte", "bulk2_query_job_response.json")
    created = sf_http.post(
        f"{JOBS}/query",
        json={"operation": "queryAll", "query": "SELECT Id, LastName FROM Contact"},
    )
    assert created.status_code == 200
    job = created.json()
    assert list(job) == list(reference) and _types(job) == _types(reference)
    assert job["state"] == "UploadComplete" and job["id"].startswith("750")
    seen: list[str] = []
    info = _wait(sf_http, "query", job["id"], seen)
    assert "InProgress" in seen and seen[-1] == "JobComplete"
    for key, kind in (("numberRecordsProcessed", int), ("retries", int)):
        assert isinstance(info[key], kind)
    assert info["jobType"] == "V2Query" and info["numberRecordsProcessed"] >= 300
    total, locator, got = info["numberRecordsProcessed"], None, 0
    while True:
        params = {"maxRecords": 128, **({"locator": locator} if locator else {})}
        page = sf_http.get(f"{JOBS}/query/{job['id']}/results", params=params)
        assert page.headers["content-type"].startswith("text/csv")
        count = int(page.headers["Sforce-NumberOfRecords"])
        assert len(_rows(page.text)) == count + 1
        got += count
        locator = page.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert got == total
    listed = sf_http.get(f"{JOBS}/query").json()
    assert job["id"] in {j["id"] for j in listed["records"]} and listed["done"] is True
    assert sf_http.delete(f"{JOBS}/query/{job['id']}").status_code == 204
    assert sf_http.get(f"{JOBS}/query/{job['id']}").status_code == 404


def test_bulk2_query_other_delimiters_and_crlf(sf_http):
    body = {
        "operation": "query",
        "query": "SELECT Id, LastName FROM Contact LIMIT 5",
        "columnDelimiter": "PIPE",
        "lineEnding": "CRLF",
    }
    job = sf_http.post(f"{JOBS}/query", json=body).json()
    _wait(sf_http, "query", job["id"])
    text = sf_http.get(f"{JOBS}/query/{job['id']}/results").text
    assert text.startswith('"Id"|"LastName"\r\n') and text.count("\r\n") == 6
    assert (
        sf_http.get(f"{JOBS}/query/{job['id']}/results", params={"locator": "x!"}).status_code
        == 400
    )


# -- Bulk 2.0 ingest ---------------------------------------------------------------------
def test_bulk2_insert_reports_failed_rows(sf_fresh, tmp_path):
    sf = sf_client(sf_fresh)
    before = _count(sf)
    path = tmp_path / "contacts.csv"
    path.write_text(
        _csv(
            [
                ["FirstName", "LastName", "Email", "Preferred_Channel__c"],
                ["Ada", "Lovelace", "ada@example.com", "Email"],
                ["No", "", "nolast@example.com", ""],
                ["Bad", "Pick", "bad@example.com", "Pigeon"],
            ]
        )
    )
    [result] = sf.bulk2.Contact.insert(csv_file=str(path), wait=WAIT)
    assert result["numberRecordsProcessed"] == 3 and result["numberRecordsFailed"] == 2
    assert _count(sf) == before + 1
    failed = _rows(sf.bulk2.Contact.get_failed_records(result["job_id"]))
    assert failed[0] == [
        "sf__Id",
        "sf__Error",
        "FirstName",
        "LastName",
        "Email",
        "Preferred_Channel__c",
    ]
    errors = {row[2]: row[1] for row in failed[1:]}
    assert (
        errors["No"] == "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    assert errors["Bad"].startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:")
    ok = _rows(sf.bulk2.Contact.get_successful_records(result["job_id"]))
    assert ok[1][1:] == ["true", "Ada", "Lovelace", "ada@example.com", "Email"]
    assert sf.Contact.get(ok[1][0])["LastName"] == "Lovelace"


def test_bulk2_upsert_by_external_id_then_delete(sf_fresh):
    sf = sf_client(sf_fresh)
    existing = sf.query("SELECT Id, External_Id__c FROM Contact LIMIT 1")["records"][0]
    before = _count(sf)
    records = [
        {"External_Id__c": existing["External_Id__c"], "LastName": "Updated"},
        {"External_Id__c": "BULK-NEW-1", "LastName": "Created"},
    ]
    [result] = sf.bulk2.Contact.upsert(
        records=records, external_id_field="External_Id__c", wait=WAIT
    )
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (2, 0)
    assert sf.Contact.get(existing["Id"])["LastName"] == "Updated"
    assert _count(sf) == before + 1
    ok = {
        r["sf__Id"]: r["sf__Created"]
        for r in csv.DictReader(
            io.StringIO(sf.bulk2.Contact.get_successful_records(result["job_id"]))
        )
    }
    assert ok[existing["Id"]] == "false" and sorted(ok.values()) == ["false", "true"]
    [deleted] = sf.bulk2.Contact.delete(records=[{"Id": i} for i in ok], wait=WAIT)
    assert deleted["numberRecordsProcessed"] == 2 and deleted["numberRecordsFailed"] == 0
    assert _count(sf) == before - 1


def test_bulk2_na_clears_and_empty_keeps(sf_fresh):
    sf = sf_client(sf_fresh)
    target = sf.query("SELECT Id, Email, Phone FROM Contact WHERE Phone != null LIMIT 1")
    row = target["records"][0]
    with _http(sf_fresh) as client:
        info = _ingest(
            client,
            {"object": "Contact", "operation": "update"},
            _csv([["Id", "Email", "Phone"], [row["Id"], "#N/A", ""]]),
        )
    assert info["state"] == "JobComplete" and info["numberRecordsFailed"] == 0
    after = sf.Contact.get(row["Id"])
    assert after["Email"] is None and after["Phone"] == row["Phone"]


def test_bulk2_hostile_values_round_trip(sf_fresh):
    hostile = [
        'He said "hi", twice',
        "line1\nline2",
        "crlf\r\nend",
        "Zoë 東京 🚀",
        "=cmd|' /C calc'!A0",
        "a,b;c|d\te",
        " padded ",
        '"',
        "@SUM(A1)",
    ]
    rows = [["LastName", "Description"]] + [[f"HOSTILE-{i}", v] for i, v in enumerate(hostile)]
    with _http(sf_fresh) as client:
        info = _ingest(client, {"object": "Contact", "operation": "insert"}, _csv(rows))
        assert info["numberRecordsFailed"] == 0, client.get(
            f"{JOBS}/ingest/{info['id']}/failedResults"
        ).text
        job = client.post(
            f"{JOBS}/query",
            json={
                "operation": "query",
                "query": "SELECT LastName, Description FROM Contact "
                "WHERE LastName LIKE 'HOSTILE-%'",
            },
        ).json()
        _wait(client, "query", job["id"])
        text = client.get(f"{JOBS}/query/{job['id']}/results").text
    back = {r[0]: r[1] for r in _rows(text)[1:]}
    assert back == {f"HOSTILE-{i}": v for i, v in enumerate(hostile)}


def test_bulk2_ingest_keys_multiple_uploads_and_abort(sf_fresh):
    reference = recorded("salesforce", "restforce", "bulk_create_job_success_response.json")
    with _http(sf_fresh) as client:
        job = client.post(
            f"{JOBS}/ingest", json={"object": "Contact", "operation": "insert", "lineEnding": "LF"}
        ).json()
        assert list(job) == list(reference) and _types(job) == _types(reference)
        assert job["contentUrl"] == f"services/data/v59.0/jobs/ingest/{job['id']}/batches"
        url = f"{JOBS}/ingest/{job['id']}"
        for name in ("One", "Two"):
            put = client.put(
                f"{url}/batches",
                content=_csv([["LastName"], [name]]),
                headers={"Content-Type": "text/csv"},
            )
            assert put.status_code == 201
        bad = client.put(f"{url}/batches", content=_csv([["FirstName"], ["x"]]))
        assert bad.status_code == 400
        aborted = client.patch(url, json={"state": "Aborted"}).json()
        assert aborted["state"] == "Aborted"
        assert client.patch(url, json={"state": "UploadComplete"}).status_code == 400
        unprocessed = client.get(f"{url}/unprocessedrecords/").text
        assert _rows(unprocessed) == [["LastName"], ["One"], ["Two"]]
        info = client.get(url).json()
        for key in (
            "numberRecordsProcessed",
            "numberRecordsFailed",
            "totalProcessingTime",
            "apiActiveProcessingTime",
            "apexProcessingTime",
            "retries",
        ):
            assert isinstance(info[key], int)
        assert client.delete(url).status_code == 204


def test_bulk2_unknown_column_fails_the_job(sf_fresh):
    with _http(sf_fresh) as client:
        info = _ingest(
            client,
            {"object": "Contact", "operation": "insert"},
            _csv([["LastName", "Bogus__c"], ["X", "y"]]),
        )
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : Bogus__c"


def test_bulk_fail_fault_fails_jobs(sf_fresh):
    _set_faults(sf_fresh, "bulk_fail=1")
    sf = sf_client(sf_fresh)
    with pytest.raises(SalesforceOperationError, match="bulk_fail"):
        list(sf.bulk2.Contact.query("SELECT Id FROM Contact", wait=WAIT))
    with _http(sf_fresh) as client:
        info = _ingest(
            client, {"object": "Contact", "operation": "insert"}, _csv([["LastName"], ["A"], ["B"]])
        )
        assert info["state"] == "Failed" and "errorMessage" in info
        text = client.get(f"{JOBS}/ingest/{info['id']}/unprocessedrecords").text
    assert _rows(text) == [["LastName"], ["A"], ["B"]]


def test_bulk2_hard_delete_purges(sf_fresh):
    sf = sf_client(sf_fresh)
    victim = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    [result] = sf.bulk2.Contact.hard_delete(records=[{"Id": victim}], wait=WAIT)
    assert result["numberRecordsFailed"] == 0
    assert sf.query_all(f"SELECT Id FROM Contact WHERE Id = '{victim}'")["totalSize"] == 0


# -- Bulk 1.0 (JSON) ---------------------------------------------------------------------
def test_bulk1_insert_upsert_query(sf_fresh):
    sf = sf_client(sf_fresh)
    before = _count(sf)
    inserted = sf.bulk.Contact.insert(
        [{"LastName": "One", "External_Id__c": "B1-1"}, {"FirstName": "NoLast"}]
    )
    assert inserted[0]["success"] and inserted[0]["created"]
    assert inserted[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    upserted = sf.bulk.Contact.upsert(
        [
            {"LastName": "Uno", "External_Id__c": "B1-1"},
            {"LastName": "Two", "External_Id__c": "B1-2"},
        ],
        "External_Id__c",
    )
    assert [(r["success"], r["created"]) for r in upserted] == [(True, False), (True, True)]
    assert upserted[0]["id"] == inserted[0]["id"]
    assert _count(sf) == before + 2
    records = sf.bulk.Contact.query(
        "SELECT Id, LastName, CreatedDate FROM Contact WHERE External_Id__c LIKE 'B1-%'",
        wait=WAIT,
    )
    assert sorted(r["LastName"] for r in records) == ["Two", "Uno"]
    assert isinstance(records[0]["CreatedDate"], int)  # epoch ms, as Bulk 1.0 JSON answers
    assert records[0]["attributes"]["type"] == "Contact"
    every = sf.bulk.Contact.query_all("SELECT Id FROM Contact", wait=WAIT)
    assert len(every) == before + 2


def test_bulk1_job_info_and_errors(sf_fresh):
    token = password_token(sf_fresh)["access_token"]
    base = f"{sf_fresh.url}/services/async/59.0"
    headers = {"X-SFDC-Session": token, "Content-Type": "application/json"}
    with httpx.Client(verify=tls(sf_fresh), headers=headers) as client:
        job = client.post(
            f"{base}/job", json={"operation": "insert", "object": "Contact", "contentType": "JSON"}
        )
        assert job.status_code == 201
        info = job.json()
        assert info["state"] == "Open" and info["numberBatchesTotal"] == 0
        batch = client.post(f"{base}/job/{info['id']}/batch", json=[{"LastName": "V1"}])
        assert batch.status_code == 201 and batch.json()["state"] == "Queued"
        closed = client.post(f"{base}/job/{info['id']}", json={"state": "Closed"}).json()
        assert closed["state"] == "Closed"
        listed = client.get(f"{base}/job/{info['id']}/batch").json()["batchInfo"]
        assert [b["id"] for b in listed] == [batch.json()["id"]]
        bad = client.get(f"{base}/job/{info['id']}", headers={"X-SFDC-Session": "nope"})
        assert bad.status_code == 400
        assert bad.json() == {
            "exceptionCode": "InvalidSessionId",
            "exceptionMessage": "Invalid session id",
        }
        xml = client.post(
            f"{base}/job",
            content=b"<jobInfo/>",
            headers={"Content-Type": "application/xml; charset=UTF-8"},
        )
        assert xml.status_code == 400 and "<exceptionCode>InvalidJob" in xml.text
        missing = client.get(f"{base}/job/7505g000000000zAAA").json()
        assert missing["exceptionCode"] == "InvalidJob"
