"""Bulk API 2.0 ingest: rows spooled to temporary files (never all in memory), one job
per part of at most `job_rows` rows, results joined back to input positions.

Joining: Bulk 2.0 result files come in no particular order, but each result row echoes
the cells we uploaded. While writing a part we keep, per input row, a 16-byte digest of
its cells -> the queue of input positions with those cells; each result row pops the
first position of its digest. Identical input rows are interchangeable, so giving them
positions in arrival order is exact. Memory is a digest and an int per row of one part.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from pathlib import Path

from crmlink.connectors.salesforce import errors, values
from crmlink.connectors.salesforce.bulk import BulkJobFailed, PollPolicy, csv_lines, wait
from crmlink.connectors.salesforce.http import SalesforceHttp
from crmlink.errors import RemoteError, UsageError
from crmlink.filters.validate import unknown_field
from crmlink.model import Reject, RemoteTable, WriteResult

RESULT_KINDS = ("successfulResults", "failedResults", "unprocessedrecords")


def digest(cells: list[str]) -> bytes:
    return hashlib.blake2b(json.dumps(cells).encode(), digest_size=16).digest()


class FileBody:
    """A file sent as a request body in chunks; iterable again for a replay."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                yield chunk


class Part:
    """One job's rows: a CSV file and the digest -> positions index."""

    def __init__(self, folder: Path, number: int, header: list[str]) -> None:
        self.path = folder / f"part-{number}.csv"
        self.handle = self.path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow(header)
        self.index: dict[bytes, deque[int]] = defaultdict(deque)
        self.positions: list[int] = []

    def add(self, position: int, cells: list[str]) -> None:
        self.writer.writerow(cells)
        self.index[digest(cells)].append(position)
        self.positions.append(position)

    def close(self) -> None:
        self.handle.close()


class BulkIngest:
    def __init__(self, http: SalesforceHttp, poll: PollPolicy, job_rows: int = 100_000) -> None:
        self.http, self.poll, self.job_rows = http, poll, job_rows

    def write(
        self,
        table: RemoteTable,
        rows: Iterable[tuple[int, dict]],
        operation: str,
        key: str | None = None,
    ) -> Iterator[WriteResult]:
        with tempfile.TemporaryDirectory(prefix="crmlink-bulk-") as folder:
            spool, header = _spool(Path(folder), rows, table)
            for part in self._parts(Path(folder), spool, header):
                yield from self._run(table, part, operation, key)
                part.path.unlink()

    def _parts(self, folder: Path, spool: Path, header: list[str]) -> Iterator[Part]:
        part: Part | None = None
        with spool.open(encoding="utf-8") as lines:
            for line in lines:
                position, row = json.loads(line)
                if part is None or len(part.positions) >= self.job_rows:
                    if part is not None:
                        part.close()
                        yield part
                    part = Part(folder, position, header)
                part.add(position, [_cell(row, name) for name in header])
        if part is not None:
            part.close()
            yield part

    def _run(
        self, table: RemoteTable, part: Part, operation: str, key: str | None
    ) -> Iterator[WriteResult]:
        body = {"object": table.name, "operation": operation, "contentType": "CSV"}
        body |= {"columnDelimiter": "COMMA", "lineEnding": "LF"}
        if operation == "upsert":
            body["externalIdFieldName"] = key or "Id"
        job = self.http.json("POST", self.http.data("jobs/ingest"), json=body)
        url = self.http.data("jobs/ingest", str(job["id"]))
        size = str(os.path.getsize(part.path))
        headers = {"Content-Type": "text/csv", "Content-Length": size}
        self.http.request("PUT", f"{url}/batches", content=FileBody(part.path), headers=headers)
        self.http.request("PATCH", url, json={"state": "UploadComplete"})
        info = wait(self.http, url, self.poll)
        results = self._collect(url, part)
        yield from _in_order(part, results, info)

    def _collect(self, url: str, part: Part) -> dict[int, WriteResult]:
        found: dict[int, WriteResult] = {}
        for kind in RESULT_KINDS:
            with self.http.stream("GET", f"{url}/{kind}") as response:
                reader = csv.reader(csv_lines(response.iter_text()), strict=True)
                next(reader, None)
                for cells in reader:
                    _join(part, kind, cells, found)
        return found


def _join(part: Part, kind: str, cells: list[str], found: dict[int, WriteResult]) -> None:
    data = cells if kind == "unprocessedrecords" else cells[2:]
    queue = part.index.get(digest(data))
    if not queue:
        raise RemoteError(f"a Bulk result row matches no uploaded row ({kind})", code="BULK_JOIN")
    position = queue.popleft()
    if kind == "successfulResults":
        created = cells[1].lower() == "true"
        found[position] = WriteResult(position, cells[0] or None, True, created)
    elif kind == "failedResults":
        error = errors.bulk_reject(cells[1])
        found[position] = WriteResult(position, cells[0] or None, False, error=error)


def _in_order(part: Part, found: dict[int, WriteResult], info: dict) -> Iterator[WriteResult]:
    """The job's results in input order. Rows a Failed or Aborted job never processed are
    not rejects (they were never tried, and a rerun must send them): once the processed
    rows' results are given, the job's failure is raised."""
    why = info.get("errorMessage") or f"the Bulk job ended {info['state']}"
    failed = info["state"] in ("Failed", "Aborted")
    untried = 0
    for position in part.positions:
        result = found.get(position)
        if result is None and failed:
            untried += 1
            continue
        if result is None:
            result = WriteResult(position, None, False, error=Reject("UNPROCESSED", why))
        yield result
    if untried:
        raise BulkJobFailed(
            f"Bulk job {info['id']} ended {info['state']} ({why}) before processing "
            f"{untried} rows: they were not written; rerun to send them",
            code="BULK_JOB_FAILED",
        )


def _spool(
    folder: Path, rows: Iterable[tuple[int, dict]], table: RemoteTable
) -> tuple[Path, list[str]]:
    """Rows to a JSON-lines file; the header is every column seen, as the describe
    spells it."""
    path, header, seen = folder / "rows.jsonl", [], set()
    with path.open("w", encoding="utf-8") as out:
        for position, row in rows:
            clean = {}
            for name, value in row.items():
                canonical = _column(table, name)
                if canonical not in seen:
                    seen.add(canonical)
                    header.append(canonical)
                clean[canonical] = values.to_json(value)
            out.write(json.dumps([position, clean]) + "\n")
    return path, header


def _column(table: RemoteTable, name: str) -> str:
    field = table.field(name)
    if field is None:
        raise UsageError(unknown_field(table, name), object=table.name, field=name)
    return field.name


def _cell(row: dict, name: str) -> str:
    if name not in row:
        return ""  # left unchanged
    value = row[name]
    return values.BULK_NULL if value is None or value == "" else values.to_csv(value)
