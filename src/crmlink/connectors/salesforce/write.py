"""Writes and deletes: sObject Collections (`/composite/sobjects`, 200 records a call,
`allOrNone: false`) for small sets, Bulk 2.0 ingest at or above the threshold.

Rows are buffered only up to the threshold to choose; past it they stream to the Bulk
jobs' files (a fixed number of jobs' rows at a time, whatever the row count).
Results come back one per input row, in input order (`WriteResult.index`).

Collections calls run `COLLECTION_WORKERS` at a time (`connectors/parallel.ordered`): the
round trips overlap, the results still come in input order. A crash therefore leaves at
most `COLLECTION_WORKERS` calls (x 200 rows) in doubt, not one. The limit that matters is
Salesforce's 25 concurrent requests lasting 20 s or more per org: a Collections call of
200 records takes well under a second, so a handful in flight stays far below it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Sized
from typing import Any, TypeVar

from crmlink.connectors.parallel import ordered
from crmlink.connectors.salesforce import errors, values
from crmlink.connectors.salesforce.http import SalesforceHttp
from crmlink.connectors.salesforce.ingest import BulkIngest
from crmlink.connectors.salesforce.spec import SPEC
from crmlink.connectors.writing import match_key
from crmlink.errors import UsageError
from crmlink.filters.validate import unknown_field
from crmlink.model import Reject, RemoteTable, WriteMode, WriteResult

T = TypeVar("T")
COLLECTION_SIZE = SPEC.capabilities.write_batch_size  # records of one sObject Collections call
COLLECTION_WORKERS = 6  # Collections calls in flight (measured: tests/speed/measure_export.py)


class Writer:
    def __init__(
        self,
        http: SalesforceHttp,
        ingest: BulkIngest,
        bulk_threshold: int,
        workers: int = COLLECTION_WORKERS,
    ) -> None:
        self.http, self.ingest, self.bulk_threshold = http, ingest, bulk_threshold
        self.workers = workers

    def write(
        self, table: RemoteTable, rows: Iterable[dict], mode: WriteMode, key: str | None
    ) -> Iterator[WriteResult]:
        key_field = match_key(table, mode, key, "external ID field")
        numbered = enumerate(rows)
        head = list(itertools.islice(numbered, self.bulk_threshold))
        if len(head) >= self.bulk_threshold:
            everything = _then(head, numbered)  # the first rows let go as the jobs take them
            count = len(rows) if isinstance(rows, Sized) else None  # to size the jobs
            yield from self.ingest.write(table, everything, str(mode), key_field, count)
            return
        calls = (
            functools.partial(self._collection, table, batch, mode, key_field)
            for batch in _chunks(head)
        )
        for results in ordered(calls, self.workers):
            yield from results

    def delete(self, table: RemoteTable, ids: Iterable[str]) -> Iterator[WriteResult]:
        numbered = enumerate(ids)
        head = list(itertools.islice(numbered, self.bulk_threshold))
        if len(head) >= self.bulk_threshold:
            rows = ((i, {"Id": record_id}) for i, record_id in itertools.chain(head, numbered))
            count = len(ids) if isinstance(ids, Sized) else None
            yield from self.ingest.write(table, rows, "delete", None, count)
            return
        calls = (functools.partial(self._delete, batch) for batch in _chunks(head))
        for results in ordered(calls, self.workers):
            yield from results

    # -- sObject Collections ----------------------------------------------------------
    def _collection(
        self,
        table: RemoteTable,
        batch: list[tuple[int, dict[str, Any]]],
        mode: WriteMode,
        key: str | None,
    ) -> list[WriteResult]:
        sendable, results = [], {}
        for position, row in batch:
            record = _record(table, row)
            if key and not record.get(key):
                reason = f"the row has no {key} value, which {mode} needs"
                results[position] = WriteResult(position, None, False, error=_missing(key, reason))
                continue
            sendable.append((position, {"attributes": {"type": table.name}, **record}))
        if sendable:
            answers = self._send(table, [r for _, r in sendable], mode, key)
            for (position, _), answer in zip(sendable, answers, strict=True):
                results[position] = _result(position, answer, mode)
        return [results[position] for position, _ in batch]

    def _send(
        self, table: RemoteTable, records: list[dict], mode: WriteMode, key: str | None
    ) -> Any:
        body = {"allOrNone": False, "records": records}
        url = self.http.data("composite/sobjects")
        if mode == WriteMode.INSERT:
            return self.http.json("POST", url, idempotent=False, json=body)
        if mode == WriteMode.UPSERT:
            url = self.http.data("composite/sobjects", table.name, key or "Id")
        return self.http.json("PATCH", url, json=body)

    def _delete(self, batch: list[tuple[int, str]]) -> list[WriteResult]:
        params = {"ids": ",".join(i for _, i in batch), "allOrNone": "false"}
        answers = self.http.json("DELETE", self.http.data("composite/sobjects"), params=params)
        found = []
        for (position, record_id), answer in zip(batch, answers, strict=True):
            result = _result(position, answer, WriteMode.UPDATE)
            found.append(
                WriteResult(position, result.id or record_id, result.success, error=result.error)
            )
        return found


def _then(head: list[T], rest: Iterator[T]) -> Iterator[T]:
    """`head`'s items (removed from it as they are given), then `rest`'s."""
    head.reverse()
    while head:
        yield head.pop()
    yield from rest


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), COLLECTION_SIZE):
        yield items[start : start + COLLECTION_SIZE]


def _record(table: RemoteTable, row: dict) -> dict:
    record = {}
    for name, value in row.items():
        field = table.field(name)
        if field is None:
            raise UsageError(unknown_field(table, name), object=table.name, field=name)
        record[field.name] = values.to_json(value)
    return record


def _missing(key: str, reason: str) -> Reject:
    return Reject("MISSING_KEY", reason, (key,))


def _result(position: int, answer: dict, mode: WriteMode) -> WriteResult:
    if answer.get("success"):
        created = bool(answer.get("created", mode == WriteMode.INSERT))
        return WriteResult(position, answer.get("id"), True, created)
    first = (answer.get("errors") or [{}])[0]
    return WriteResult(position, answer.get("id"), False, error=errors.reject(first))
