"""Bulk API 2.0 query jobs: create, wait (bounded), download the CSV results several
pages at once (`resultPages`; the `Sforce-Locator` chain on orgs without it), parse them
from the byte stream as they arrive. Memory stays flat: a fixed number of
batches is alive at once, whatever the row count (`pages.ordered`)."""

from __future__ import annotations

import csv
import functools
import itertools
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx

from crmlink.connectors.salesforce import pages
from crmlink.connectors.salesforce.http import SalesforceHttp
from crmlink.connectors.salesforce.read import ReadPlan
from crmlink.errors import NotFoundError, RemoteError, RetryableError

FINAL_STATES = ("JobComplete", "Failed", "Aborted")
PAGE_ROWS = 50_000  # rows per `results` call on the locator chain (no resultPages)
WORKERS = 5  # result pages downloading at once
AHEAD = 4  # parsed batches waiting for the consumer, all pages together (`pages.ordered`)
# rows per batch (interleaved runs: 2,000 cost as much CPU or more, and ~30 MB more memory)
BATCH_ROWS = 500


@dataclass(frozen=True)
class PollPolicy:
    """How to wait for a Bulk job: intervals that follow its progress, and a bound.

    Without progress figures the interval grows from `first` by `factor` up to `longest`,
    so a finished job is seen within `longest` seconds. Once the job reports
    `numberRecordsProcessed` and the row count is known, the interval is `lead` of the
    predicted remaining time (at most `predicted_longest`): a 40 s job costs a handful of
    polls and is still seen done soon after it finishes, since each poll re-predicts."""

    first: float = 0.25
    factor: float = 1.5
    longest: float = 2.0
    timeout: float = 3600.0
    predicted_longest: float = 15.0
    lead: float = 0.8

    def sparing(self) -> PollPolicy:
        """The waits of a read planned for the fewest calls: the interval doubles up to a
        minute, not `longest` (a 200 s job: 11 polls, not 100), so a job is seen done at
        most its age, and at most a minute, late; a prediction waits up to a minute too."""
        return replace(
            self,
            factor=max(self.factor, 2.0),
            longest=max(self.longest, 60.0),
            predicted_longest=max(self.predicted_longest, 60.0),
        )

    def interval(self, previous: float, progress: Progress | None) -> float:
        """The wait before the next poll, after waiting `previous` before this one."""
        grown = min(previous * self.factor, self.longest)
        if progress is None:
            return grown
        remaining = progress.remaining()
        if remaining is None:
            return grown
        return max(self.first, min(remaining * self.lead, self.predicted_longest))


@dataclass(frozen=True)
class Progress:
    """Where a job stands: rows processed after `elapsed` seconds, of `expected`."""

    processed: int
    expected: int
    elapsed: float

    def remaining(self) -> float | None:
        """Seconds still to go at the rate so far (None before any row is processed)."""
        if self.processed <= 0 or self.elapsed <= 0 or self.processed >= self.expected:
            return None
        return (self.expected - self.processed) * self.elapsed / self.processed


class BulkJobFailed(RemoteError):
    """A Bulk job ended Failed or Aborted (its id and message are in the error)."""


def wait(
    http: SalesforceHttp,
    url: str,
    poll: PollPolicy,
    sleep: Callable[[float], None] = time.sleep,
    expected: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> dict:
    """Poll a job until it is final; a job past the timeout is reported with its id.
    `expected` (the rows the job will process, when known) lets the intervals follow
    the job's `numberRecordsProcessed`. The first poll comes `poll.first` after the
    job was created, not at once: a job just created is never done yet (a poll then
    is an API call that buys nothing)."""
    started = clock()
    deadline, interval = started + poll.timeout, poll.first
    while True:
        sleep(interval)
        info = http.json("GET", url)
        if info["state"] in FINAL_STATES:
            return info
        if clock() > deadline:
            raise RemoteError(
                f"Bulk job {info['id']} is still {info['state']} after {poll.timeout:.0f} s",
                code="BULK_TIMEOUT",
            )
        interval = poll.interval(interval, _progress(info, expected, clock() - started))


def _progress(info: dict, expected: int | None, elapsed: float) -> Progress | None:
    processed = info.get("numberRecordsProcessed")
    if expected is None or not isinstance(processed, int):
        return None
    return Progress(processed, expected, elapsed)


def create_query_job(http: SalesforceHttp, read: ReadPlan) -> str:
    """A Bulk 2.0 query job for the read (CSV, comma, LF); the job's URL."""
    job = http.json(
        "POST",
        http.data("jobs/query"),
        json={
            "operation": "queryAll" if read.endpoint == "queryAll" else "query",
            "query": read.soql(),
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        },
    )
    return http.data("jobs/query", str(job["id"]))  # the server's id: one segment


def csv_lines(chunks: Iterable[str]) -> Iterator[str]:
    """Text chunks cut into lines that keep their endings (quoted newlines survive)."""
    rest = ""
    for chunk in chunks:
        rest += chunk
        start = 0
        while (end := rest.find("\n", start)) >= 0:
            yield rest[start : end + 1]
            start = end + 1
        rest = rest[start:]
    if rest:
        yield rest


class BulkQuery:
    """A Bulk 2.0 query job whose results download `workers` pages at a time
    (`resultPages`, API 58.0+, pages of the server's size; else the `Sforce-Locator`
    chain in one thread, `page_rows` rows a call), handed over in result order in
    batches of `batch_size` rows."""

    def __init__(
        self,
        http: SalesforceHttp,
        poll: PollPolicy,
        batch_size: int = BATCH_ROWS,
        *,
        page_rows: int = PAGE_ROWS,
        workers: int = WORKERS,
        ahead: int = AHEAD,
    ) -> None:
        self.http, self.poll, self.batch_size = http, poll, batch_size
        self.page_rows, self.workers, self.ahead = page_rows, workers, ahead

    def rows(self, read: ReadPlan, expected: int | None = None) -> Iterator[list[dict]]:
        """The rows of a query job; `expected` (the COUNT()) paces the polls, sparingly
        for a read planned for the fewest calls."""
        url = create_query_job(self.http, read)
        poll = self.poll.sparing() if read.fewest_calls else self.poll
        info = wait(self.http, url, poll, expected=expected)
        if info["state"] != "JobComplete":
            message = info.get("errorMessage") or info["state"]
            raise BulkJobFailed(
                f"Bulk query job {info.get('id')} failed: {message}", code=info["state"]
            )
        # The finished job is not deleted: Salesforce deletes it after 7 days, and a
        # DELETE would be one more API call of the org's daily allowance for nothing.
        yield from pages.ordered(self._sources(url, read), self.workers, ahead=self.ahead)

    def _sources(self, url: str, read: ReadPlan) -> Iterator[pages.Source]:
        """One download per result page; the whole locator chain as one when the org
        has no `resultPages` (it answers 404 before API 58.0). `resultPages` takes no
        parameter: Salesforce sizes the pages its links name."""
        try:
            listing = self.http.json("GET", f"{url}/resultPages")
        except NotFoundError:
            yield lambda: self._chain(f"{url}/results", read)
            return
        while True:
            for link in listing.get("resultPages") or []:
                yield functools.partial(self._page, link["resultUrl"], {}, read)
            following = listing.get("nextRecordsUrl")
            if listing.get("done", True) or not following:
                return
            listing = self.http.json("GET", following)

    def _chain(self, url: str, read: ReadPlan) -> Iterator[list[dict]]:
        locator: str | None = None
        while True:
            params = {"maxRecords": str(self.page_rows)}
            if locator:
                params["locator"] = locator
            locator = yield from self._page(url, params, read)
            if not locator or locator == "null":
                return

    def _page(
        self, url: str, params: dict[str, str], read: ReadPlan
    ) -> Generator[list[dict[str, Any]], None, str | None]:
        """One result set in batches, re-fetched when the connection drops (rows already
        given are skipped); returns the next locator."""
        given, failures = 0, 0
        while True:
            try:
                with self.http.stream("GET", url, params=params or None) as response:
                    seen = 0
                    for chunk, convert in _chunks(response, read, self.batch_size):
                        seen += len(chunk)
                        if seen > given:
                            fresh = chunk[len(chunk) - (seen - given) :]
                            given = seen
                            yield convert(fresh)
                    return response.headers.get("Sforce-Locator")
            except httpx.TransportError as exc:
                failures += 1
                if failures >= self.http.retry.attempts:
                    raise RetryableError(f"Bulk results kept failing: {exc}") from None
                self.http.sleep(self.http.retry.delay(failures - 1, None))


Convert = Callable[[list[list[str]]], list[dict[str, Any]]]


def _chunks(
    response: httpx.Response, read: ReadPlan, size: int
) -> Iterator[tuple[list[list[str]], Convert]]:
    """The CSV rows of a result set, `size` at a time, parsed from the byte stream; each
    with its converter, which knows whether the bytes read so far held a NUL."""
    raw = pages.ByteChunks(response.iter_bytes())
    reader = csv.reader(pages.text_stream(raw), strict=True)
    header = next(reader, None)
    if header is None:
        return
    convert = pages.batch_reader(read.table, header, rows=False)  # `Batches` fills them
    clean = functools.partial(convert, nul_free=True)
    while chunk := list(itertools.islice(reader, size)):
        yield chunk, convert if raw.nul else clean  # no NUL byte yet: none in these cells
