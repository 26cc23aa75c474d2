"""Writing bulk records through `org.write_many`: the job's target checks, the CSV header
plan, rows to records, and hardDelete's purge. Shared by Bulk 2.0 and Bulk 1.0."""

from __future__ import annotations

from dataclasses import dataclass

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.errors import InvalidJob
from crmlink.sandbox.salesforce.models.describes import ObjectMeta, quote_ident
from crmlink.sandbox.salesforce.models.org import RecordResult

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
NULL = "#N/A"


class BadBatch(Exception):
    """The whole batch cannot be processed (the job or batch fails with this message)."""


def check_job_target(org, object_name, operation, ext_field) -> tuple[ObjectMeta, str | None]:
    """The object and external id field of a new ingest job, or InvalidJob."""
    if operation not in OPERATIONS:
        raise InvalidJob(f"Invalid operation: {operation}")
    obj = org.catalog.get(object_name) if isinstance(object_name, str) else None
    if obj is None:
        raise InvalidJob(f"Unable to find object: {object_name}")
    if operation != "upsert":
        return obj, None
    field = obj.field(ext_field) if isinstance(ext_field, str) and ext_field else None
    if field is None or not (field.flag("externalId") or field.flag("idLookup")):
        raise InvalidJob(
            f"Field name provided, {ext_field} does not match an External ID, Salesforce Id, "
            f"or indexed field for {obj.name}"
        )
    return obj, field.name


@dataclass
class ColumnPlan:
    obj: ObjectMeta
    names: list[str]  # the field name of each CSV column


def plan_columns(org, info: dict, header: list[str]) -> ColumnPlan:
    obj = org.catalog.get(info["object"])
    names = []
    for column in header:
        field = obj.field(column)
        if field is None:
            raise BadBatch(f"InvalidBatch : Field name not found : {column}")
        names.append(field.name)
    if info["operation"] in ("delete", "hardDelete") and "Id" not in names:
        raise BadBatch("InvalidBatch : Field name not found : Id")
    return ColumnPlan(obj, names)


def row_record(plan: ColumnPlan, row: list[str], operation: str) -> dict:
    """A CSV row as a record: empty values left out, `#N/A` as null."""
    if operation in ("delete", "hardDelete"):
        return {"Id": row[plan.names.index("Id")]}
    return {
        name: (None if value == NULL else value)
        for name, value in zip(plan.names, row, strict=True)
        if value != ""
    }


def write_chunk(org, info: dict, plan: ColumnPlan, rows: list[list[str]]) -> list[RecordResult]:
    """Write CSV rows; results in row order (rows of the wrong width fail alone)."""
    width = len(plan.names)
    operation = info["operation"]
    good = [i for i, row in enumerate(rows) if len(row) == width]
    records = [row_record(plan, rows[i], operation) for i in good]
    written = iter(write_records(org, info, records))
    results = []
    for row in rows:
        if len(row) == width:
            results.append(next(written))
        else:
            err = errors.InvalidFieldValue(
                f"Wrong number of columns in row: {len(row)}, the header has {width}"
            )
            results.append(RecordResult(id=None, success=False, errors=[err]))
    return results


def write_records(org, info: dict, records: list[dict]) -> list[RecordResult]:
    """`org.write_many` for a job's operation, in one transaction (joined if one is open)."""
    operation = info["operation"]
    obj_name, ext = info["object"], info.get("externalIdFieldName")
    with org.store.transaction() as conn:
        op = "delete" if operation == "hardDelete" else operation
        results = org.write_many(obj_name, op, records, ext_field=ext)
        if operation == "hardDelete":
            _purge(conn, org.catalog.get(obj_name), [r.id for r in results if r.success])
    return results


def _purge(conn, obj: ObjectMeta, ids: list[str]) -> None:
    """hardDelete: the rows leave the recycle bin at once."""
    table = quote_ident(obj.table)
    conn.executemany(f'DELETE FROM {table} WHERE "Id" = ?', [(i,) for i in ids])
