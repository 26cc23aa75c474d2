"""Bulk API 1.0 batch bodies in the job's content type: checked when added, kept as sent
(the batch's `/request` answers them back), turned into writes when the batch runs.

Ingest bodies: a JSON array of records, an XML `<sObjects>` list or a CSV file (header row
of field names, `#N/A` for null, empty values left out); query bodies: the SOQL text.
Salesforce's limits per batch: 10,000 records, 10 MB.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from functools import partial
from typing import Any

from crmlink.sandbox.salesforce.errors import ClassicError
from crmlink.sandbox.salesforce.models.bulk import classic_xml, csvio
from crmlink.sandbox.salesforce.models.bulk.writes import (
    BadBatch,
    plan_columns,
    write_chunk,
    write_records,
)

MAX_RECORDS = 10_000
MAX_BYTES = 10_000_000
WRITE_CHUNK = 1000
QUERY_OPERATIONS = ("query", "queryAll")


def is_query(info: dict) -> bool:
    return info["operation"] in QUERY_OPERATIONS


def check(info: dict, body: bytes) -> None:
    """Refuse a body the batch could never process (ClassicError InvalidBatch)."""
    if len(body) > MAX_BYTES:
        raise ClassicError("InvalidBatch", f"Batch size exceeds the limit of {MAX_BYTES} bytes")
    if is_query(info):
        if not body.decode("utf-8", errors="replace").strip():
            raise ClassicError("InvalidBatch", "A query batch needs a SOQL query")
        return
    count = len(_csv(body)[1]) if info["contentType"] == "CSV" else len(records(info, body))
    if count > MAX_RECORDS:
        raise ClassicError("InvalidBatch", f"Records exceeds the batch limit of {MAX_RECORDS}")


def _csv(body: bytes) -> tuple[list[str], list[list[str]]]:
    return csvio.parse_classic(body)


def records(info: dict, body: bytes) -> list[dict]:
    """The records of a JSON or XML ingest batch (REST `attributes` dropped)."""
    if info["contentType"] == "XML":
        return classic_xml.parse_records(body)
    try:
        found = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ClassicError("InvalidBatch", f"Records not processed: {exc}") from None
    if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
        raise ClassicError("InvalidBatch", "The batch must be a JSON array of records")
    return [{k: v for k, v in r.items() if k != "attributes"} for r in found]


def run_ingest(org, info: dict, body: bytes, count) -> list[dict]:
    """Write a batch's records WRITE_CHUNK at a time; `count(processed, failed)` after each
    chunk. The per-record results, in order; BadBatch if the CSV header cannot be used."""
    if info["contentType"] == "CSV":
        header, rows = _csv(body)
        write = partial(write_chunk, org, info, plan_columns(org, info, header))
        items: Iterator[Any] = iter(rows)
    else:
        write = partial(write_records, org, info)
        items = iter(records(info, body))
    results: list[dict] = []
    while chunk := list(itertools.islice(items, WRITE_CHUNK)):
        written = write(chunk)
        results += [_result(r) for r in written]
        count(len(chunk), sum(1 for r in written if not r.success))
    return results


def _result(result) -> dict:
    return {
        "success": result.success,
        "created": result.created,
        "id": result.id if result.success else None,
        "errors": [e.record_error() for e in result.errors],
    }


__all__ = ["BadBatch", "check", "is_query", "records", "run_ingest"]
