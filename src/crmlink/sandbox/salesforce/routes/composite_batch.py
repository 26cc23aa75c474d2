"""Composite Batch: `POST /composite/batch`, up to 25 independent subrequests.

Each subrequest commits on its own (a later failure never undoes an earlier success) and,
as Salesforce documents, counts against the API limits: the outer request spends one call,
each subrequest after the first one more. With `haltOnError`, the subrequests after the
first failure are not run and answer 412 `BATCH_PROCESSING_HALTED`.
"""

from __future__ import annotations

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.composite import (
    BATCH_HALTED,
    BatchProcessingHalted,
    Subrequest,
    batch_request,
)
from crmlink.sandbox.salesforce.routes.common import Call, api
from crmlink.sandbox.salesforce.routes.context import SandboxContext
from crmlink.sandbox.salesforce.routes.subrequests import Dispatcher, SubResponse

BATCH = "/services/data/v{version}/composite/batch"


def batch(dispatcher: Dispatcher):
    def handler(call: Call):
        subs, halt_on_error = batch_request(call.json())
        answers: list[SubResponse] = []
        for number, sub in enumerate(subs):
            if halt_on_error and any(a.failed for a in answers):
                answers.append(SubResponse.error(BatchProcessingHalted(BATCH_HALTED)))
                continue
            answers.append(_run(call, dispatcher, sub, spend=number > 0))
        results = [{"statusCode": a.status, "result": a.body} for a in answers]
        return 200, {"hasErrors": any(a.failed for a in answers), "results": results}

    return handler


def _run(call: Call, dispatcher: Dispatcher, sub: Subrequest, spend: bool) -> SubResponse:
    if spend:
        try:
            call.ctx.org.spend_api_call()
        except errors.SalesforceError as exc:  # the quota ran out mid-batch
            return SubResponse.error(exc)
    return dispatcher.send(sub)


def routes(ctx: SandboxContext, dispatcher: Dispatcher) -> list[RouteSpec]:
    return [route("POST", BATCH, api(ctx, batch(dispatcher)), "composite batch")]
