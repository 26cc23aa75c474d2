"""The control API under /__sandbox__/: stats, faults, reset, seed (as moto's /moto-api/)."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crmlink.sandbox.core.faults import ADMIN_PREFIX, FaultInjector, FaultSpec, FaultSpecError
from crmlink.sandbox.core.stats import CallStats


class Controllable(Protocol):
    faults: FaultInjector
    stats: CallStats

    def reset(self) -> None: ...

    def seed(self, records: int, seed: int) -> dict: ...


def admin_routes(sandbox: Controllable) -> list[Route]:
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

    return [
        Route(f"{ADMIN_PREFIX}/stats", stats, methods=["GET", "DELETE"]),
        Route(f"{ADMIN_PREFIX}/faults", faults, methods=["GET", "PUT"]),
        Route(f"{ADMIN_PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/seed", seed, methods=["POST"]),
    ]
