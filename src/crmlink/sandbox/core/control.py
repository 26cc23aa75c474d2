"""The control API under /__sandbox__/, the same on every sandbox (as moto's /moto-api/).

- `POST /__sandbox__/reset`: back to the freshly seeded state. Records, sessions, cursors,
  Bulk jobs and rate-limit windows go; the sandbox then seeds again with the `records`
  and `seed` it was started with (none when started with `records=0`). Credentials,
  metadata, faults, the clock and the stats stay.
- `POST /__sandbox__/seed?records=N&seed=S`: add N generated records per object (seed S);
  answers what was seeded.
- `GET|PUT /__sandbox__/faults`: the fault spec in force; PUT a spec text
  (`latency=50,503=0.1`, empty: none) to change it.
- `GET|DELETE /__sandbox__/stats`: API calls by route name (`GET describe`, and
  `unknown GET /some/{id}` for paths no route serves); DELETE zeroes the counters.
- `GET|POST /__sandbox__/clock?advance=S`: the sandbox clock (`{"now", "offset_seconds"}`);
  POST moves it S seconds forward and ticks: late commits land, Bulk jobs complete,
  getUpdated/getDeleted windows close, the daily API quota rolls over at midnight.

Control calls are never counted in the stats nor hit by faults. A bad parameter answers
400 `{"error": "one sentence"}`.
"""

from __future__ import annotations

from typing import Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.core.faults import ADMIN_PREFIX, FaultInjector, FaultSpec, FaultSpecError
from crmlink.sandbox.core.stats import CallStats


class Controllable(Protocol):
    faults: FaultInjector
    stats: CallStats
    clock: SandboxClock

    def reset(self) -> None: ...

    def tick(self) -> None: ...

    def seed(self, records: int, seed: int) -> dict: ...


def control_routes(sandbox: Controllable) -> list[Route]:
    """The /__sandbox__/ routes of `sandbox`."""
    control = _Control(sandbox)
    return [
        Route(f"{ADMIN_PREFIX}/stats", control.stats, methods=["GET", "DELETE"]),
        Route(f"{ADMIN_PREFIX}/faults", control.faults, methods=["GET", "PUT"]),
        Route(f"{ADMIN_PREFIX}/reset", control.reset, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/seed", control.seed, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/clock", control.clock, methods=["GET", "POST"]),
    ]


def _bad(sentence: str) -> JSONResponse:
    return JSONResponse({"error": sentence}, status_code=400)


class _Control:
    """The handlers, one per control route, over one sandbox."""

    def __init__(self, sandbox: Controllable) -> None:
        self.sandbox = sandbox

    async def stats(self, request: Request) -> JSONResponse:
        if request.method == "DELETE":
            self.sandbox.stats.reset()
        return JSONResponse(self.sandbox.stats.snapshot())

    async def faults(self, request: Request) -> JSONResponse:
        if request.method == "PUT":
            body = await request.body()
            try:
                spec = FaultSpec.parse(body.decode()) if body.strip() else FaultSpec()
            except FaultSpecError as exc:
                return _bad(str(exc))
            self.sandbox.faults.set(spec)
        return JSONResponse(self.sandbox.faults.spec.model_dump())

    async def reset(self, request: Request) -> JSONResponse:
        self.sandbox.reset()
        return JSONResponse({"reset": True})

    async def seed(self, request: Request) -> JSONResponse:
        params = request.query_params
        try:
            records, seed_value = int(params.get("records", "100")), int(params.get("seed", "0"))
        except ValueError:
            return _bad("records and seed must be integers")
        return JSONResponse(self.sandbox.seed(records, seed_value))

    async def clock(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                seconds = float(request.query_params.get("advance", "0"))
            except ValueError:
                return _bad("advance must be a number of seconds")
            self.sandbox.clock.advance(seconds)
            await run_in_threadpool(self.sandbox.tick)  # what fell due moves on now
        return JSONResponse(self.sandbox.clock.snapshot())
