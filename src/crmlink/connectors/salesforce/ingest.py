"""Bulk API 2.0 ingest: rows cut into parts as they come (one part's rows in memory while
its CSV file is written, never all rows), one job per part of at most `job_rows` rows,
results joined back to input positions.

Parallel jobs: the rows are cut into parts of `part_rows(count)` (about count / `workers`,
at least `MIN_PART_ROWS`, at most `job_rows` and `IN_FLIGHT_ROWS / workers`, so the rows
in flight are bounded whatever the row count) and `workers` jobs run at once (created,
uploaded, processed, their results downloaded: `connectors/parallel.ordered`); each job's
results are given in input order, job after job, so the journal sees them as before. What
bounds `workers`: Salesforce documents no cap on concurrent ingest jobs, but 15,000
batches a rolling day (one per 10,000 records of a job) and 25 concurrent requests lasting
20 s or more per org; a job's requests (create, upload, poll, results) are short, so
`JOB_WORKERS` jobs keep at most that many requests in flight. When the whole call fits in
one flight (at most `workers` parts), its last part is cut in halves down to
`MIN_PART_ROWS` (10,000 rows: 5,000, 2,500, 2,500), at most `TAPER_PARTS` more jobs, all
in flight at once: the jobs finish one after another (the sandbox processes them in turn;
Salesforce by its 10,000-record internal batches), and what follows the last one (its
processing time, its results' download, their journal) shrinks with its size. A crash
leaves the rows of at most `workers` jobs (the rows of `workers` full parts) in doubt
(uploaded, results not journaled). A job that ends Failed
or Aborted lets the jobs in flight finish (their results are given), starts no new one,
then raises.

Joining: Bulk 2.0 result files come in no particular order, but each result row echoes
the cells we uploaded. While writing a part we keep, per input row, a 16-byte digest of
its cells -> the input position with those cells (a queue of them for identical rows);
each result row pops the first position of its digest. Identical input rows are
interchangeable, so giving them positions in arrival order is exact. Memory is a digest
and an int per row of the parts in flight (about 150 bytes a row: a queue per row, as
before, was 600).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import json
import math
import os
import tempfile
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

from crmlink.connectors.parallel import ordered
from crmlink.connectors.salesforce import errors, values
from crmlink.connectors.salesforce.bulk import BulkJobFailed, PollPolicy, csv_lines, wait
from crmlink.connectors.salesforce.http import SalesforceHttp
from crmlink.errors import RemoteError, UsageError
from crmlink.filters.validate import unknown_field
from crmlink.model import Reject, RemoteTable, WriteResult

RESULT_KINDS = ("successfulResults", "failedResults", "unprocessedrecords")
JOB_WORKERS = 10  # ingest jobs at once (measured: tests/speed/measure_export.py)
MIN_PART_ROWS = 2_000  # below it a job's fixed cost (7 calls, polling) outweighs parallelism
UNKNOWN_PART_ROWS = 10_000  # rows per job when the caller does not say how many rows come
IN_FLIGHT_ROWS = 100_000  # rows of all the jobs in flight at most: memory, not speed
POLL_LONGEST = 1.0  # seconds between polls at most: a job's state is one short GET
Outcome = tuple[list[WriteResult], "BulkJobFailed | None"]


TAPER_PARTS = 2  # jobs the last part may be cut into beyond `workers`


def digest(cells: list[str]) -> bytes:
    """16 bytes naming a row's cells. Joined by NUL (4x cheaper than JSON), which no
    Salesforce text holds (XML 1.0 has no NUL); cells that hold one are digested as JSON
    after as many NULs as cells: one more than any joined text of that width has, so two
    different rows of a part (one width) never share a text."""
    joined = "\x00".join(cells)
    if joined.count("\x00") != len(cells) - 1:
        joined = "\x00" * len(cells) + json.dumps(cells)  # JSON escapes NUL: none in it
    return hashlib.blake2b(joined.encode(), digest_size=16).digest()


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
        self.index: dict[bytes, int | deque[int]] = {}  # a queue only for identical rows
        self.positions = array("q")

    def add(self, position: int, cells: list[str]) -> None:
        self.writer.writerow(cells)
        key = digest(cells)
        held = self.index.setdefault(key, position)
        if isinstance(held, deque):
            held.append(position)
        elif held != position:
            self.index[key] = deque((held, position))
        self.positions.append(position)

    def take(self, cells: list[str]) -> int | None:
        """The first uploaded position not yet taken whose cells are `cells`."""
        key = digest(cells)
        held = self.index.get(key)
        if not isinstance(held, deque):
            self.index.pop(key, None)
            return held
        position = held.popleft()
        if not held:
            del self.index[key]
        return position

    def close(self) -> None:
        self.handle.close()


class BulkIngest:
    def __init__(
        self,
        http: SalesforceHttp,
        poll: PollPolicy,
        job_rows: int = 100_000,
        workers: int = JOB_WORKERS,
    ) -> None:
        self.http, self.job_rows, self.workers = http, job_rows, workers
        self.poll = dataclasses.replace(poll, longest=min(poll.longest, POLL_LONGEST))

    def part_rows(self, count: int | None) -> int:
        """Rows per job for `count` rows (None: not known): spread over the workers,
        within the bounds."""
        if count is None:
            return min(self.job_rows, UNKNOWN_PART_ROWS)
        bound = min(self.job_rows, max(MIN_PART_ROWS, IN_FLIGHT_ROWS // max(self.workers, 1)))
        return min(bound, max(MIN_PART_ROWS, math.ceil(count / self.workers)))

    def part_sizes(self, count: int | None) -> tuple[list[int], int]:
        """The rows of each job in turn (the last size repeats past the list: `count` is an
        upper bound, or unknown), and the jobs to keep in flight."""
        size = self.part_rows(count)
        if count is None or math.ceil(count / size) > self.workers:
            return [size], self.workers
        sizes = [size] * (math.ceil(count / size) - 1)
        last = count - size * len(sizes)
        while last >= 2 * MIN_PART_ROWS and len(sizes) < self.workers + TAPER_PARTS - 1:
            sizes.append(math.ceil(last / 2))
            last -= sizes[-1]
        return [*sizes, last], max(self.workers, len(sizes) + 1)

    def write(
        self,
        table: RemoteTable,
        rows: Iterable[tuple[int, dict]],
        operation: str,
        key: str | None = None,
        count: int | None = None,
    ) -> Iterator[WriteResult]:
        with tempfile.TemporaryDirectory(prefix="crmlink-bulk-") as folder:
            sizes, workers = self.part_sizes(count)
            parts = _parts(Path(folder), rows, table, sizes)
            failed: list[BulkJobFailed] = []
            calls = (
                functools.partial(self._job, table, part, operation, key)
                for part in parts
                if not failed  # after a Failed job no new one starts
            )
            for results, failure in ordered(calls, workers):
                yield from results
                if failure is not None:
                    failed.append(failure)
            if failed:
                raise failed[0]

    def _job(self, table: RemoteTable, part: Part, operation: str, key: str | None) -> Outcome:
        """One part's job, run in a worker: its results in input order, and its failure."""
        try:
            return self._run(table, part, operation, key)
        finally:
            part.path.unlink(missing_ok=True)

    def _run(self, table: RemoteTable, part: Part, operation: str, key: str | None) -> Outcome:
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
        results = self._collect(url, part, _result_kinds(info, len(part.positions)))
        return _in_order(part, results, info)

    def _collect(self, url: str, part: Part, kinds: tuple[str, ...]) -> dict[int, WriteResult]:
        found: dict[int, WriteResult] = {}
        for kind in kinds:
            with self.http.stream("GET", f"{url}/{kind}") as response:
                reader = csv.reader(csv_lines(response.iter_text()), strict=True)
                next(reader, None)
                for cells in reader:
                    _join(part, kind, cells, found)
        return found


def _result_kinds(info: dict, rows: int) -> tuple[str, ...]:
    """The result files worth a call: no failed results when the job counts no failure,
    no unprocessed records when it processed every row (its counts are final)."""
    processed = int(info.get("numberRecordsProcessed") or 0)
    failed = int(info.get("numberRecordsFailed") or 0)
    complete = info["state"] == "JobComplete" and processed == rows
    skip = {"failedResults"} if complete and failed == 0 else set()
    if complete:
        skip.add("unprocessedrecords")
    return tuple(kind for kind in RESULT_KINDS if kind not in skip)


def _join(part: Part, kind: str, cells: list[str], found: dict[int, WriteResult]) -> None:
    data = cells if kind == "unprocessedrecords" else cells[2:]
    position = part.take(data)
    if position is None:
        raise RemoteError(f"a Bulk result row matches no uploaded row ({kind})", code="BULK_JOIN")
    if kind == "successfulResults":
        created = cells[1].lower() == "true"
        found[position] = WriteResult(position, cells[0] or None, True, created)
    elif kind == "failedResults":
        error = errors.bulk_reject(cells[1])
        found[position] = WriteResult(position, cells[0] or None, False, error=error)


def _in_order(part: Part, found: dict[int, WriteResult], info: dict) -> Outcome:
    """The job's results in input order, and its failure. Rows a Failed or Aborted job
    never processed are not rejects (they were never tried, and a rerun must send them):
    the processed rows' results are given, then the job's failure is raised."""
    why = info.get("errorMessage") or f"the Bulk job ended {info['state']}"
    failed = info["state"] in ("Failed", "Aborted")
    results, untried = [], 0
    for position in part.positions:
        result = found.get(position)
        if result is None and failed:
            untried += 1
            continue
        if result is None:
            result = WriteResult(position, None, False, error=Reject("UNPROCESSED", why))
        results.append(result)
    if not untried:
        return results, None
    return results, BulkJobFailed(
        f"Bulk job {info['id']} ended {info['state']} ({why}) before processing "
        f"{untried} rows: they were not written; rerun to send them",
        code="BULK_JOB_FAILED",
    )


def _parts(
    folder: Path, rows: Iterable[tuple[int, dict]], table: RemoteTable, sizes: list[int]
) -> Iterator[Part]:
    """The rows cut into parts of `sizes` (the last one repeated) as they come (the first
    job starts once its part is written, not once every row is read); column names looked
    up once."""
    columns: dict[str, str] = {}
    buffer: list[tuple[int, dict]] = []
    wanted = iter(sizes)
    size = next(wanted)
    for position, row in rows:
        clean = {}
        for name, value in row.items():
            canonical = columns.get(name) or columns.setdefault(name, _column(table, name))
            clean[canonical] = value if type(value) is str else values.to_json(value)  # fast path
        buffer.append((position, clean))
        if len(buffer) >= size:
            yield _part(folder, buffer)
            buffer, size = [], next(wanted, size)
    if buffer:
        yield _part(folder, buffer)


def _part(folder: Path, buffer: list[tuple[int, dict]]) -> Part:
    """One job's CSV: its header is every column its rows have, as the describe spells
    it (a column a row lacks is left unchanged: an empty cell)."""
    header = list(dict.fromkeys(name for _, row in buffer for name in row))
    part = Part(folder, buffer[0][0], header)
    for position, row in buffer:
        part.add(position, [_cell(row, name) for name in header])
    part.close()
    return part


def _column(table: RemoteTable, name: str) -> str:
    field = table.field(name)
    if field is None:
        raise UsageError(unknown_field(table, name), object=table.name, field=name)
    return field.name


def _cell(row: dict, name: str) -> str:
    if name not in row:
        return ""  # left unchanged
    value = row[name]
    if type(value) is str:  # most cells: no conversion
        return value or values.BULK_NULL
    return values.BULK_NULL if value is None else values.to_csv(value)
