"""Composite: `POST /composite`, up to 25 subrequests chained by `@{referenceId…}`.

Subrequests run in order (`collateSubrequests` may reorder on Salesforce; running in order
is one of the orders it allows). Without `allOrNone` each commits on its own and one that
refers to a failed or missing value answers 400 `PROCESSING_HALTED`; with it, all run in
one transaction: the first failure stops the run, rolls everything back, and every other
subrequest answers 400 `PROCESSING_HALTED` ("…rolled back…"). The whole request counts as
one API call.
"""

from __future__ import annotations

from collections.abc import Callable

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce.models.composite import (
    ROLLED_BACK,
    ProcessingHalted,
    Subrequest,
    composite_request,
    unresolved_message,
)
from crmlink.sandbox.salesforce.models.references import (
    UnresolvedReference,
    resolve_body,
    resolve_url,
)
from crmlink.sandbox.salesforce.routes.common import Call, api
from crmlink.sandbox.salesforce.routes.context import SandboxContext
from crmlink.sandbox.salesforce.routes.subrequests import Dispatcher, SubResponse

COMPOSITE = "/services/data/v{version}/composite"


class _Failed(Exception):
    def __init__(self, answers: list[SubResponse]) -> None:
        self.answers = answers


def run_chain(
    dispatcher: Dispatcher, subs: list[Subrequest], stop: Callable[[SubResponse], bool] | None
) -> list[SubResponse]:
    """Run `subs` in order, resolving references from the earlier successful answers;
    end at the first answer that `stop` names (None: run them all)."""
    bodies: dict[str, object] = {}
    answers: list[SubResponse] = []
    for sub in subs:
        answer = _run_one(dispatcher, sub, bodies)
        answers.append(answer)
        if not answer.failed:
            bodies[sub.reference_id or ""] = answer.body
        if stop is not None and stop(answer):
            break
    return answers


def _run_one(dispatcher: Dispatcher, sub: Subrequest, bodies: dict) -> SubResponse:
    try:
        url, body = resolve_url(sub.url, bodies), resolve_body(sub.body, bodies)
    except UnresolvedReference as ref:
        return SubResponse.error(ProcessingHalted(unresolved_message(ref.ref, ref.path)))
    return dispatcher.send(Subrequest(sub.method, url, sub.reference_id, body, sub.headers))


def _all_or_none(call: Call, dispatcher: Dispatcher, subs: list[Subrequest]) -> list[SubResponse]:
    try:
        with call.ctx.org.store.transaction():  # subrequests' writes join this one
            answers = run_chain(dispatcher, subs, stop=_fails_transaction)
            if any(_fails_transaction(a) for a in answers):
                raise _Failed(answers)  # leaving the block rolls every write back
    except _Failed as failed:
        return _rolled_back(failed.answers, len(subs))
    return answers


def _fails_transaction(answer: SubResponse) -> bool:
    """An error answer, or an sObject Collections answer with a failed record: the
    composite's allOrNone overrides the collection's own (as Salesforce documents)."""
    if answer.failed:
        return True
    body = answer.body
    return isinstance(body, list) and any(
        isinstance(r, dict) and r.get("success") is False for r in body
    )


def _rolled_back(answers: list[SubResponse], total: int) -> list[SubResponse]:
    """The failed subrequest keeps its answer; every other one says it was rolled back."""
    halted = SubResponse.error(ProcessingHalted(ROLLED_BACK))
    kept = [a if _fails_transaction(a) else halted for a in answers]
    return kept + [halted] * (total - len(kept))


def composite(dispatcher: Dispatcher):
    def handler(call: Call):
        subs, all_or_none = composite_request(call.json())
        if all_or_none:
            answers = _all_or_none(call, dispatcher, subs)
        else:
            answers = run_chain(dispatcher, subs, stop=None)
        return 200, {
            "compositeResponse": [_result(s, a) for s, a in zip(subs, answers, strict=True)]
        }

    return handler


def _result(sub: Subrequest, answer: SubResponse) -> dict:
    return {
        "body": answer.body,
        "httpHeaders": answer.headers,
        "httpStatusCode": answer.status,
        "referenceId": sub.reference_id,
    }


def resources(call: Call):
    """`GET /composite`: the composite resources this sandbox serves."""
    base = f"/services/data/v{call.version}/composite"
    return 200, {name: f"{base}/{name}" for name in ("tree", "batch", "sobjects")}


def routes(ctx: SandboxContext, dispatcher: Dispatcher) -> list[RouteSpec]:
    return [
        route("POST", COMPOSITE, api(ctx, composite(dispatcher)), "composite"),
        route("GET", COMPOSITE, api(ctx, resources), "composite resources", trailing_slash=True),
    ]
