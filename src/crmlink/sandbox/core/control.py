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

    async def stats(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            sandbox.stats.reset()
        return JSONResponse(sandbox.stats.snapshot())

    async def faults(request: Request) -> JSONResponse:
        if request.method == "PUT":
            body = await request.body()
            try:
                spec = FaultSpec.parse(body.decode()) if body.strip() else FaultSpec()
            except FaultSpecError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            sandbox.faults.set(spec)
        return JSONResponse(sandbox.faults.spec.model_dump())

    async def reset(request: Request) -> JSONResponse:
        sandbox.reset()
        return JSONResponse({"reset": True})

    async def seed(request: Request) -> JSONResponse:
        params = request.query_params
        try:
            records, seed_value = int(params.get("records", "100")), int(params.get("seed", "0"))
        except ValueError:
            return JSONResponse({"error": "records and seed must be integers"}, status_code=400)
        return JSONResponse(sandbox.seed(records, seed_value))

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                seconds = float(request.query_params.get("advance", "0"))
            except ValueError:
                return JSONResponse(
                    {"error": "advance must be a number of seconds"}, status_code=400
                )
            sandbox.clock.advance(seconds)
            await run_in_threadpool(sandbox.tick)  # what fell due moves on now
        return JSONResponse(sandbox.clock.snapshot())

    return [
        Route(f"{ADMIN_PREFIX}/stats", stats, methods=["GET", "DELETE"]),
        Route(f"{ADMIN_PREFIX}/faults", faults, methods=["GET", "PUT"]),
        Route(f"{ADMIN_PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/seed", seed, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/clock", clock, methods=["GET", "POST"]),
    ]
