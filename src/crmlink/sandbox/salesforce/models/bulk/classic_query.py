"""Bulk API 1.0 query batches: materialise the result (a PK chunk's id range bound in), cut
it into result sets, stream each set in the job's content type: a JSON array of REST-shaped
records (dates as epoch milliseconds), CSV (every value quoted; an empty result is Bulk
1.0's "Records not found for this query") or XML `<queryResult>`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from crmlink.sandbox.salesforce.errors import ClassicError
from crmlink.sandbox.salesforce.models.bulk import classic_xml, csvio, cursor, pk_chunking
from crmlink.sandbox.salesforce.models.soql import CompiledQuery, compile_query
from crmlink.sandbox.salesforce.models.values import parse_datetime

RESULT_ROWS = 50_000  # records per result set (Salesforce cuts result files at 1 GB)
_DATE_TYPES = ("date", "datetime")


def _compile(org, info: dict, soql: str) -> CompiledQuery:
    include_deleted = info["operation"] == "queryAll"
    return compile_query(soql, org.catalog, include_deleted=include_deleted, now=org.now())


def check(org, info: dict, soql: str) -> CompiledQuery:
    """The compiled query of a batch, or the error that fails the batch."""
    query = _compile(org, info, soql)
    query.check_bulk_compatible()
    if query.object.name != info["object"]:
        raise ClassicError("InvalidBatch", f"The query is not on the job's object {info['object']}")
    return query


def run(org, info: dict, soql: str, id_range: list | None = None) -> dict:
    """Check and materialise the query (within a PK chunk's `[column, lower, upper]`);
    the saved cursor (with the SOQL)."""
    query = check(org, info, soql)
    if id_range:
        query = pk_chunking.restrict(query, *id_range)
    return cursor.materialise_job(org, query, soql, info["operation"] == "queryAll")


def result_sets(total: int) -> range:
    """One result id per RESULT_ROWS records; an empty result still has one (empty) set."""
    return range(max(1, -(-total // RESULT_ROWS)))


def stream(org, info: dict, private: dict, index: int) -> Iterator[bytes]:
    saved = private["cursor"]
    query = _compile(org, info, saved["soql"])
    start = index * RESULT_ROWS
    count = max(0, min(RESULT_ROWS, saved["total"] - start))
    version = f"{info['apiVersion']:.1f}"
    kind = info["contentType"]
    if kind == "CSV":
        return _csv(org, query, saved, start, count)
    rows = cursor.chunks(org.store, query, saved, start, count)
    if kind == "XML":
        records = ([query.to_record(row, version) or {} for row in chunk] for chunk in rows)
        return classic_xml.query_result(records, _datetime_fields(org.catalog))
    return _json_array(org, query, rows, version)


def _csv(org, query, saved, start, count) -> Iterator[bytes]:
    if count == 0:
        return iter([csvio.NO_RECORDS])
    rows = cursor.chunks(org.store, query, saved, start, count)
    return csvio.stream_rows(csvio.CLASSIC, query.csv_header(), rows, query.to_csv_row)


def _datetime_fields(catalog) -> set[tuple[str, str]]:
    return {
        (obj.name, f.name)
        for obj in catalog.objects()
        for f in obj.fields.values()
        if f.type == "datetime"
    }


def _json_array(org, query, chunks, version) -> Iterator[bytes]:
    yield b"["
    first = True
    for rows in chunks:
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
