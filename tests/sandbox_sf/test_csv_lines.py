"""Bulk 2.0 query results: the CSV lines SQLite builds (`models/soql/csvlines.py`) are,
byte for byte, what the Python conversion writes (`to_csv_row` through `csv.writer`, still
used for queries too wide for SQL lines): hostile text, every delimiter and line ending,
floats, booleans, large integers, dates, parent fields, queryAll's deleted rows, pages."""

from __future__ import annotations

import csv
import io
import random

import pytest

from crmlink.sandbox.salesforce.models.bulk import csvio, cursor
from crmlink.sandbox.salesforce.models.queries import CURSOR_TABLE
from crmlink.sandbox.salesforce.models.soql import compile_query, csvlines

JOBS = "/services/data/v59.0/jobs/query"
FIELDS = [
    "Id",
    "FirstName",
    "LastName",
    "Email",
    "Description",
    "MailingStreet",
    "Interests__c",
    "Birthdate",
    "CreatedDate",
    "HasOptedOutOfEmail",
    "DoNotCall",
    "IsDeleted",
    "Loyalty_Points__c",
    "Engagement_Score__c",
    "AccountId",
    "Account.Name",
    "Account.NumberOfEmployees",
    "Account.AnnualRevenue",
    "Account.Is_Key_Account__c",
]
SOQL = f"SELECT {', '.join(FIELDS)} FROM Contact"
HOSTILE = [
    'say "hi"',
    '"',
    '""',
    "a,b",
    "cr\rinside",
    "lf\ninside",
    "crlf\r\nend\r\n",
    "\t|;^`,",
    "ünïcødé ☃ 😀 中文",
    " spaced ",
    "nul\x00inside",
    '"\x00"',
    "%s %w %% %d",
    "'single' \\ back",
    "x" * 3000,
]
FLOATS = [
    0.1,
    0.2,
    0.30000000000000004,
    1e20,
    -0.0,
    0.0,
    12.0,
    -12.5,
    1e-05,
    0.0001,
    0.00015,
    2.5e-4,
    1 / 3,
    -2 / 3,
    93.83,
    3200.0,
    0.01,
    -0.01,
    0.05,
    99999999999.99,
    999999999999.99,
    1e12,
    123456789012.34,
    1e15,
    1e16,
    9007199254740993.0,
    float(2**53),
    5e-324,
    1.7976931348623157e308,
]
INTS = [0, -1, 7, 2**31, 2**53 + 1, 2**63 - 1, -(2**63)]


def _floats(count: int) -> list[float]:
    """FLOATS, then hundredths (as most CRM numbers are) and arbitrary doubles."""
    rng = random.Random(11)
    out = list(FLOATS)
    for _ in range(count):
        scale = 10 ** rng.randint(0, 14)
        out.append(rng.randint(-scale, scale) / 100)
        out.append(rng.uniform(-1, 1) * 10 ** rng.randint(-6, 17))
        out.append(float(rng.randint(-(10**15), 10**15)))
    return out


@pytest.fixture
def hostile_org(sf_fresh):
    """Hostile text written as the API writes it; numbers and empty strings loaded raw (as
    seeding stores them), with and without parent accounts; some contacts deleted."""
    org = sf_fresh.org
    accounts = [
        org.insert(
            "Account",
            {"Name": text[:255], "Is_Key_Account__c": i % 2 == 0, "AnnualRevenue": i / 10},
        )
        for i, text in enumerate(HOSTILE)
    ]
    for i, text in enumerate(HOSTILE):
        record = {"LastName": text[:80], "FirstName": text[:40], "Description": text}
        record |= {"MailingStreet": text[:255], "AccountId": accounts[i], "DoNotCall": i % 3 == 0}
        contact = org.insert("Contact", record)
        if i % 4 == 0:
            org.delete("Contact", contact)
    org.bulk_load("Account", [{"Name": f"n{n}", "NumberOfEmployees": n} for n in INTS])
    with org.store.reader() as conn:
        by_size = conn.execute(
            'SELECT "Id" FROM "sobj_Account" WHERE "NumberOfEmployees" IS NOT NULL'
        ).fetchall()
    numbers = _floats(400)
    org.bulk_load(
        "Contact",
        [
            {"LastName": "", "FirstName": "", "Loyalty_Points__c": a, "Engagement_Score__c": b}
            | {"HasOptedOutOfEmail": i % 2 == 1, "AccountId": by_size[i % len(by_size)][0]}
            for i, (a, b) in enumerate(zip(numbers, reversed(numbers), strict=True))
        ],
    )
    return sf_fresh
    return sf_fresh


def _finished_job(http, body: dict) -> str:
    response = http.post(JOBS, json={"query": SOQL, **body})
    response.raise_for_status()
    job_id = response.json()["id"]
    http.post("/__sandbox__/clock", params={"advance": 5}).raise_for_status()
    assert http.get(f"{JOBS}/{job_id}").json()["state"] == "JobComplete"
    return job_id


def _python_csv(sandbox, job_id: str, offset: int, count: int) -> bytes:
    """The job's rows offset+1 .. offset+count converted in Python, as before SQL lines."""
    job = sandbox.bulk.query.jobs.get(job_id, ("query",))
    deleted = job.info["operation"] == "queryAll"
    query = compile_query(
        job.private["soql"], sandbox.org.catalog, include_deleted=deleted, now=sandbox.org.now()
    )
    format_ = csvio.csv_format(job.info)
    assert query.csv_lines_sql(CURSOR_TABLE, *format_) is not None  # served as SQL lines
    rows = cursor.chunks(sandbox.store, query, job.private["cursor"], offset, count)
    return b"".join(csvio.stream_rows(job.info, query.csv_header(), rows, query.to_csv_row))


@pytest.mark.parametrize("line_ending", ["LF", "CRLF"])
@pytest.mark.parametrize("delimiter", list(csvio.DELIMITERS))
def test_sql_lines_are_the_python_csv(hostile_org, http, delimiter, line_ending):
    for operation in ("query", "queryAll"):
        body = {"operation": operation, "columnDelimiter": delimiter, "lineEnding": line_ending}
        job_id = _finished_job(http, body)
        total = int(http.get(f"{JOBS}/{job_id}").json()["numberRecordsProcessed"])
        served = http.get(f"{JOBS}/{job_id}/results")
        assert served.status_code == 200, served.text
        assert served.content == _python_csv(hostile_org, job_id, 0, total)
        rows = _parse(served.content, delimiter, line_ending)
        assert len(rows) == total + 1
        last_names = {row[2] for row in rows}
        assert all(text in last_names for text in HOSTILE[1::4])  # never deleted ones
        assert (HOSTILE[0] in last_names) == (operation == "queryAll")  # deleted
        http.delete(f"{JOBS}/{job_id}")


def _parse(body: bytes, delimiter: str, line_ending: str) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.endswith(csvio.LINE_ENDINGS[line_ending])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csvio.DELIMITERS[delimiter])
    return list(reader)


def test_pages_are_the_python_csv(hostile_org, http):
    """Each page of a locator chain (pieces that start mid-chunk) matches too."""
    job_id = _finished_job(http, {"operation": "queryAll", "columnDelimiter": "PIPE"})
    locator, offset = None, 0
    while locator != "null":
        params = {"maxRecords": 333, **({"locator": locator} if locator else {})}
        page = http.get(f"{JOBS}/{job_id}/results", params=params)
        count = int(page.headers["Sforce-NumberOfRecords"])
        assert page.content == _python_csv(hostile_org, job_id, offset, count)
        locator, offset = page.headers["Sforce-Locator"], offset + count
    assert offset > 1000


def test_floats_and_integers_read_back(hostile_org, http):
    """The values themselves, not only the agreement of two writers: floats are Python's
    shortest text (12.0, 0.1), integers their digits, empty strings and NULL alike."""
    job_id = _finished_job(http, {"operation": "query"})
    rows = _parse(http.get(f"{JOBS}/{job_id}/results").content, "COMMA", "LF")
    header = rows[0]
    points = header.index("Loyalty_Points__c")
    served = {row[points] for row in rows[1:]}
    assert {"0.1", "12.0", "-12.5", "93.83", "3200.0", "0.30000000000000004"} <= served
    assert "100000000000000000000.000000" in served  # 1e20, as `format(v, "f")` writes it
    employees = {row[header.index("Account.NumberOfEmployees")] for row in rows[1:]}
    assert {str(n) for n in INTS} | {""} <= employees
    assert "" in {row[header.index("FirstName")] for row in rows[1:]}


def test_wide_queries_convert_in_python(hostile_org, http, monkeypatch):
    """Past MAX_COLUMNS (printf's argument limit) results still come, from Python."""
    monkeypatch.setattr(csvlines, "MAX_COLUMNS", 3)
    job_id = _finished_job(http, {"operation": "query", "columnDelimiter": "TAB"})
    body = http.get(f"{JOBS}/{job_id}/results").content
    monkeypatch.undo()
    total = int(http.get(f"{JOBS}/{job_id}").json()["numberRecordsProcessed"])
    assert body == _python_csv(hostile_org, job_id, 0, total)
    assert csvlines.line_sql([('t."Id"', "id")] * (csvlines.MAX_COLUMNS + 1)) is None
