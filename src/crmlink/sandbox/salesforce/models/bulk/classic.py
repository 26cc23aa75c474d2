"""Bulk API 1.0 jobs in every content type (CSV, XML, JSON): jobs, batches (processed as
soon as they are added, as Salesforce queues them), results, close/abort, PK chunking.

The model works with dicts (the job's wire info, in Salesforce's JSON key order) and the
batch bodies as sent; `routes/bulk1.py` parses requests and renders answers in XML or JSON.
Query batches page their result in result sets of RESULT_ROWS records (Salesforce cuts at
1 GB).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import cast

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.errors import ClassicError, InvalidJobState
from crmlink.sandbox.salesforce.models.bulk import (
    classic_batches,
    classic_info,
    classic_query,
    cursor,
    pk_chunking,
)
from crmlink.sandbox.salesforce.models.bulk.jobs import (
    BATCH_PREFIX,
    JOB_PREFIX,
    RESULT_PREFIX,
    Job,
    base_info,
    elapsed_ms,
)
from crmlink.sandbox.salesforce.models.bulk.writes import BadBatch, check_job_target

_BATCH_COUNTS = {
    "Completed": "numberBatchesCompleted",
    "Failed": "numberBatchesFailed",
    "InProgress": "numberBatchesInProgress",
    "Queued": "numberBatchesQueued",
}
_DONE = ("Completed", "Failed", "NotProcessed")
_STATE_CHANGES = {"Closed": ("Open",), "Aborted": ("Open", "Closed")}


class ClassicJobs:
    def __init__(self, service) -> None:
        self.service = service
        self.org = service.org
        self.jobs = service.jobs

    def folder(self, job_id: str) -> Path:
        return self.service.folder / job_id

    # -- jobs -------------------------------------------------------------------------
    def create(self, body: dict, version: str, pk_header: str | None = None) -> dict:
        """A new job from a request body (parsed from JSON or XML) and the
        `Sforce-Enable-PKChunking` header."""
        operation, kind = body.get("operation"), classic_info.content_type(body)
        if operation in classic_batches.QUERY_OPERATIONS:
            obj = self.org.catalog.get(str(body.get("object")))
            if obj is None:
                raise ClassicError("InvalidJob", f"Unable to find object: {body.get('object')}")
            ext, chunking = None, pk_chunking.parse_header(pk_header)
        else:
            obj, ext = check_job_target(
                self.org, body.get("object"), operation, body.get("externalIdFieldName")
            )
            chunking = None  # Salesforce chunks query jobs only
        job_id = self.jobs.new_id(JOB_PREFIX)
        # a query operation, or one check_job_target accepted: a string either way
        info = base_info(job_id, cast(str, operation), obj.name, self.org.user_id, version)
        info |= classic_info.job_fields(body, kind, ext, version)
        private: dict = {"batches": [], "pk_chunking": chunking}
        return self.job_view(self.jobs.add(Job(job_id, "classic", info, private)))

    def job(self, job_id: str) -> Job:
        try:
            return self.jobs.get(job_id, ("classic",))
        except errors.NotFound:
            raise ClassicError("InvalidJob", f"Invalid job id: {job_id}") from None

    def job_view(self, job: Job) -> dict:
        counts = dict.fromkeys(_BATCH_COUNTS.values(), 0)
        batches = self.batches(job)
        for batch in batches:
            key = _BATCH_COUNTS.get(batch.state)
            if key:
                counts[key] += 1
        info = {**job.info, **counts, "numberBatchesTotal": len(batches)}
        return {key: info.get(key) for key in classic_info.JOB_KEYS}

    def set_state(self, job_id: str, body: dict) -> dict:
        job, wanted = self.job(job_id), body.get("state")
        with self.jobs.lock:
            if job.state not in _STATE_CHANGES.get(str(wanted), ()):
                raise ClassicError(
                    "InvalidJobState", f"Invalid state change from {job.state} to {wanted}"
                )
            self.jobs.update(job, state=wanted)
        return self.job_view(job)

    # -- batches ----------------------------------------------------------------------
    def batches(self, job: Job) -> list[Job]:
        return [self.jobs.get(b, ("batch",)) for b in list(job.private["batches"])]

    def batch(self, job_id: str, batch_id: str) -> Job:
        job = self.job(job_id)
        if batch_id not in job.private["batches"]:
            raise ClassicError("InvalidBatch", f"Invalid batch id: {batch_id}")
        return self.jobs.get(batch_id, ("batch",))

    def add_batch(self, job_id: str, body: bytes) -> dict:
        job = self.job(job_id)
        if job.state != "Open":
            raise ClassicError("InvalidJobState", f"Job {job_id} is not open: {job.state}")
        classic_batches.check(job.info, body)
        return self._new_batch(job, body, {})

    def _new_batch(self, job: Job, body: bytes, private: dict) -> dict:
        """Store a batch's body, queue it; its info as added (Queued)."""
        batch_id = self.jobs.new_id(BATCH_PREFIX)
        folder = self.folder(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{batch_id}-request").write_bytes(body)
        info = classic_info.batch_fields(batch_id, job.id)
        batch = self.jobs.add(Job(batch_id, "batch", info, private))
        with self.jobs.lock:
            job.private["batches"].append(batch_id)
            self.jobs.prolong(job)  # kept until its youngest batch is 7 days old
        answer = dict(batch.info)  # Queued, whatever the run does next
        # a batch runs at its first look (or the next API call): no delay, as before
        self.jobs.schedule(batch, 0, lambda: self._run(job, batch), lambda m: self._fail(batch, m))
        return answer

    def request(self, job_id: str, batch_id: str) -> Path:
        self.batch(job_id, batch_id)
        return self.folder(job_id) / f"{batch_id}-request"

    # -- processing -------------------------------------------------------------------
    def _run(self, job: Job, batch: Job) -> None:
        started = time.monotonic()
        self.jobs.update(batch, state="InProgress")
        if job.state == "Aborted":
            self.jobs.update(batch, state="NotProcessed")
            return
        if self.service.roll_failure():
            self._fail(batch, "InternalServerError : the batch failed (sandbox fault bulk_fail)")
            return
        body = self.request(job.id, batch.id).read_bytes()
        if not classic_batches.is_query(job.info):
            self._run_ingest(job, batch, body)
        elif job.private.get("pk_chunking") and "range" not in batch.private:
            self._chunk(job, batch, body.decode("utf-8", errors="replace"))
        else:
            self._run_query(job, batch, body.decode("utf-8", errors="replace"))
        took = elapsed_ms(started)
        with self.jobs.lock:
            if batch.state == "InProgress":
                self.jobs.update(batch, state="Completed", totalProcessingTime=took)
            total = job.info["totalProcessingTime"] + took
            self.jobs.update(job, totalProcessingTime=total, apiActiveProcessingTime=total)

    def _run_ingest(self, job: Job, batch: Job, body: bytes) -> None:
        try:
            results = classic_batches.run_ingest(
                self.org, job.info, body, lambda n, failed: self._count(job, batch, n, failed)
            )
        except (BadBatch, ClassicError) as exc:
            self._fail(batch, exc.message if isinstance(exc, ClassicError) else str(exc))
            return
        path = self.folder(job.id) / f"{batch.id}-result.json"
        path.write_text(json.dumps(results), encoding="utf-8")

    def _chunk(self, job: Job, batch: Job, soql: str) -> None:
        """PK chunking: one batch per id range; the batch the client added is not run."""
        options = job.private["pk_chunking"]
        try:
            query = classic_query.check(self.org, job.info, soql)
            ranged, column = pk_chunking.chunk_field(self.org.catalog, query.object, options)
            bounds = pk_chunking.ranges(self.org.store, ranged, options)
        except errors.SalesforceError as exc:
            self._fail(batch, _batch_message(exc))
            return
        for lower, upper in bounds:
            self._new_batch(job, soql.encode("utf-8"), {"range": [column, lower, upper]})
        self.jobs.update(batch, state="NotProcessed")

    def _run_query(self, job: Job, batch: Job, soql: str) -> None:
        try:
            saved = classic_query.run(self.org, job.info, soql, batch.private.get("range"))
        except errors.SalesforceError as exc:
            self._fail(batch, _batch_message(exc))
            return
        with self.jobs.lock:
            if not self.jobs.holds(batch):  # the job expired meanwhile
                cursor.drop(self.org, saved)
                return
            batch.private["cursor"] = saved
            batch.private["results"] = [
                self.jobs.new_id(RESULT_PREFIX) for _ in classic_query.result_sets(saved["total"])
            ]
            self._count(job, batch, saved["total"], 0)

    def _count(self, job: Job, batch: Job, processed: int, failed: int) -> None:
        with self.jobs.lock:
            for item in (job, batch):
                self.jobs.update(
                    item,
                    numberRecordsProcessed=item.info["numberRecordsProcessed"] + processed,
                    numberRecordsFailed=item.info["numberRecordsFailed"] + failed,
                )

    def _fail(self, batch: Job, message: str) -> None:
        with self.jobs.lock:
            if batch.state not in _DONE:
                self.jobs.update(batch, state="Failed", stateMessage=message)

    # -- results ----------------------------------------------------------------------
    def result(self, job_id: str, batch_id: str) -> list:
        """Ingest: the per-record results; query: the list of result ids."""
        job, batch = self.job(job_id), self.batch(job_id, batch_id)
        if batch.state != "Completed":
            raise ClassicError("InvalidBatch", f"Batch not completed: {batch.state}")
        if classic_batches.is_query(job.info):
            return batch.private["results"]
        path = self.folder(job_id) / f"{batch_id}-result.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def query_result(self, job_id: str, batch_id: str, result_id: str):
        job, batch = self.job(job_id), self.batch(job_id, batch_id)
        ids = batch.private.get("results") or []
        if result_id not in ids:
            raise ClassicError("InvalidBatch", f"Invalid result id: {result_id}")
        return classic_query.stream(self.org, job.info, batch.private, ids.index(result_id))


def _batch_message(exc: errors.SalesforceError) -> str:
    """A query batch's stateMessage, as Salesforce words it."""
    if isinstance(exc, ClassicError):
        return f"{exc.error_code} : {exc.message}"
    return f"InvalidBatch : Failed to process query: {exc.error_code}: {exc.message}"


__all__ = ["ClassicError", "ClassicJobs", "InvalidJobState"]
