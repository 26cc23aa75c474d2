"""PK chunking of Bulk API 1.0 query jobs (`Sforce-Enable-PKChunking`): the id ranges as
Salesforce documents them, and chunked jobs against the sandbox over HTTPS."""

from __future__ import annotations

import csv
import io
import time
import xml.etree.ElementTree as ET

import httpx
import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.sandbox.salesforce.errors import ClassicError
from crmlink.sandbox.salesforce.models.bulk.pk_chunking import bounds, parse_header
from tests.conftest import password_token, tls

NS = "http://www.force.com/2009/06/asyncapi/dataload"
ASYNC = "/services/async/59.0"
PK = "Sforce-Enable-PKChunking"
RECORDS = 40


# -- the ranges, as documented ----------------------------------------------------------
def test_bounds_are_salesforces_documented_example():
    """10,000,000 Accounts from 001300000000000 by 250,000: 40 queries, as the Bulk API
    guide lists them."""
    found = bounds("001300000000000", "00130000000fxSJ", 250_000)
    assert len(found) == 40
    assert found[0] == ("001300000000000", "00130000000132G")
    assert found[1] == ("00130000000132G", "00130000000264W")
    assert found[-1] == ("00130000000euQ4", "00130000000fxSK")
    assert all(a[1] == b[0] for a, b in zip(found, found[1:], strict=False))


def test_header_options_and_defaults():
    assert parse_header(None) is None and parse_header("FALSE") is None
    assert parse_header("TRUE") == {"chunkSize": 100_000, "startRow": None, "parent": None}
    assert parse_header("chunkSize=50000; startRow=00130000000xEft") == {
        "chunkSize": 50_000,
        "startRow": "00130000000xEft",
        "parent": None,
    }
    assert parse_header("true; chunkSize=7;parent=Account")["parent"] == "Account"


@pytest.mark.parametrize(
    "header", ["chunkSize=250001", "chunkSize=0", "chunkSize=ten", "colour=red", "startRow=x"]
)
def test_bad_header_values_are_refused(header):
    with pytest.raises(ClassicError) as caught:
        parse_header(header)
    assert caught.value.error_code == "InvalidJob"


# -- against the sandbox ----------------------------------------------------------------
@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("pk"), records=RECORDS, seed=5)
    box.start()
    yield box
    box.stop()


@pytest.fixture
def client(sandbox):
    token = password_token(sandbox)["access_token"]
    headers = {"X-SFDC-Session": token, "Content-Type": "application/xml; charset=UTF-8"}
    with httpx.Client(base_url=sandbox.url + ASYNC, headers=headers, verify=tls(sandbox)) as c:
        yield c


def _text(node: ET.Element, name: str) -> str | None:
    return node.findtext(f"{{{NS}}}{name}")


def _job(client: httpx.Client, pk: str, obj: str = "Contact") -> httpx.Response:
    root = ET.Element("jobInfo", {"xmlns": NS})
    for name, value in (("operation", "query"), ("object", obj), ("contentType", "CSV")):
        ET.SubElement(root, name).text = value
    return client.post("/job", content=ET.tostring(root), headers={PK: pk})


def _chunked(client: httpx.Client, pk: str, soql: str, obj: str = "Contact"):
    """(the added batch's final info, [(chunk batch info, its CSV rows)]) of a chunked job."""
    created = _job(client, pk, obj)
    assert created.status_code == 201, created.text
    job_id = _text(ET.fromstring(created.content), "id")
    added = client.post(f"/job/{job_id}/batch", content=soql, headers={"Content-Type": "text/csv"})
    original = _text(ET.fromstring(added.content), "id")
    for _ in range(200):
        listed = list(ET.fromstring(client.get(f"/job/{job_id}/batch").content))
        if all(_text(b, "state") in ("Completed", "NotProcessed", "Failed") for b in listed):
            break
        time.sleep(0.02)
    first = next(b for b in listed if _text(b, "id") == original)
    chunks = [b for b in listed if _text(b, "id") != original]
    return first, [(b, _rows(client, job_id, _text(b, "id"))) for b in chunks]


def _rows(client: httpx.Client, job_id: str, batch_id: str) -> list[list[str]]:
    results = ET.fromstring(client.get(f"/job/{job_id}/batch/{batch_id}/result").content)
    rows = []
    for result in results:
        body = client.get(f"/job/{job_id}/batch/{batch_id}/result/{result.text}").content
        if body != b"Records not found for this query":
            rows += list(csv.reader(io.StringIO(body.decode(), newline="")))[1:]
    return rows


def _all_ids(sandbox, where: str = "") -> list[str]:
    with sandbox.org.store.reader() as conn:
        sql = f'SELECT "Id" FROM "sobj_Contact" WHERE "_sbx_deleted_at" IS NULL {where}'
        return sorted(row[0] for row in conn.execute(sql))


def test_chunks_partition_the_result_and_the_added_batch_is_not_processed(client, sandbox):
    first, chunks = _chunked(client, "chunkSize=10", "SELECT Id, LastName FROM Contact")
    assert _text(first, "state") == "NotProcessed"
    assert len(chunks) >= RECORDS // 10
    assert all(_text(b, "state") == "Completed" for b, _ in chunks)
    ids = [row[0] for _, rows in chunks for row in rows]
    assert sorted(ids) == _all_ids(sandbox)  # every record once, none twice
    per_chunk = [sorted(row[0] for row in rows) for _, rows in chunks if rows]
    assert all(len(ids) <= 10 for ids in per_chunk)
    assert all(a[-1] < b[0] for a, b in zip(per_chunk, per_chunk[1:], strict=False))
    processed = sum(int(_text(b, "numberRecordsProcessed")) for b, _ in chunks)
    assert processed == len(ids)


def test_filtered_query_and_start_row(client, sandbox):
    every = _all_ids(sandbox)
    start = every[RECORDS // 2]
    _, chunks = _chunked(client, f"chunkSize=7; startRow={start}", "SELECT Id FROM Contact")
    assert sorted(row[0] for _, rows in chunks for row in rows) == every[RECORDS // 2 :]
    soql = "SELECT Id FROM Contact WHERE LastName LIKE 'S%'"
    _, chunks = _chunked(client, "TRUE", soql)
    assert len(chunks) == 1  # 100,000 ids by default: one range
    assert sorted(r[0] for r in chunks[0][1]) == _all_ids(sandbox, "AND \"LastName\" LIKE 'S%'")


def test_parent_chunks_by_the_parents_ids(client, sandbox):
    soql = "SELECT Id, AccountId FROM Contact"
    _, chunks = _chunked(client, "chunkSize=3; parent=Account", soql)
    rows = [row for _, found in chunks for row in found]
    assert sorted(r[0] for r in rows) == _all_ids(sandbox, 'AND "AccountId" IS NOT NULL')
    per_chunk = [sorted(r[1] for r in found) for _, found in chunks if found]
    assert all(a[-1] < b[0] for a, b in zip(per_chunk, per_chunk[1:], strict=False))


def test_bad_chunk_size_refuses_the_job(client):
    refused = _job(client, "chunkSize=300000")
    assert refused.status_code == 400
    error = ET.fromstring(refused.content)
    assert _text(error, "exceptionCode") == "InvalidJob"
    assert "250000" in _text(error, "exceptionMessage")


def test_unknown_parent_fails_the_added_batch(client):
    first, chunks = _chunked(client, "parent=Campaign", "SELECT Id FROM Contact")
    assert (_text(first, "state"), chunks) == ("Failed", [])
    assert "Campaign" in _text(first, "stateMessage")


def test_json_created_job_as_tap_salesforce_sends_it(client, sandbox):
    """A JSON job body with CSV content and `true; chunkSize=N`: JSON job info, XML batches."""
    body = {"operation": "queryAll", "object": "Contact", "contentType": "CSV"}
    created = client.post(
        "/job", json=body, headers={"Content-Type": "application/json", PK: "true; chunkSize=25"}
    )
    assert created.status_code == 201 and created.json()["contentType"] == "CSV"
    job_id = created.json()["id"]
    client.post(
        f"/job/{job_id}/batch",
        content="SELECT Id FROM Contact",
        headers={"Content-Type": "text/csv"},
    )
    listed = list(ET.fromstring(client.get(f"/job/{job_id}/batch").content))
    ids = [row[0] for b in listed[1:] for row in _rows(client, job_id, _text(b, "id"))]
    with sandbox.org.store.reader() as conn:
        assert len(ids) == conn.execute('SELECT COUNT(*) FROM "sobj_Contact"').fetchone()[0]
