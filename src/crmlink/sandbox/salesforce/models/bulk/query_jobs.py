"""Bulk API 2.0 query jobs: create (SOQL checked at once), run in the background, page the
CSV result by locator, abort, delete.

Paging: `maxRecords` rows per set; without it Salesforce returns "as many rows as can be
listed" (a size limit); the sandbox returns the rest of the result up to
DEFAULT_MAX_RECORDS rows. Locators are the base64 text of the next row offset, as real
ones look (`MTAwMDA` = 10000); the last set answers `Sforce-Locator: null`.

Parallel download (`resultPages`, API 58.0+): up to RESULT_LINKS links a call, each a
`results?locator=…&maxRecords=…` URL of one page of PAGE_RECORDS rows (a `maxRecords`
parameter sets the page size, as the sandbox's own extension), then `nextRecordsUrl`.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Iterator

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.errors import InvalidJob, InvalidJobState
from crmlink.sandbox.salesforce.models.bulk import csvio, cursor
from crmlink.sandbox.salesforce.models.bulk.jobs import (
    JOB_PREFIX,
    Job,
    api_version,
    base_info,
    elapsed_ms,
    view,
)
from crmlink.sandbox.salesforce.models.soql import CompiledQuery, compile_query

DEFAULT_MAX_RECORDS = 1_000_000
PAGE_RECORDS = 100_000  # rows per resultPages link
RESULT_LINKS = 5  # links per resultPages answer, as documented
MIN_RUN_SECONDS = 0.2  # a job is InProgress this long on the sandbox clock, as a real one is
CREATE_KEYS = [
    "id",
    "operation",
    "object",
    "createdById",
    "createdDate",
    "systemModstamp",
    "state",
    "concurrencyMode",
    "contentType",
    "apiVersion",
    "lineEnding",
    "columnDelimiter",
]
LIST_KEYS = [
    "id",
    "operation",
    "object",
    "createdById",
    "createdDate",
    "systemModstamp",
    "state",
    "concurrencyMode",
    "contentType",
    "apiVersion",
    "jobType",
    "lineEnding",
    "columnDelimiter",
]
INFO_KEYS = LIST_KEYS + (
    ["numberRecordsProcessed", "retries", "totalProcessingTime", "isPkChunkingSupported"]
)
_FINAL = ("JobComplete", "Failed", "Aborted")


class QueryJobs:
    def __init__(self, service) -> None:
        self.service = service
        self.org = service.org
        self.jobs = service.jobs

    # -- create / inspect -------------------------------------------------------------
    def create(self, body: dict, version: str) -> dict:
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise InvalidJob(f"Invalid operation for a query job: {operation}")
        soql = body.get("query")
        if not isinstance(soql, str) or not soql.strip():
            raise InvalidJob("A query is required for a query job")
        delimiter, line_ending = csvio.check_format(body)
        query = self._compile(soql, operation == "queryAll")
        query.check_bulk_compatible()
        job_id = self.jobs.new_id(JOB_PREFIX)
        info = base_info(job_id, operation, query.object.name, self.org.user_id, version)
        info |= {
            "state": "UploadComplete",
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": api_version(version),
            "jobType": "V2Query",
            "lineEnding": line_ending,
            "columnDelimiter": delimiter,
            "numberRecordsProcessed": 0,
            "retries": 0,
            "totalProcessingTime": 0,
            "isPkChunkingSupported": True,
        }
        job = self.jobs.add(Job(job_id, "query", info, {"soql": soql}))
        answer = view(job, CREATE_KEYS)  # as created, whatever the run does next
        self.jobs.schedule(
            job,
            MIN_RUN_SECONDS,
            lambda: self._run(job),
            lambda m: self._fail(job, m),
            begin=lambda: self._advance(job, "UploadComplete", state="InProgress"),
        )
        return answer

    def _compile(self, soql: str, include_deleted: bool) -> CompiledQuery:
        return compile_query(
            soql, self.org.catalog, include_deleted=include_deleted, now=self.org.now()
        )

    def info(self, job_id: str) -> dict:
        return view(self.jobs.get(job_id, ("query",)), INFO_KEYS)

    def list(self) -> dict:
        jobs = sorted(self.jobs.all("query"), key=lambda j: j.id)
        return {
            "done": True,
            "records": [view(j, LIST_KEYS) for j in jobs],
            "nextRecordsUrl": None,
        }

    def abort(self, job_id: str, body: dict) -> dict:
        job = self.jobs.get(job_id, ("query",))
        if body.get("state") != "Aborted":
            raise InvalidJobState(f"Invalid state for a query job: {body.get('state')}")
        with self.jobs.lock:
            if job.state in _FINAL:
                raise InvalidJobState(f"Job is already in a final state: {job.state}")
            self.jobs.update(job, state="Aborted")
        cursor.drop(self.org, job.private.pop("cursor", None))
        return view(job, CREATE_KEYS)

    def delete(self, job_id: str) -> None:
        job = self.jobs.get(job_id, ("query",))
        if job.state not in _FINAL:
            raise InvalidJobState(f"Job can not be deleted in state {job.state}")
        self.jobs.remove(job)
        cursor.drop(self.org, job.private.get("cursor"))

    # -- the run, once due on the sandbox clock ---------------------------------------
    def _run(self, job: Job) -> None:
        started = time.monotonic()
        self._advance(job, "UploadComplete", state="InProgress")
        if job.state != "InProgress":  # aborted meanwhile
            return
        if self.service.roll_failure():
            self._fail(job, "InternalServerError : the query job failed (sandbox fault bulk_fail)")
            return
        soql, include_deleted = job.private["soql"], job.info["operation"] == "queryAll"
        query = self._compile(soql, include_deleted)
        saved = cursor.materialise_job(self.org, query, soql, include_deleted)
        with self.jobs.lock:
            job.private["cursor"] = saved
            done = {"numberRecordsProcessed": saved["total"]}
            if not self.jobs.holds(job) or not self._advance(
                job,
                "InProgress",
                state="JobComplete",
                **done,
                totalProcessingTime=elapsed_ms(started),
            ):
                cursor.drop(self.org, job.private.pop("cursor"))  # aborted or expired meanwhile

    def _advance(self, job: Job, expected: str, **info) -> bool:
        """Change the job if it is still in `expected` state (not aborted meanwhile)."""
        with self.jobs.lock:
            if job.state != expected:
                return False
            self.jobs.update(job, **info)
            return True

    def _fail(self, job: Job, message: str) -> None:
        with self.jobs.lock:
            if job.state not in _FINAL:
                self.jobs.update(job, state="Failed", errorMessage=message)

    # -- results ----------------------------------------------------------------------
    def results(self, job_id: str, locator: str | None, max_records: str | None):
        """(headers, CSV byte chunks) of one set of a finished job's results."""
        job = self.jobs.get(job_id, ("query",))
        if job.state != "JobComplete":
            raise InvalidJobState(f"Job is not complete, its state is {job.state}")
        total = job.info["numberRecordsProcessed"]
        offset = decode_locator(locator) if locator else 0
        count = max(0, min(page_size(max_records), total - offset))
        following = offset + count
        headers = {
            "Sforce-Locator": encode_locator(following) if following < total else "null",
            "Sforce-NumberOfRecords": str(count),
        }
        query = self._compile(job.private["soql"], job.info["operation"] == "queryAll")
        return headers, self._csv(job, query, offset, count)

    def _csv(self, job: Job, query: CompiledQuery, offset: int, count: int) -> Iterator[bytes]:
        """The CSV bytes of rows offset+1 .. offset+count: lines made by SQLite, or
        (queries too wide for that) rows converted in Python."""
        header, saved, store = query.csv_header(), job.private["cursor"], self.org.store
        if not count:
            return csvio.stream_lines(job.info, header, ())
        span, csv_format = (offset, count), csvio.csv_format(job.info)
        lines = cursor.csv_chunks(store, query, saved, span, csv_format)
        if lines is not None:
            return csvio.stream_lines(job.info, header, lines)
        rows = cursor.chunks(store, query, saved, offset, count)
        return csvio.stream_rows(job.info, header, rows, query.to_csv_row)

    def result_pages(self, job_id: str, locator: str | None, max_records: str | None) -> dict:
        """Links to download a finished job's results in parallel, RESULT_LINKS a call."""
        job = self.jobs.get(job_id, ("query",))
        if job.state != "JobComplete":
            raise InvalidJobState(f"Job is not complete, its state is {job.state}")
        total = job.info["numberRecordsProcessed"]
        size = page_size(max_records) if max_records else PAGE_RECORDS
        start = decode_locator(locator) if locator else 0
        offsets = list(range(start, max(total, 1), size))[:RESULT_LINKS]
        following = offsets[-1] + size if offsets else total
        return {"size": size, "offsets": offsets, "next": following if following < total else None}


def encode_locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int:
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    if not text.isdigit():
        raise errors.InvalidLocator(f"Invalid locator: {locator}")
    return int(text)


def page_size(max_records: str | None) -> int:
    if max_records in (None, ""):
        return DEFAULT_MAX_RECORDS
    if not max_records.isdigit() or int(max_records) < 1:
        raise errors.InvalidFieldValue(f"Invalid value for maxRecords: {max_records}")
    return int(max_records)
