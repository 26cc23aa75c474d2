"""`POST /crm/v3/objects/{objectType}/batch/{read,create,update,upsert,archive}`:
200 (201 for create) when every input succeeded, 207 Multi-Status with `errors` and
`numErrors` when some failed; archive answers 204."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.hubspot.models.batch import BatchRunner
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.http import guarded, json_object, json_response

BATCH = "/crm/v3/objects/{objectType}/batch"


def batch_routes(ctx: SandboxContext) -> list[RouteSpec]:
    runner = BatchRunner(ctx.records)

    def handler(operation: str, success: int):
        def run(request: Request, body: bytes) -> Response:
            object_type = ctx.objects.resolve(request.path_params["objectType"])
            payload = json_object(body)
            if operation == "archive":
                runner.archive(object_type, payload)
                return Response(status_code=204)
            outcome = getattr(runner, operation)(object_type, payload)
            status = 207 if outcome.failed else success
            return json_response(outcome.body(object_type, ctx.clock.now()), status)

        return guarded(ctx, run)

    return [
        route("POST", f"{BATCH}/{op}", handler(op, 201 if op == "create" else 200), f"batch {op}")
        for op in ("read", "create", "update", "upsert", "archive")
    ]
