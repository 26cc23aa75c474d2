"""Bulk API 1.0 with the JSON content type: jobs, batches (processed as soon as they are
added, as Salesforce queues them), results, close/abort.

Query batches page their result in result sets of RESULT_ROWS records (Salesforce cuts at
1 GB); records are REST-shaped JSON with date and datetime values as epoch milliseconds,
as Bulk 1.0 JSON really returns them.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import cast

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.errors import ClassicError, InvalidJobState
from crmlink.sandbox.salesforce.models.bulk import classic_query
from crmlink.sandbox.salesforce.models.bulk.jobs import (
    BATCH_PREFIX,
    JOB_PREFIX,
    RESULT_PREFIX,
    Job,
    api_version,
    base_info,
    elapsed_ms,
    stamp,
)
from crmlink.sandbox.salesforce.models.bulk.writes import check_job_target, write_records

WRITE_CHUNK = 1000
JOB_KEYS = [
    "apexProcessingTime",
    "apiActiveProcessingTime",
    "apiVersion",
    "assignmentRuleId",
    "concurrencyMode",
    "contentType",
    "createdById",
    "createdDate",
    "externalIdFieldName",
    "fastPathEnabled",
    "id",
    "numberBatchesCompleted",
    "numberBatchesFailed",
    "numberBatchesInProgress",
    "numberBatchesQueued",
    "numberBatchesTotal",
    "numberRecordsFailed",
    "numberRecordsProcessed",
    "numberRetries",
    "object",
    "operation",
    "state",
    "systemModstamp",
    "totalProcessingTime",
]
_BATCH_COUNTS = {
    "Completed": "numberBatchesCompleted",
    "Failed": "numberBatchesFailed",
    "InProgress": "numberBatchesInProgress",
    "Queued": "numberBatchesQueued",
}


class ClassicJobs:
    def __init__(self, service) -> None:
        self.service = service
        self.org = service.org
        self.jobs = service.jobs

    def folder(self, job_id: str) -> Path:
        return self.service.folder / job_id

    # -- jobs -------------------------------------------------------------------------
    def create(self, body: dict, version: str) -> dict:
        operation = body.get("operation")
        if body.get("contentType", "CSV") != "JSON":
            raise ClassicError(
                "InvalidJob", "The sandbox serves Bulk API 1.0 with contentType JSON only"
            )
        if operation in ("query", "queryAll"):
            obj = self.org.catalog.get(str(body.get("object")))
            if obj is None:
                raise ClassicError("InvalidJob", f"Unable to find object: {body.get('object')}")
            ext = None
        else:
            obj, ext = check_job_target(
                self.org, body.get("object"), operation, body.get("externalIdFieldName")
            )
        job_id = self.jobs.new_id(JOB_PREFIX)
        # a query operation, or one check_job_target accepted: a string either way
        info = base_info(job_id, cast(str, operation), obj.name, self.org.user_id, version)
        info |= {
            "state": "Open",
            "externalIdFieldName": ext,
            "concurrencyMode": "Serial"
            if body.get("concurrencyMode") in (1, "Serial")
            else "Parallel",
            "contentType": "JSON",
            "apiVersion": api_version(version),
            "assignmentRuleId": None,
            "fastPathEnabled": False,
            "numberRetries": 0,
            "numberRecordsProcessed": 0,
            "numberRecordsFailed": 0,
            "totalProcessingTime": 0,
            "apiActiveProcessingTime": 0,
            "apexProcessingTime": 0,
        }
        return self.job_view(self.jobs.add(Job(job_id, "classic", info, {"batches": []})))

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
        return {key: info.get(key) for key in JOB_KEYS}

    def set_state(self, job_id: str, body: dict) -> dict:
        job, wanted = self.job(job_id), body.get("state")
        with self.jobs.lock:
            if wanted not in ("Closed", "Aborted") or job.state != "Open":
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
        payload = self._batch_payload(job, body)
        batch_id = self.jobs.new_id(BATCH_PREFIX)
        folder = self.folder(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{batch_id}-request.json").write_text(json.dumps(payload), encoding="utf-8")
        now = stamp()
        info = {
            "apexProcessingTime": 0,
            "apiActiveProcessingTime": 0,
            "createdDate": now,
            "id": batch_id,
            "jobId": job.id,
            "numberRecordsFailed": 0,
            "numberRecordsProcessed": 0,
            "state": "Queued",
            "stateMessage": None,
            "systemModstamp": now,
            "totalProcessingTime": 0,
        }
        batch = self.jobs.add(Job(batch_id, "batch", info, {}))
        with self.jobs.lock:
            job.private["batches"].append(batch_id)
            self.jobs.save(job)
        answer = dict(batch.info)  # Queued, whatever the run does next
        # a batch runs at its first look (or the next API call): no delay, as before
        self.jobs.schedule(batch, 0, lambda: self._run(job, batch), lambda m: self._fail(batch, m))
        return answer

    @staticmethod
    def _batch_payload(job: Job, body: bytes):
        if job.info["operation"] in ("query", "queryAll"):
            return body.decode("utf-8", errors="replace")
        try:
            records = json.loads(body or b"null")
        except ValueError as exc:
            raise ClassicError("InvalidBatch", f"Records not processed: {exc}") from None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ClassicError("InvalidBatch", "The batch must be a JSON array of records")
        if len(records) > 10_000:
            raise ClassicError("InvalidBatch", "Records exceeds the batch limit of 10000")
        return records

    def request(self, job_id: str, batch_id: str) -> Path:
        self.batch(job_id, batch_id)
        return self.folder(job_id) / f"{batch_id}-request.json"

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
        payload = json.loads(self.request(job.id, batch.id).read_text(encoding="utf-8"))
        if job.info["operation"] in ("query", "queryAll"):
            self._run_query(job, batch, payload)
        else:
            self._run_ingest(job, batch, payload)
        took = elapsed_ms(started)
        with self.jobs.lock:
            if batch.state == "InProgress":
                self.jobs.update(batch, state="Completed", totalProcessingTime=took)
            total = job.info["totalProcessingTime"] + took
            self.jobs.update(job, totalProcessingTime=total, apiActiveProcessingTime=total)

    def _run_ingest(self, job: Job, batch: Job, records: list[dict]) -> None:
        results = []
        clean = ({k: v for k, v in r.items() if k != "attributes"} for r in records)
        while chunk := list(itertools.islice(clean, WRITE_CHUNK)):
            written = write_records(self.org, job.info, chunk)
            failed = sum(1 for r in written if not r.success)
            results += [_result_json(r) for r in written]
            self._count(job, batch, len(chunk), failed)
        path = self.folder(job.id) / f"{batch.id}-result.json"
        path.write_text(json.dumps(results), encoding="utf-8")

    def _run_query(self, job: Job, batch: Job, soql: str) -> None:
        try:
            saved = classic_query.run(self.org, job.info, soql)
        except errors.SalesforceError as exc:
            message = f"InvalidBatch : Failed to process query: {exc.error_code}: {exc.message}"
            self._fail(batch, message)
            return
        with self.jobs.lock:
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
            if batch.state not in ("Completed", "Failed", "NotProcessed"):
                self.jobs.update(batch, state="Failed", stateMessage=message)

    # -- results ----------------------------------------------------------------------
    def result(self, job_id: str, batch_id: str):
        """Ingest: the per-record results (a file); query: the list of result ids."""
        job, batch = self.job(job_id), self.batch(job_id, batch_id)
        if batch.state != "Completed":
            raise ClassicError("InvalidBatch", f"Batch not completed: {batch.state}")
        if job.info["operation"] in ("query", "queryAll"):
            return batch.private["results"]
        return self.folder(job_id) / f"{batch_id}-result.json"

    def query_result(self, job_id: str, batch_id: str, result_id: str):
        job, batch = self.job(job_id), self.batch(job_id, batch_id)
        ids = batch.private.get("results") or []
        if result_id not in ids:
            raise ClassicError("InvalidBatch", f"Invalid result id: {result_id}")
        return classic_query.stream(self.org, job.info, batch.private, ids.index(result_id))


def _result_json(result) -> dict:
    return {
        "success": result.success,
        "created": result.created,
        "id": result.id if result.success else None,
        "errors": [e.record_error() for e in result.errors],
    }


__all__ = ["ClassicError", "ClassicJobs", "InvalidJobState"]
