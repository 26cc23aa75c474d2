"""Bulk API 1.0 in XML, CSV and JSON against the sandbox over HTTPS, compared with the
recorded CumulusCI and Snowfakery exchanges (tests/reference/salesforce/), and driven by the
real `salesforce-bulk` library unchanged."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import xml.etree.ElementTree as ET

import httpx
import pytest
import yaml
from salesforce_bulk import SalesforceBulk

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.conftest import password_token, tls
from tests.reference import reference_path

NS = "http://www.force.com/2009/06/asyncapi/dataload"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_TYPE = "application/xml; charset=UTF-8"
ASYNC = "/services/async/59.0"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("bulk1"), records=30, seed=11)
    box.start()
    yield box
    box.stop()


@pytest.fixture
def client(sandbox):
    token = password_token(sandbox)["access_token"]
    headers = {"X-SFDC-Session": token, "Content-Type": XML_TYPE}
    with httpx.Client(base_url=sandbox.url + ASYNC, headers=headers, verify=tls(sandbox)) as c:
        yield c


# -- helpers ----------------------------------------------------------------------------
def _element(tag: str, **children: str) -> ET.Element:
    root = ET.Element(tag, {"xmlns": NS})
    for name, value in children.items():
        ET.SubElement(root, name).text = value
    return root


def _doc(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8")


def _job_doc(**fields: str) -> bytes:
    return _doc(_element("jobInfo", **fields))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _tags(node: ET.Element) -> list[str]:
    return [_local(child.tag) for child in node]


def _xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"] == "application/xml", response.headers
    return ET.fromstring(response.content)


def _text(node: ET.Element, name: str) -> str | None:
    return node.findtext(f"{{{NS}}}{name}")


def _template(name: str) -> ET.Element:
    """A CumulusCI jobInfo/batchInfo template with its `{placeholders}` filled."""
    text = reference_path("salesforce", "cassettes", "cumulusci", name).read_text(encoding="utf-8")
    return ET.fromstring(re.sub(r"\{[^}]*\}", "0", text).encode())


def _cassette(*parts: str) -> list[dict]:
    text = reference_path("salesforce", "cassettes", *parts).read_text(encoding="utf-8")
    return yaml.safe_load(text)["interactions"]


def _create(client: httpx.Client, **fields: str) -> ET.Element:
    answer = client.post("/job", content=_job_doc(**fields))
    assert answer.status_code == 201, answer.text
    return _xml(answer)


def _add(client: httpx.Client, job_id: str, body: bytes, content_type: str) -> httpx.Response:
    answer = client.post(
        f"/job/{job_id}/batch", content=body, headers={"Content-Type": content_type}
    )
    assert answer.status_code == 201, answer.text
    return answer


def _done(client: httpx.Client, job_id: str, batch_id: str) -> ET.Element:
    for _ in range(200):
        info = _xml(client.get(f"/job/{job_id}/batch/{batch_id}"))
        if _text(info, "state") in ("Completed", "Failed", "NotProcessed"):
            return info
        time.sleep(0.02)
    raise AssertionError(f"batch {batch_id} never finished")


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(), newline="")))


def _query_csv(client: httpx.Client, soql: str) -> list[list[str]]:
    job = _create(client, operation="query", object="Contact", contentType="CSV")
    job_id = _text(job, "id")
    batch = _xml(_add(client, job_id, soql.encode(), "text/csv; charset=UTF-8"))
    done = _done(client, job_id, _text(batch, "id"))
    assert _text(done, "state") == "Completed", _text(done, "stateMessage")
    listed = _xml(client.get(f"/job/{job_id}/batch/{_text(batch, 'id')}/result"))
    [result_id] = [r.text for r in listed]
    body = client.get(f"/job/{job_id}/batch/{_text(batch, 'id')}/result/{result_id}")
    assert body.headers["content-type"] == "text/csv"
    return _rows(body.content)


# -- jobs -------------------------------------------------------------------------------
def test_xml_insert_job_has_the_recorded_elements_in_order(client):
    job = _create(client, operation="insert", object="Contact", contentType="CSV")
    assert job.tag == f"{{{NS}}}jobInfo"
    assert _tags(job) == _tags(_template("jobInfo_insert_xml.tpl"))
    assert (_text(job, "operation"), _text(job, "state")) == ("insert", "Open")
    assert (_text(job, "contentType"), _text(job, "apiVersion")) == ("CSV", "59.0")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", _text(job, "createdDate"))
    again = _xml(client.get(f"/job/{_text(job, 'id')}"))
    assert _tags(again) == _tags(job)


def test_xml_upsert_job_names_its_external_id_field_after_state(client):
    job = _create(
        client,
        operation="upsert",
        object="Contact",
        externalIdFieldName="External_Id__c",
        concurrencyMode="Parallel",
        contentType="CSV",
    )
    assert _tags(job) == _tags(_template("jobInfo_upsert_xml.tpl"))
    assert _text(job, "externalIdFieldName") == "External_Id__c"


def test_close_and_abort_answer_job_info_and_refuse_other_changes(client):
    job_id = _text(_create(client, operation="insert", object="Contact", contentType="CSV"), "id")
    closed = _xml(client.post(f"/job/{job_id}", content=_job_doc(state="Closed")))
    assert _text(closed, "state") == "Closed"
    again = client.post(f"/job/{job_id}", content=_job_doc(state="Closed"))
    assert again.status_code == 400
    assert _text(_xml(again), "exceptionCode") == "InvalidJobState"
    aborted = _xml(client.post(f"/job/{job_id}", content=_job_doc(state="Aborted")))
    assert _text(aborted, "state") == "Aborted"


# -- CSV ingest -------------------------------------------------------------------------
def test_csv_batch_inserts_and_answers_the_recorded_shapes(client, sandbox):
    before = sandbox.org.count("Contact")
    job_id = _text(_create(client, operation="insert", object="Contact", contentType="CSV"), "id")
    body = _csv_bytes([["FirstName", "LastName"], ["Ada", "CsvOne"], ["Bob", "CsvTwo"], ["Cy", ""]])
    added = _add(client, job_id, body, "text/csv; charset=UTF-8")
    batch = _xml(added)
    assert _tags(batch) == _tags(_template("batchInfo_xml.tpl"))
    assert _text(batch, "state") == "Queued"
    batch_id = _text(batch, "id")
    assert added.headers["location"] == f"{ASYNC}/job/{job_id}/batch/{batch_id}"
    assert _text(_done(client, job_id, batch_id), "numberRecordsProcessed") == "3"
    listed = _xml(client.get(f"/job/{job_id}/batch"))
    assert _tags(listed) == ["batchInfo"]
    assert _tags(listed[0]) == _tags(_template("batchInfoList_xml.tpl")[0])
    result = client.get(f"/job/{job_id}/batch/{batch_id}/result")
    assert result.headers["content-type"] == "text/csv"
    recorded = _cassette("cumulusci", "TestUpsert.test_upsert_complex_fields__bulk.yaml")
    real = next(i for i in recorded if i.get("request", {}).get("uri", "").endswith("/result"))
    assert result.text.splitlines()[0] == real["response"]["body"]["string"].splitlines()[0]
    header, first, second, failed = _rows(result.content)
    assert header == ["Id", "Success", "Created", "Error"]
    assert first[1:] == second[1:] == ["true", "true", ""]
    assert failed[:3] == ["", "false", "false"]
    assert failed[3].startswith("REQUIRED_FIELD_MISSING:") and failed[3].endswith(" --")
    assert sandbox.org.count("Contact") == before + 2
    request = client.get(f"/job/{job_id}/batch/{batch_id}/request")
    assert request.content == body


def _run_csv(client: httpx.Client, rows: list[list[str]], **job: str) -> list[list[str]]:
    """Run one CSV batch in a new job; the rows of its result (header dropped)."""
    job_id = _text(_create(client, object="Contact", contentType="CSV", **job), "id")
    batch_id = _text(_xml(_add(client, job_id, _csv_bytes(rows), "text/csv")), "id")
    assert _text(_done(client, job_id, batch_id), "state") == "Completed"
    return _rows(client.get(f"/job/{job_id}/batch/{batch_id}/result").content)[1:]


def test_csv_upsert_update_delete_and_hard_delete(client, sandbox):
    key = "External_Id__c"
    rows = [[key, "LastName"], ["ops-1", "Up1"], ["ops-2", "Up2"]]
    inserted = _run_csv(client, rows, operation="upsert", externalIdFieldName=key)
    assert [r[1:3] for r in inserted] == [["true", "true"]] * 2
    again = _run_csv(client, rows, operation="upsert", externalIdFieldName=key)
    assert [r[0] for r in again] == [r[0] for r in inserted]
    assert [r[2] for r in again] == ["false", "false"]  # matched: updated, not created
    first, second = (r[0] for r in inserted)
    updated = _run_csv(client, [["Id", "LastName"], [first, "Renamed"]], operation="update")
    assert updated == [[first, "true", "false", ""]]
    soql = f"SELECT LastName FROM Contact WHERE {key} LIKE 'ops-%' ORDER BY LastName"
    assert _query_csv(client, soql)[1:] == [["Renamed"], ["Up2"]]
    before = sandbox.org.count("Contact")
    assert _run_csv(client, [["Id"], [first]], operation="delete")[0][1] == "true"
    assert _run_csv(client, [["Id"], [second]], operation="hardDelete")[0][1] == "true"
    assert sandbox.org.count("Contact") == before - 2
    with sandbox.org.store.reader() as conn:
        sql = 'SELECT "Id" FROM "sobj_Contact" WHERE "Id" IN (?, ?)'
        assert [r[0] for r in conn.execute(sql, (first, second))] == [first]  # in the bin


def test_csv_batch_with_an_unknown_column_fails_the_batch(client):
    job_id = _text(_create(client, operation="insert", object="Contact", contentType="CSV"), "id")
    body = _csv_bytes([["LastName", "Nope__c"], ["X", "Y"]])
    batch_id = _text(_xml(_add(client, job_id, body, "text/csv")), "id")
    done = _done(client, job_id, batch_id)
    assert _text(done, "state") == "Failed"
    assert _text(done, "stateMessage") == "InvalidBatch : Field name not found : Nope__c"
    assert _tags(done)[:4] == ["id", "jobId", "state", "stateMessage"]


def test_csv_query_answers_a_result_list_then_quoted_csv(client, sandbox):
    job_id = _text(_create(client, operation="query", object="Contact", contentType="CSV"), "id")
    soql = b"SELECT Id, LastName FROM Contact ORDER BY Id"
    batch_id = _text(_xml(_add(client, job_id, soql, "text/csv")), "id")
    assert _text(_done(client, job_id, batch_id), "state") == "Completed"
    listed = _xml(client.get(f"/job/{job_id}/batch/{batch_id}/result"))
    recorded = _cassette("snowfakery", "TestSOQLDatasets.test_soql_dataset_bulk.yaml")
    [real] = [
        ET.fromstring(i["response"]["body"]["string"])
        for i in recorded
        if i["request"]["uri"].endswith("/result")
    ]
    assert (listed.tag, _tags(listed)) == (real.tag, _tags(real))
    body = client.get(f"/job/{job_id}/batch/{batch_id}/result/{listed[0].text}")
    assert body.headers["content-type"] == "text/csv"
    assert body.content.startswith(b'"Id","LastName"\n"003')
    rows = _rows(body.content)
    assert rows[0] == ["Id", "LastName"] and len(rows) - 1 == sandbox.org.count("Contact")
    assert client.get(f"/job/{job_id}/batch/{batch_id}/request").text == soql.decode()


def test_csv_query_with_no_records_says_so(client):
    job_id = _text(_create(client, operation="query", object="Contact", contentType="CSV"), "id")
    soql = b"SELECT Id FROM Contact WHERE LastName = 'no such name at all'"
    batch_id = _text(_xml(_add(client, job_id, soql, "text/csv")), "id")
    _done(client, job_id, batch_id)
    [result] = _xml(client.get(f"/job/{job_id}/batch/{batch_id}/result"))
    body = client.get(f"/job/{job_id}/batch/{batch_id}/result/{result.text}")
    assert body.content == b"Records not found for this query"


# -- XML ingest and query ---------------------------------------------------------------
def _sobjects(*records: dict) -> bytes:
    root = ET.Element("sObjects", {"xmlns": NS, "xmlns:xsi": XSI})
    for record in records:
        item = ET.SubElement(root, "sObject")
        for name, value in record.items():
            if value is None:
                ET.SubElement(item, name, {"xsi:nil": "true"})
            else:
                ET.SubElement(item, name).text = value
    return _doc(root)


def test_xml_batch_inserts_and_answers_xml_results(client):
    job_id = _text(_create(client, operation="insert", object="Contact", contentType="XML"), "id")
    body = _sobjects({"LastName": "XmlOne", "Email": None}, {"FirstName": "NoLast"})
    batch_id = _text(_xml(_add(client, job_id, body, XML_TYPE)), "id")
    _done(client, job_id, batch_id)
    results = _xml(client.get(f"/job/{job_id}/batch/{batch_id}/result"))
    assert results.tag == f"{{{NS}}}results"
    ok, failed = results
    assert _tags(ok) == ["id", "success", "created"]
    assert (_text(ok, "success"), _text(ok, "created")) == ("true", "true")
    assert _tags(failed) == ["errors", "success", "created"]
    assert _text(failed[0], "statusCode") == "REQUIRED_FIELD_MISSING"
    assert _tags(failed[0]) == ["fields", "message", "statusCode"]


def test_xml_batch_refuses_what_it_cannot_write(client):
    job_id = _text(_create(client, operation="insert", object="Contact", contentType="XML"), "id")
    nested = _sobjects({"LastName": "Kid"}).replace(
        b"</sObject>", b"<Account><External_Id__c>a-1</External_Id__c></Account></sObject>"
    )
    refused = client.post(f"/job/{job_id}/batch", content=nested)
    assert (refused.status_code, _text(_xml(refused), "exceptionCode")) == (400, "InvalidBatch")
    wrong = client.post(f"/job/{job_id}/batch", content=_job_doc(state="Closed"))
    assert _text(_xml(wrong), "exceptionCode") == "InvalidBatch"
    listed = _xml(client.get(f"/job/{job_id}/batch"))
    assert list(listed) == []


def test_xml_query_answers_query_result_records(client):
    ingest = _text(_create(client, operation="insert", object="Contact", contentType="XML"), "id")
    added = _add(client, ingest, _sobjects({"LastName": "XmlNull"}), XML_TYPE)
    _done(client, ingest, _text(_xml(added), "id"))
    job_id = _text(_create(client, operation="query", object="Contact", contentType="XML"), "id")
    soql = b"SELECT Id, LastName, Email, CreatedDate FROM Contact WHERE LastName = 'XmlNull'"
    batch_id = _text(_xml(_add(client, job_id, soql, XML_TYPE)), "id")
    assert _text(_done(client, job_id, batch_id), "state") == "Completed"
    [result] = _xml(client.get(f"/job/{job_id}/batch/{batch_id}/result"))
    body = _xml(client.get(f"/job/{job_id}/batch/{batch_id}/result/{result.text}"))
    [record] = body
    assert body.tag == f"{{{NS}}}queryResult" and record.get(f"{{{XSI}}}type") == "sObject"
    assert _tags(record) == ["type", "Id", "LastName", "Email", "CreatedDate"]
    assert (_text(record, "type"), _text(record, "LastName")) == ("Contact", "XmlNull")
    assert record.find(f"{{{NS}}}Email").get(f"{{{XSI}}}nil") == "true"
    assert _text(record, "CreatedDate").endswith("Z")


def test_hostile_values_round_trip_through_xml_and_csv(client):
    nasty = 'O\'Hara & <Sons> "quoted", comma\nnew line ]]>'
    job_id = _text(_create(client, operation="insert", object="Contact", contentType="XML"), "id")
    body = _sobjects({"LastName": nasty, "External_Id__c": "hostile-xml"})
    _done(client, job_id, _text(_xml(_add(client, job_id, body, XML_TYPE)), "id"))
    rows = _query_csv(client, "SELECT LastName FROM Contact WHERE External_Id__c = 'hostile-xml'")
    assert rows == [["LastName"], [nasty]]


def test_doctype_bodies_are_refused(client):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<jobInfo xmlns="' + NS.encode() + b'"><operation>&lol2;</operation></jobInfo>'
    )
    answer = client.post("/job", content=bomb)
    assert answer.status_code == 400
    assert _text(_xml(answer), "exceptionCode") == "InvalidXML"
    job_id = _text(_create(client, operation="insert", object="Contact", contentType="XML"), "id")
    refused = client.post(f"/job/{job_id}/batch", content=bomb.replace(b"jobInfo", b"sObjects"))
    assert (refused.status_code, _text(_xml(refused), "exceptionCode")) == (400, "InvalidBatch")


# -- JSON jobs and errors ---------------------------------------------------------------
def test_json_job_created_in_xml_answers_batches_in_json(client):
    """As recorded from CumulusCI: an XML-created JSON query job, JSON batches."""
    job = _create(client, operation="query", object="Contact", contentType="JSON")
    job_id = _text(job, "id")
    soql = b"SELECT Id, LastName, CreatedDate FROM Contact LIMIT 3"
    added = _add(client, job_id, soql, "application/json; charset=UTF-8")
    assert added.headers["content-type"] == "application/json"
    recorded = _cassette(
        "cumulusci", "TestSelect.test_select_similarity_select_and_insert_strategy_bulk.yaml"
    )
    real = next(
        i["response"]["body"]["string"]
        for i in recorded
        if i.get("request", {}).get("uri", "").endswith("/batch")
        and i["request"]["method"] == "POST"
    )
    assert list(added.json()) == list(json.loads(real))
    for _ in range(200):
        info = client.get(f"/job/{job_id}/batch/{added.json()['id']}").json()
        if info["state"] == "Completed":
            break
        time.sleep(0.02)
    ids = client.get(f"/job/{job_id}/batch/{info['id']}/result").json()
    records = client.get(f"/job/{job_id}/batch/{info['id']}/result/{ids[0]}").json()
    assert len(records) == 3 and isinstance(records[0]["CreatedDate"], int)


def test_errors_answer_in_the_request_format(client):
    missing = client.get("/job/7505g000000000zAAA")
    assert missing.status_code == 400
    error = _xml(missing)
    assert error.tag == f"{{{NS}}}error"
    assert _tags(error) == ["exceptionCode", "exceptionMessage"]
    assert _text(error, "exceptionCode") == "InvalidJob"
    bad = client.get("/job/7505g000000000zAAA", headers={"X-SFDC-Session": "nope"})
    assert _text(_xml(bad), "exceptionCode") == "InvalidSessionId"
    as_json = client.get(
        "/job/7505g000000000zAAA",
        headers={"X-SFDC-Session": "nope", "Content-Type": "application/json"},
    )
    assert as_json.json() == {
        "exceptionCode": "InvalidSessionId",
        "exceptionMessage": "Invalid session id",
    }
    zipped = client.post(
        "/job", content=_job_doc(operation="insert", object="Contact", contentType="ZIP_CSV")
    )
    assert _text(_xml(zipped), "exceptionCode") == "InvalidJob"


# -- the real salesforce-bulk library ---------------------------------------------------
def test_salesforce_bulk_library_query_and_insert(sandbox, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sandbox.info()["ca_bundle"]))
    token = password_token(sandbox)["access_token"]
    bulk = SalesforceBulk(sessionId=token, host=sandbox.url, API_version="59.0")
    job = bulk.create_query_job("Contact", contentType="CSV")
    batch = bulk.query(job, "SELECT Id, LastName FROM Contact")
    bulk.close_job(job)
    bulk.wait_for_batch(job, batch, timeout=30, sleep_interval=0.05)
    rows = [
        row
        for result in bulk.get_all_results_for_query_batch(batch, job)
        for row in csv.DictReader(io.TextIOWrapper(result, encoding="utf-8"))
    ]
    assert len(rows) == sandbox.org.count("Contact") and set(rows[0]) == {"Id", "LastName"}

    insert = bulk.create_insert_job("Contact", contentType="CSV")
    data = _csv_bytes([["LastName", "External_Id__c"], ["Lib1", "lib-1"], ["Lib2", "lib-2"]])
    batch = bulk.post_batch(insert, data)
    bulk.wait_for_batch(insert, batch, timeout=30, sleep_interval=0.05)
    bulk.close_job(insert)
    results = bulk.get_batch_results(batch, insert)
    assert [(r.success, r.created, r.error) for r in results] == [("true", "true", "")] * 2
    assert bulk.job_status(insert)["state"] == "Closed"
    assert bulk.job_status(insert)["numberRecordsProcessed"] == "2"
