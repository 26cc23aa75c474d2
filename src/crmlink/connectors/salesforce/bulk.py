"""Bulk API 2.0 query jobs: create, wait (bounded), stream the CSV result set by set
(`Sforce-Locator`), parse it as it arrives, delete the job. Memory stays flat: rows
leave in batches, never the whole result."""

from __future__ import annotations

import contextlib
import csv
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from crmlink.connectors.salesforce import values
from crmlink.connectors.salesforce.http import SalesforceHttp
from crmlink.connectors.salesforce.read import ReadPlan
from crmlink.errors import RemoteError, RetryableError

FINAL_STATES = ("JobComplete", "Failed", "Aborted")


@dataclass(frozen=True)
class PollPolicy:
    """How to wait for a Bulk job: growing intervals, and a bound."""

    first: float = 0.25
    factor: float = 1.5
    longest: float = 10.0
    timeout: float = 3600.0


class BulkJobFailed(RemoteError):
    """A Bulk job ended Failed or Aborted (its id and message are in the error)."""


def wait(
    http: SalesforceHttp, url: str, poll: PollPolicy, sleep: Callable[[float], None] = time.sleep
) -> dict:
    """Poll a job until it is final; a job past the timeout is reported with its id."""
    deadline, interval = time.monotonic() + poll.timeout, poll.first
    while True:
        info = http.json("GET", url)
        if info["state"] in FINAL_STATES:
            return info
        if time.monotonic() > deadline:
            raise RemoteError(
                f"Bulk job {info['id']} is still {info['state']} after {poll.timeout:.0f} s",
                code="BULK_TIMEOUT",
            )
        sleep(interval)
        interval = min(interval * poll.factor, poll.longest)


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
    def __init__(self, http: SalesforceHttp, poll: PollPolicy, batch_size: int = 2000) -> None:
        self.http, self.poll, self.batch_size = http, poll, batch_size

    def rows(self, read: ReadPlan) -> Iterator[list[dict]]:
        job = self.http.json(
            "POST",
            self.http.data("jobs/query"),
            json={
                "operation": "queryAll" if read.endpoint == "queryAll" else "query",
                "query": read.soql(),
                "contentType": "CSV",
                "columnDelimiter": "COMMA",
                "lineEnding": "LF",
            },
        )
        url = self.http.data(f"jobs/query/{job['id']}")
        info = wait(self.http, url, self.poll)
        if info["state"] != "JobComplete":
            message = info.get("errorMessage") or info["state"]
            raise BulkJobFailed(f"Bulk query job {job['id']} failed: {message}", code=info["state"])
        yield from _batches(self._results(url, read), self.batch_size)
        self._forget(url)

    def _results(self, url: str, read: ReadPlan) -> Iterator[dict]:
        locator: str | None = None
        while True:
            locator = yield from self._set(f"{url}/results", locator, read)
            if not locator or locator == "null":
                return

    def _set(
        self, url: str, locator: str | None, read: ReadPlan
    ) -> Generator[dict[str, Any], None, str | None]:
        """One result set, re-fetched when the connection drops (rows already given
        are skipped); returns the next locator."""
        given, failures = 0, 0
        params = {"locator": locator} if locator else {}
        while True:
            try:
                seen = 0
                with self.http.stream("GET", url, params=params) as response:
                    for row in _parse(response, read):
                        seen += 1
                        if seen > given:
                            given = seen
                            yield row
                    return response.headers.get("Sforce-Locator")
            except httpx.TransportError as exc:
                failures += 1
                if failures >= self.http.retry.attempts:
                    raise RetryableError(f"Bulk results kept failing: {exc}") from None
                self.http.sleep(self.http.retry.delay(failures - 1, None))

    def _forget(self, url: str) -> None:
        # only housekeeping: Salesforce deletes finished jobs after 7 days anyway
        with contextlib.suppress(RemoteError, RetryableError):
            self.http.request("DELETE", url)


def _parse(response: httpx.Response, read: ReadPlan) -> Iterator[dict]:
    reader = csv.reader(csv_lines(response.iter_text()), strict=True)
    header = next(reader, None)
    if header is None:
        return
    convert: Callable[[list[str]], dict] = values.csv_reader(read.table, header)
    for cells in reader:
        yield convert(cells)


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
