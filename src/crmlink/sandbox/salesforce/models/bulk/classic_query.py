"""Bulk API 1.0 query batches: materialise the result, cut it into result sets, stream each
set as a JSON array of REST-shaped records (dates as epoch milliseconds)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from crmlink.sandbox.salesforce.errors import ClassicError
from crmlink.sandbox.salesforce.models.bulk import cursor
from crmlink.sandbox.salesforce.models.soql import CompiledQuery, compile_query
from crmlink.sandbox.salesforce.models.values import parse_datetime

RESULT_ROWS = 50_000  # records per result set (Salesforce cuts result files at 1 GB)
_DATE_TYPES = ("date", "datetime")


def _compile(org, info: dict, soql: str) -> CompiledQuery:
    include_deleted = info["operation"] == "queryAll"
    return compile_query(soql, org.catalog, include_deleted=include_deleted, now=org.now())


def run(org, info: dict, soql: str) -> dict:
    """Check and materialise the query; the saved cursor (with the SOQL)."""
    query = _compile(org, info, soql)
    query.check_bulk_compatible()
    if query.object.name != info["object"]:
        raise ClassicError("InvalidBatch", f"The query is not on the job's object {info['object']}")
    saved = cursor.materialise_job(org, query, soql, info["operation"] == "queryAll")
    return saved


def result_sets(total: int) -> range:
    """One result id per RESULT_ROWS records; an empty result still has one (empty) set."""
    return range(max(1, -(-total // RESULT_ROWS)))


def stream(org, info: dict, private: dict, index: int) -> Iterator[bytes]:
    saved = private["cursor"]
    query = _compile(org, info, saved["soql"])
    start = index * RESULT_ROWS
    count = max(0, min(RESULT_ROWS, saved["total"] - start))
    version = f"{info['apiVersion']:.1f}"
    return _json_array(org, query, saved, start, count, version)


def _json_array(org, query, saved, start, count, version) -> Iterator[bytes]:
    yield b"["
    first = True
    for rows in cursor.chunks(org.store, query, saved, start, count):
        records = [epoch_dates(org.catalog, query.to_record(row, version)) for row in rows]
        text = json.dumps(records)[1:-1]
        if text:
            yield (text if first else "," + text).encode("utf-8")
            first = False
    yield b"]"


def epoch_dates(catalog, record: dict | None) -> dict | None:
    """Date and datetime values as milliseconds since the epoch, in nested parents too."""
    if not record:
        return record
    obj = catalog.get((record.get("attributes") or {}).get("type") or "")
    for key, value in record.items():
        if isinstance(value, dict) and "attributes" in value:
            epoch_dates(catalog, value)
            continue
        field = obj.field(key) if obj is not None and key != "attributes" else None
        if field is not None and field.type in _DATE_TYPES and isinstance(value, str):
            record[key] = _epoch_ms(value)
    return record


def _epoch_ms(text: str) -> int:
    moment = parse_datetime(text)
    return int((moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() * 1000)
