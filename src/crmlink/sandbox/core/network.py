"""The network profile: what a real CRM across a WAN costs that loopback does not.

A profile (`--profile wan`, or `profile=wan` in `PUT /__sandbox__/faults`) sets four
figures, each overridable in the fault spec (`rtt_ms=…,bandwidth_kbps=…`):

- `rtt_ms`, a round trip added to every request (on top of the fault `latency`);
- `bandwidth_kbps`, a cap per connection/stream: each response body (and each upload) is
  paced on its own, so N parallel downloads get about N times the throughput of one;
- `bulk_s_per_10k`, Bulk job processing time per 10,000 records (read by the Bulk job
  registry, `salesforce/models/bulk/jobs.py`);
- the CRM's concurrency limit (`concurrency=N` overrides the number, `long_running_s=S` the
  age from which a request counts; `concurrency=0` lifts the limit). Over it, a request is
  refused at once in the CRM's shape (and counted in the stats).

Where the `wan` figures come from:

- 90 ms round trip: a transatlantic path. The fastest New York–London cable tests at
  58.95 ms (https://thebroadcastbridge.com/content/entry/3988/trans-atlantic-network-latency-reduced);
  a measured Austin–London path averages 113 ms (https://kel.bz/post/physical-latency/).
- 16,000 kbit/s (2 MB/s) per stream: an estimate of one HTTPS download from a Salesforce
  instance across the Atlantic; Salesforce publishes no per-stream figure. It names the
  single sequential download stream as the bottleneck parallel result downloads remove
  (https://developer.salesforce.com/blogs/2025/01/introducing-events-and-partial-downloads-in-bulk-api-2-0.html),
  and its own bound on retrieving a Bulk query result file, 1 GB within 10 minutes
  (about 1.7 MB/s, https://developer.salesforce.com/docs/atlas.en-us.232.0.api_asynch.meta/api_asynch/asynch_api_bulk_query_processing.htm),
  is of the same order.
- 2 s per 10,000 records: an estimate; Salesforce processes Bulk 2.0 ingest data in internal
  batches of 10,000 records
  (https://developer.salesforce.com/docs/atlas.en-us.226.0.api_bulk_v2.meta/api_bulk_v2/how_requests_are_processed.htm).
- The concurrency limits are each CRM's documented ones, declared in its sandbox spec:
  Salesforce, 25 concurrent requests running 20 s or longer in a production org
  (https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html);
  Dataverse, 52 concurrent requests per user
  (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits).

Control calls (`/__sandbox__/…`) are never slowed nor limited.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from time import monotonic
from typing import TYPE_CHECKING, Any

from crmlink.sandbox.core.spec import ConcurrencyLimit

if TYPE_CHECKING:
    from crmlink.sandbox.core.faults import FaultInjector, FaultSpec

ADMIN_PREFIX = "/__sandbox__"
Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]


@dataclass(frozen=True)
class Profile:
    """The figures a profile sets (see the module docstring for their sources)."""

    rtt_ms: int
    bandwidth_kbps: int  # per stream; 0: no cap
    bulk_s_per_10k: float
    limits: bool  # whether the CRM's concurrency limit is in force


PROFILES = {
    "loopback": Profile(rtt_ms=0, bandwidth_kbps=0, bulk_s_per_10k=0.0, limits=False),
    "wan": Profile(rtt_ms=90, bandwidth_kbps=16_000, bulk_s_per_10k=2.0, limits=True),
}


async def sleep(seconds: float) -> None:
    """asyncio's sleep, imported when a request first waits: `crmlink sandbox --help` reads
    PROFILES from this module and need not import asyncio."""
    import asyncio

    await asyncio.sleep(seconds)


def bulk_processing_seconds(spec: FaultSpec, records: int) -> float:
    """How long a Bulk job of `records` records stays in progress under the profile."""
    return (spec.bulk_s_per_10k or 0.0) * records / 10_000


def limit_in_force(spec: FaultSpec, crm: ConcurrencyLimit | None) -> ConcurrencyLimit | None:
    """The concurrency limit the spec puts in force for a CRM declaring `crm`, if any."""
    if spec.concurrency == 0 or (spec.concurrency is None and not PROFILES[spec.profile].limits):
        return None
    base = crm or ConcurrencyLimit(requests=spec.concurrency or 1)
    limit = replace(base, requests=spec.concurrency or base.requests)
    if spec.long_running_s is not None:
        limit = replace(limit, counted_after_s=spec.long_running_s)
    return limit


class ConcurrencyGate:
    """Requests in flight, by caller; admits a request unless its limit is reached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens = itertools.count()
        self._running: dict[str, dict[int, float]] = {}

    @contextmanager
    def enter(self, key: str, limit: ConcurrencyLimit | None) -> Iterator[bool]:
        """Yield whether the request is admitted; an admitted one counts until it ends."""
        now = monotonic()
        with self._lock:
            running = self._running.setdefault(key, {})
            if limit is not None and _counted(running, now, limit) >= limit.requests:
                token = None
            else:
                token = next(self._tokens)
                running[token] = now
        try:
            yield token is not None
        finally:
            if token is not None:
                with self._lock:
                    running.pop(token, None)


def _counted(running: dict[int, float], now: float, limit: ConcurrencyLimit) -> int:
    return sum(1 for started in running.values() if now - started >= limit.counted_after_s)


class Pacer:
    """Paces one stream at `bytes_per_second`: `wait(n)` returns when n more bytes are due."""

    def __init__(self, bytes_per_second: float) -> None:
        self.rate = bytes_per_second
        self.started: float | None = None
        self.sent = 0

    async def wait(self, size: int) -> None:
        if self.started is None:
            self.started = monotonic()
        self.sent += size
        delay = self.started + self.sent / self.rate - monotonic()
        if delay > 0:
            await sleep(delay)


def piece_size(bytes_per_second: float) -> int:
    """Bytes per paced send: about 50 sends a second, between 1 KiB and 64 KiB."""
    return max(1024, min(65_536, int(bytes_per_second / 50)))


def paced_send(send: Send, bytes_per_second: float) -> Send:
    """`send` with each response body cut into pieces, each sent when the cap allows."""
    pacer, size = Pacer(bytes_per_second), piece_size(bytes_per_second)

    async def pacing_send(message: Message) -> None:
        body = message.get("body", b"")
        if message["type"] != "http.response.body" or not body:
            await send(message)
            return
        more = message.get("more_body", False)
        for start in range(0, len(body), size):
            piece = body[start : start + size]
            await pacer.wait(len(piece))
            last = start + size >= len(body)
            await send({"type": "http.response.body", "body": piece, "more_body": more or not last})

    return pacing_send


def paced_receive(receive: Receive, bytes_per_second: float) -> Receive:
    """`receive` returning each request body chunk only once the cap has let it through."""
    pacer = Pacer(bytes_per_second)

    async def pacing_receive() -> Message:
        message = await receive()
        if message["type"] == "http.request" and message.get("body"):
            await pacer.wait(len(message["body"]))
        return message

    return pacing_receive


Refusal = Callable[[Message, int], Any]  # (scope, limit) -> an ASGI app (the CRM's answer)


class NetworkMiddleware:
    """ASGI middleware: round trip, concurrency limit, per-stream bandwidth.

    `crm_limit` is the CRM's documented limit (None: the CRM declares none);
    `refuse(scope, limit)` answers a request over the limit in the CRM's own shape.
    """

    def __init__(
        self,
        app: Any,
        injector: FaultInjector,
        crm_limit: ConcurrencyLimit | None,
        refuse: Refusal,
    ) -> None:
        self.app = app
        self.injector = injector
        self.crm_limit = crm_limit
        self.refuse = refuse
        self.gate = ConcurrencyGate()

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        spec = self.injector.spec
        if spec.rtt_ms:
            await sleep(spec.rtt_ms / 1000)
        limit = limit_in_force(spec, self.crm_limit)
        with self.gate.enter(_caller(scope, limit), limit) as admitted:
            if not admitted:
                assert limit is not None  # only a limit refuses
                await self.refuse(scope, limit.requests)(scope, receive, send)
                return
            if spec.bandwidth_kbps:
                rate = spec.bandwidth_kbps * 1000 / 8
                receive, send = paced_receive(receive, rate), paced_send(send, rate)
            await self.app(scope, receive, send)


def _caller(scope: Message, limit: ConcurrencyLimit | None) -> str:
    """Whose count a request joins: the org's, or its caller's: the user a bearer JWT
    names (`oid`, else `sub`: one user's tokens count together), else the header itself."""
    if limit is None or limit.per == "org":
        return ""
    header = next((v for k, v in scope.get("headers", ()) if k.lower() == b"authorization"), b"")
    text = header.decode("latin-1")
    return _jwt_user(text.removeprefix("Bearer ").strip()) or text


def _jwt_user(token: str) -> str | None:
    """The user a JWT's payload names, read without verifying it (only to count by)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    user = claims.get("oid") or claims.get("sub") if isinstance(claims, dict) else None
    return f"user:{user}" if isinstance(user, str) else None
