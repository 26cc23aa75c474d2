"""The wire info of Bulk API 1.0 jobs and batches: the keys Salesforce returns (JSON's
alphabetical order; XML's order is in `classic_xml`) and their starting values."""

from __future__ import annotations

from crmlink.sandbox.salesforce.errors import ClassicError
from crmlink.sandbox.salesforce.models.bulk.jobs import api_version, stamp

CONTENT_TYPES = ("CSV", "XML", "JSON")
JOB_KEYS = [  # Salesforce's JSON order (alphabetical); XML has its own (classic_xml)
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


def content_type(body: dict) -> str:
    """The job's content type (XML when not given, as on Salesforce), or InvalidJob."""
    kind = str(body.get("contentType") or "XML")
    if kind not in CONTENT_TYPES:
        raise ClassicError("InvalidJob", f"The sandbox serves contentType CSV, XML or JSON: {kind}")
    return kind


def job_fields(body: dict, kind: str, ext: str | None, version: str) -> dict:
    """A new job's fields after `jobs.base_info`'s (id … systemModstamp)."""
    serial = body.get("concurrencyMode") in (1, "Serial")
    return {
        "state": "Open",
        "externalIdFieldName": ext,
        "concurrencyMode": "Serial" if serial else "Parallel",
        "contentType": kind,
        "apiVersion": api_version(version),
        "assignmentRuleId": body.get("assignmentRuleId") or None,
        "fastPathEnabled": False,
        "numberRetries": 0,
        "numberRecordsProcessed": 0,
        "numberRecordsFailed": 0,
        "totalProcessingTime": 0,
        "apiActiveProcessingTime": 0,
        "apexProcessingTime": 0,
    }


def batch_fields(batch_id: str, job_id: str) -> dict:
    """A new batch's info, Queued, in Salesforce's JSON order."""
    now = stamp()
    return {
        "apexProcessingTime": 0,
        "apiActiveProcessingTime": 0,
        "createdDate": now,
        "id": batch_id,
        "jobId": job_id,
        "numberRecordsFailed": 0,
        "numberRecordsProcessed": 0,
        "state": "Queued",
        "stateMessage": None,
        "systemModstamp": now,
        "totalProcessingTime": 0,
    }
