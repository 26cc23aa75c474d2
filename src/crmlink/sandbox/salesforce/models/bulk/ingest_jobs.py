"""Bulk API 2.0 ingest jobs: create, upload CSV (kept on disk, several PUTs append), close
(UploadComplete) or abort, process in the background through `org.write_many` in chunks,
and the result files.

CSV values: an empty value leaves a field unchanged (or unset on insert); `#N/A` sets it
to null, as in Salesforce's Bulk API.
"""

from __future__ import annotations

import builtins
import csv
import itertools
import shutil
import time
from pathlib import Path
from typing import cast

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.errors import InvalidJob, InvalidJobState
from crmlink.sandbox.salesforce.models.bulk import csvio, ingest_results
from crmlink.sandbox.salesforce.models.bulk.jobs import (
    JOB_PREFIX,
    Job,
    api_version,
    base_info,
    elapsed_ms,
    view,
)
from crmlink.sandbox.salesforce.models.bulk.writes import (
    BadBatch,
    check_job_target,
    plan_columns,
    write_chunk,
)

MAX_UPLOAD_BYTES = 150 * 1024 * 1024
WRITE_CHUNK = 1000  # records per transaction
MIN_RUN_SECONDS = 0.2
CREATE_KEYS = [
    "id",
    "operation",
    "object",
    "createdById",
    "createdDate",
    "systemModstamp",
    "state",
    "externalIdFieldName",
    "concurrencyMode",
    "contentType",
    "apiVersion",
    "contentUrl",
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
    "externalIdFieldName",
    "concurrencyMode",
    "contentType",
    "apiVersion",
    "jobType",
    "lineEnding",
    "columnDelimiter",
]
INFO_KEYS = LIST_KEYS + [
    "numberRecordsProcessed",
    "numberRecordsFailed",
    "retries",
    "totalProcessingTime",
    "apiActiveProcessingTime",
    "apexProcessingTime",
]
_FINAL = ("JobComplete", "Failed", "Aborted")


class IngestJobs:
    def __init__(self, service) -> None:
        self.service = service
        self.org = service.org
        self.jobs = service.jobs

    def folder(self, job: Job) -> Path:
        return self.service.folder / job.id

    # -- create / inspect / change ----------------------------------------------------
    def create(self, body: dict, version: str) -> dict:
        operation = body.get("operation")
        obj, ext = check_job_target(
            self.org, body.get("object"), operation, body.get("externalIdFieldName")
        )
        delimiter, line_ending = csvio.check_format(body)
        job_id = self.jobs.new_id(JOB_PREFIX)
        # check_job_target accepted the operation: it is one of OPERATIONS
        info = base_info(job_id, cast(str, operation), obj.name, self.org.user_id, version)
        info["state"] = "Open"
        if ext:
            info["externalIdFieldName"] = ext
        info |= {
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": api_version(version),
            "contentUrl": f"services/data/v{version}/jobs/ingest/{job_id}/batches",
            "jobType": "V2Ingest",
            "lineEnding": line_ending,
            "columnDelimiter": delimiter,
            "numberRecordsProcessed": 0,
            "numberRecordsFailed": 0,
            "retries": 0,
            "totalProcessingTime": 0,
            "apiActiveProcessingTime": 0,
            "apexProcessingTime": 0,
        }
        job = self.jobs.add(Job(job_id, "ingest", info, {"parts": [], "header": None}))
        return view(job, CREATE_KEYS)

    def info(self, job_id: str) -> dict:
        return view(self.jobs.get(job_id, ("ingest",)), INFO_KEYS)

    def list(self) -> dict:
        jobs = sorted(self.jobs.all("ingest"), key=lambda j: j.id)
        return {"done": True, "records": [view(j, LIST_KEYS) for j in jobs], "nextRecordsUrl": None}

    def set_state(self, job_id: str, body: dict) -> dict:
        job = self.jobs.get(job_id, ("ingest",))
        wanted = body.get("state")
        with self.jobs.lock:
            if wanted == "UploadComplete" and job.state == "Open":
                self.jobs.update(job, state="UploadComplete")
                answer = view(job, CREATE_KEYS[:10])
                self.jobs.schedule(
                    job,
                    MIN_RUN_SECONDS,
                    lambda: self._run(job),
                    lambda m: self._fail(job, m),
                    begin=lambda: self._begin(job),
                )
                return answer
            elif wanted == "Aborted" and job.state not in _FINAL:
                self.jobs.update(job, state="Aborted")
            else:
                raise InvalidJobState(f"Invalid job state transition from {job.state} to {wanted}")
        return view(job, CREATE_KEYS[:10])

    def delete(self, job_id: str) -> None:
        job = self.jobs.get(job_id, ("ingest",))
        if job.state not in (*_FINAL, "Open"):
            raise InvalidJobState(f"Job can not be deleted in state {job.state}")
        self.jobs.remove(job)
        shutil.rmtree(self.folder(job), ignore_errors=True)

    # -- upload -----------------------------------------------------------------------
    def open_upload(self, job_id: str) -> Upload:
        job = self.jobs.get(job_id, ("ingest",))
        if job.state != "Open":
            raise InvalidJobState(f"Job is not open for uploads, its state is {job.state}")
        folder = self.folder(job)
        folder.mkdir(parents=True, exist_ok=True)
        with self.jobs.lock:
            part = folder / f"upload-{len(job.private['parts']) + 1}-{time.time_ns()}.csv"
        return Upload(self, job, part)

    def add_part(self, job: Job, part: Path) -> None:
        header = _first_row(part, job.info)
        with self.jobs.lock:
            if job.state != "Open":
                raise InvalidJobState(f"Job is not open for uploads, its state is {job.state}")
            known = job.private["header"]
            if known is not None and header != known:
                raise InvalidJob("Each upload of a job must have the same header row")
            job.private["header"] = header
            job.private["parts"].append(part.name)
            self.jobs.save(job)

    def rows(self, job: Job):
        """Every uploaded data row, part after part (headers skipped)."""
        for name in job.private["parts"]:
            rows = csvio.read_rows(self.folder(job) / name, job.info)
            next(rows, None)
            yield from rows

    # -- results ----------------------------------------------------------------------
    def result_path(self, job_id: str, kind: str) -> Path:
        job = self.jobs.get(job_id, ("ingest",))
        folder = self.folder(job)
        path = ingest_results.path_of(folder, kind)
        if path.exists():
            return path
        header = job.private["header"] or []
        path = ingest_results.write_header_only(folder, kind, job.info, header)
        if kind == "unprocessedrecords" and job.state in ("Aborted", "Failed"):
            with path.open("a", encoding="utf-8", newline="") as handle:
                csvio.writer(handle, job.info).writerows(self.rows(job))
        return path

    # -- the run, once due on the sandbox clock ---------------------------------------
    def _begin(self, job: Job) -> None:
        with self.jobs.lock:
            if job.state == "UploadComplete":
                self.jobs.update(job, state="InProgress")

    def _run(self, job: Job) -> None:
        started = time.monotonic()
        self._begin(job)
        if job.state != "InProgress":  # aborted meanwhile
            return
        if self.service.roll_failure():
            self._fail(job, "InternalServerError : the job failed (sandbox fault bulk_fail)")
            return
        header = job.private["header"] or []
        try:
            plan = plan_columns(self.org, job.info, header)
        except BadBatch as exc:
            self._fail(job, str(exc))
            return
        self._process(job, header, plan, started)

    def _process(self, job: Job, header: builtins.list[str], plan, started: float) -> None:
        out = ingest_results.ResultWriter(self.folder(job), job.info, header)
        rows = self.rows(job)
        try:
            while chunk := list(itertools.islice(rows, WRITE_CHUNK)):
                if job.state != "InProgress":  # aborted
                    out.unprocessed(itertools.chain(chunk, rows))
                    return
                # the job lock first, as every other path takes them: jobs run in parallel
                with self.jobs.lock, self.org.store.transaction():
                    results = write_chunk(self.org, job.info, plan, chunk)
                    failed = sum(1 for r in results if not r.success)
                    self.jobs.update(
                        job,
                        numberRecordsProcessed=job.info["numberRecordsProcessed"] + len(chunk),
                        numberRecordsFailed=job.info["numberRecordsFailed"] + failed,
                    )
                out.add(results, chunk)
        except csv.Error as exc:
            self._fail(job, f"InvalidBatch : CSV error: {exc}")
            return
        finally:
            out.close()
        took = elapsed_ms(started)
        with self.jobs.lock:
            if job.state == "InProgress":
                self.jobs.update(
                    job, state="JobComplete", totalProcessingTime=took, apiActiveProcessingTime=took
                )

    def _fail(self, job: Job, message: str) -> None:
        with self.jobs.lock:
            if job.state not in _FINAL:
                self.jobs.update(job, state="Failed", errorMessage=message)


class Upload:
    """One PUT of CSV data, written to its own file as it arrives."""

    def __init__(self, ingest: IngestJobs, job: Job, path: Path) -> None:
        self.ingest, self.job, self.path = ingest, job, path
        self.size = 0
        self.handle = path.open("wb")

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > MAX_UPLOAD_BYTES:
            self.discard()
            raise InvalidJob(f"Upload exceeds the limit of {MAX_UPLOAD_BYTES} bytes (150 MB)")
        self.handle.write(data)

    def finish(self) -> None:
        self.handle.close()
        try:
            self.ingest.add_part(self.job, self.path)
        except (errors.SalesforceError, csv.Error, UnicodeDecodeError) as exc:
            self.path.unlink(missing_ok=True)
            if isinstance(exc, errors.SalesforceError):
                raise
            raise InvalidJob(f"The uploaded data is not valid CSV: {exc}") from None

    def discard(self) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)


def _first_row(path: Path, info: dict) -> list[str]:
    rows = csvio.read_rows(path, info)
    header = next(rows, None)
    rows.close()
    if not header:
        raise InvalidJob("The uploaded CSV has no header row")
    return [name.strip() for name in header]
