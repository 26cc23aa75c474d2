"""Large reads on a slow link: one Bulk 2.0 query job per Id range, all created at once
(Bulk API 1.0's PK chunking, done by the client), their result pages downloaded several
at a time and handed over in range order.

    for batch in BulkRanges(http, poll, ranges, rest).rows(read, choice): ...

Why: on a WAN a Bulk job's server-side processing (seconds per 10,000 records) and a
single stream's bandwidth are what a read waits for; jobs over disjoint ranges process at
the same time, and pages of different jobs download at the same time.

Memory: a page downloads whole into an anonymous temporary file (its raw CSV, never
parsed ahead of its turn), and at most `streams` pages are downloading or waiting on
disk; only the page being handed over is parsed, `batch_size` rows at a time. So memory
stays the same whatever the row count, and the disk holds at most `streams` pages.

Exactly once: the ranges (`ranges.conditions`) partition the rows; a page is handed over
only once it is downloaded whole (a dropped download starts again from an empty file);
a range whose job fails is read by REST pages of that range instead, at its turn; the
other ranges' rows are not read again.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import IO, Any

import httpx

from crmlink.connectors.salesforce import pages
from crmlink.connectors.salesforce.bulk import FINAL_STATES, PollPolicy, create_query_job, wait
from crmlink.connectors.salesforce.http import SalesforceHttp
from crmlink.connectors.salesforce.planner import Choice
from crmlink.connectors.salesforce.ranges import RangeReader, conditions, id_text, number
from crmlink.connectors.salesforce.read import ReadPlan, RestReader
from crmlink.errors import NotFoundError, RetryableError
from crmlink.filters import ast


@dataclass
class _Range:
    read: ReadPlan  # the read narrowed to this range
    expected: int  # the rows it should hold (the count spread evenly: paces the polls)
    url: str | None = None  # its job, once created
    final: bool = False  # its job is complete, failed or aborted
    failed: str | None = None  # why its job gave no results: read by REST instead


class _Stopped(Exception):
    """The consumer stopped early: downloads still running give up."""


class BulkRanges:
    """A read as `jobs` Bulk query jobs over Id ranges; `streams` result pages at once."""

    def __init__(
        self,
        http: SalesforceHttp,
        poll: PollPolicy,
        ranges: RangeReader,
        rest: RestReader,
        *,
        streams: int = 10,
        batch_size: int = 2000,
    ) -> None:
        self.http, self.poll, self.ranges, self.rest = http, poll, ranges, rest
        self.streams, self.batch_size = streams, batch_size

    def rows(self, read: ReadPlan, choice: Choice) -> Iterator[list[dict[str, Any]]]:
        ends = self.ranges.ends(read)
        if ends is None:
            return
        count, jobs = choice.count or 0, max(1, choice.ranges)
        points, shares = lead_points(ends[0], ends[1], jobs)
        found = conditions(read.table.key_field, points)
        choice.ranges = len(found)  # fewer when the Ids are too close to split further
        narrowed = [
            _Range(replace(read, where=ast.conjoin(read.where, c)), math.ceil(count * share))
            for c, share in zip(found, shares, strict=True)
        ]
        stop = threading.Event()
        with ThreadPoolExecutor(self.streams, "crmlink-bulk-range") as pool:
            try:
                self._create_all(pool, narrowed)
                yield from self._handed_over(pool, narrowed, stop)
            finally:
                stop.set()
                # stopped early: jobs still running are aborted here, one by one. Never
                # through the pool: a read dropped unclosed is finalised by the garbage
                # collector, in any thread, possibly after the pool's workers were told to
                # exit. Finished jobs are left: Salesforce deletes them after 7 days, and a
                # DELETE would be one more call against the org's daily allowance.
                for part in narrowed:
                    if not part.final:
                        self._forget(part)
                _note_failures(choice, narrowed)

    # -- jobs ---------------------------------------------------------------------------
    def _create_all(self, pool: ThreadPoolExecutor, parts: list[_Range]) -> None:
        """Every range's job, created at once; each created one is kept (to be aborted)
        even when another's creation failed."""
        created = [pool.submit(self._create, part) for part in parts]
        failure: BaseException | None = None
        for part, future in zip(parts, created, strict=True):
            try:
                part.url = future.result()
            except BaseException as exc:  # raised once every creation has ended
                failure = failure or exc
        if failure is not None:
            raise failure

    def _create(self, part: _Range) -> str:
        return create_query_job(self.http, part.read)

    def _pages(self, part: _Range, stop: threading.Event) -> list[str]:
        """The result page URLs of a range's job, once it is complete ([] when it failed:
        `part.failed` says why). Jobs are waited for one after the other: they were
        created together, so by the time the first is done the others mostly are."""
        assert part.url is not None
        info = wait(self.http, part.url, self.poll, _sleeper(stop), part.expected)
        part.final = True
        if info["state"] != "JobComplete":
            part.failed = f"{info.get('errorMessage') or info['state']}"
            return []
        found: list[str] = []
        # no page size: `resultPages` takes none, Salesforce sizes the pages itself
        try:
            listing = self.http.json("GET", f"{part.url}/resultPages")
        except NotFoundError:  # an org before API 58.0: this range is read by REST pages
            part.failed = "no resultPages before API 58.0"
            return []
        while True:
            found += [link["resultUrl"] for link in listing.get("resultPages") or []]
            following = listing.get("nextRecordsUrl")
            if listing.get("done", True) or not following:
                return found
            listing = self.http.json("GET", following)

    def _forget(self, part: _Range) -> None:
        # the read stopped early: a job still in progress is aborted and deleted, so the
        # org stops working for nobody; never an error
        if part.url is None:
            return
        with contextlib.suppress(Exception):
            info = self.http.json("GET", part.url)
            if info["state"] not in FINAL_STATES:
                self.http.request("PATCH", part.url, json={"state": "Aborted"})
                self.http.request("DELETE", part.url)

    # -- pages --------------------------------------------------------------------------
    def _handed_over(
        self, pool: ThreadPoolExecutor, parts: list[_Range], stop: threading.Event
    ) -> Iterator[list[dict[str, Any]]]:
        """Every range's rows in range order: its spooled pages, or its REST pages."""
        lister = ThreadPoolExecutor(1, "crmlink-bulk-wait")  # in range order, one at a time
        listings = deque((part, lister.submit(self._pages, part, stop)) for part in parts)
        queued: deque[tuple[_Range, str]] = deque()
        ahead: deque[tuple[_Range, Future[IO[bytes]] | None]] = deque()  # None: read by REST
        try:
            while True:
                self._fill(pool, stop, listings, queued, ahead)
                if not ahead:
                    break
                part, download = ahead.popleft()
                if download is not None:
                    yield from self._parse(download.result(), part.read)
                elif part.failed is not None:
                    yield from self.rest.rows(part.read)
        finally:
            stop.set()
            lister.shutdown(wait=True, cancel_futures=True)
            for _, left in ahead:
                if left is not None and not left.cancel():
                    with contextlib.suppress(BaseException):
                        left.result().close()

    def _fill(
        self,
        pool: ThreadPoolExecutor,
        stop: threading.Event,
        listings: deque[tuple[_Range, Future[list[str]]]],
        queued: deque[tuple[_Range, str]],
        ahead: deque[tuple[_Range, Future[IO[bytes]] | None]],
    ) -> None:
        """Keep `streams` pages downloading, in range order, waiting for a job only when
        nothing is there to hand over."""
        while len(ahead) < self.streams:
            if not queued:
                if not listings or (ahead and not listings[0][1].done()):
                    return
                part, listed = listings.popleft()
                urls = listed.result()
                ahead.extend([] if urls else [(part, None)])
                queued.extend((part, url) for url in urls)
                continue
            part, url = queued.popleft()
            ahead.append((part, pool.submit(self._spool, url, stop)))

    def _spool(self, url: str, stop: threading.Event) -> IO[bytes]:
        """One result page downloaded whole into an anonymous temporary file; a dropped
        connection starts it again from an empty file (nothing of it was handed over)."""
        spooled, failures = tempfile.TemporaryFile(), 0  # noqa: SIM115 — handed to the caller
        try:
            while True:
                try:
                    spooled.seek(0)
                    spooled.truncate()
                    with self.http.stream("GET", url) as response:
                        for chunk in response.iter_bytes(1 << 16):
                            if stop.is_set():
                                raise _Stopped
                            spooled.write(chunk)
                    spooled.seek(0)
                    return spooled
                except httpx.TransportError as exc:
                    failures += 1
                    if failures >= self.http.retry.attempts:
                        raise RetryableError(f"Bulk results kept failing: {exc}") from None
                    self.http.sleep(self.http.retry.delay(failures - 1, None))
        except BaseException:
            spooled.close()
            raise

    def _parse(self, spooled: IO[bytes], read: ReadPlan) -> Iterator[list[dict[str, Any]]]:
        """A spooled page's rows, `batch_size` at a time; the file is closed (gone) after."""
        with io.TextIOWrapper(spooled, encoding="utf-8", newline="") as text:
            reader = csv.reader(text, strict=True)
            header = next(reader, None)
            if header is None:
                return
            convert = pages.batch_reader(read.table, header, rows=False)  # `Batches` fills them
            while chunk := list(itertools.islice(reader, self.batch_size)):
                yield convert(chunk)


def lead_points(low: str, high: str, jobs: int) -> tuple[list[str], list[float]]:
    """Split points for `jobs` ranges between two Ids, the first a quarter as wide as the
    others (its job is processed in a quarter of the time, so rows flow sooner while the
    others are still processing), and each range's share of the Id span."""
    first, last = number(low), number(high)
    parts = 4 * (jobs - 1) + 1  # quarters: 1 for the first range, 4 for each other
    cuts = sorted({first + (last - first) * (4 * i + 1) // parts for i in range(jobs - 1)})
    points = [c for c in cuts if first < c <= last]
    edges = [first, *points, last]
    span = max(1, last - first)
    shares = [(b - a) / span for a, b in zip(edges, edges[1:], strict=False)]
    return [id_text(p) for p in points], shares


def _sleeper(stop: threading.Event) -> Callable[[float], None]:
    """A sleep between polls that ends the wait when the consumer stopped."""

    def sleep(seconds: float) -> None:
        if stop.wait(seconds):
            raise _Stopped

    return sleep


def _note_failures(choice: Choice, parts: list[_Range]) -> None:
    failed = [part.failed for part in parts if part.failed is not None]
    if failed:
        many = f"{len(failed)} of {len(parts)} ranges'" if len(failed) > 1 else "a range's"
        choice.reason += f"; {many} Bulk job failed ({failed[0]}): read by REST pages"
