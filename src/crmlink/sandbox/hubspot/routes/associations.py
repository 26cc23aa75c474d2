"""Associations v4: one record's associations (GET, paged), a labelled link (PUT), the
default link (PUT …/associations/default/…), unlinking (DELETE), the batch calls
(`/crm/v4/associations/{from}/{to}/batch/create|associate/default|read|archive|labels/archive`)
and the pair's association types (`GET …/labels`). Rules and storage: `models/associations.py`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.hubspot.errors import (
    HubSpotError,
    ObjectNotFound,
    ValidationFailed,
    object_not_found,
)
from crmlink.sandbox.hubspot.models import associations as assoc
from crmlink.sandbox.hubspot.models.objects import ObjectType
from crmlink.sandbox.hubspot.models.values import wire_datetime
from crmlink.sandbox.hubspot.routes.context import SandboxContext
from crmlink.sandbox.hubspot.routes.http import (
    guarded,
    int_param,
    json_object,
    json_response,
    parse_json,
)

V4 = "/crm/v4/objects/{objectType}/{objectId}/associations"
BATCH = "/crm/v4/associations/{fromObjectType}/{toObjectType}"
PAGE, MAX_PAGE = 500, 500
MAX_BATCH, MAX_BATCH_READ = 2000, 1000


def _id(text: Any) -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if isinstance(text, str) and text.isdigit() and len(text) < 19:
        return int(text)
    raise ValidationFailed(f"Invalid object id: {text!r}; object ids are numeric.")


def _kinds(from_type: ObjectType, to_type: ObjectType, specs: Any) -> list[assoc.AssociationType]:
    """A body's `[{"associationCategory", "associationTypeId"}]` as known types."""
    if not isinstance(specs, list) or not specs:
        raise ValidationFailed("Invalid input JSON: expected a non-empty list of association types")
    kinds = []
    for spec in specs:
        if not isinstance(spec, dict) or spec.get("associationCategory") not in assoc.CATEGORIES:
            raise ValidationFailed(
                "Invalid input JSON: associationCategory must be one of "
                f"{', '.join(assoc.CATEGORIES)}"
            )
        type_id = spec.get("associationTypeId")
        if not isinstance(type_id, int) or isinstance(type_id, bool):
            raise ValidationFailed("Invalid input JSON: associationTypeId must be an integer")
        kinds.append(
            assoc.find_type(from_type.name, to_type.name, type_id, spec["associationCategory"])
        )
    return kinds


def _inputs(data: dict[str, Any], top: int) -> list[dict[str, Any]]:
    inputs = data.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise ValidationFailed("Invalid input JSON: expected inputs, a list of objects")
    if len(inputs) > top:
        raise ValidationFailed(f"Batch input must not exceed {top} inputs; got {len(inputs)}")
    return inputs


def _labels_pair(
    from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int, kinds: Any
) -> dict[str, Any]:
    return {
        "fromObjectTypeId": from_type.type_id,
        "fromObjectId": from_id,
        "toObjectTypeId": to_type.type_id,
        "toObjectId": to_id,
        "labels": [k.label for k in kinds if k.label is not None],
    }


def _default_pair(from_id: int, to_id: int, kind: assoc.AssociationType) -> list[dict[str, Any]]:
    """PUT …/default answers the link in both directions."""

    def one(a: int, b: int, type_id: int) -> dict[str, Any]:
        spec = {"associationCategory": kind.category, "associationTypeId": type_id}
        return {"from": {"id": str(a)}, "to": {"id": str(b)}, "associationSpec": spec}

    return [one(from_id, to_id, kind.type_id), one(to_id, from_id, kind.inverse_id)]


class _Batch:
    """A batch answer: HubSpot's envelope, 207 with `errors`/`numErrors` when any failed."""

    def __init__(self, ctx: SandboxContext) -> None:
        self.started = wire_datetime(ctx.clock.now())
        self.clock = ctx.clock
        self.results: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def fail(self, error: HubSpotError, context: dict[str, list[str]]) -> None:
        self.errors.append(error.batch_error(context))

    def response(self, ok_status: int) -> Response:
        body: dict[str, Any] = {"status": "COMPLETE", "results": self.results}
        if self.errors:
            body["numErrors"] = len(self.errors)
            body["errors"] = self.errors
        body["startedAt"] = self.started
        body["completedAt"] = wire_datetime(self.clock.now())
        return json_response(body, 207 if self.errors else ok_status)


def _check_exist(
    conn: Any, from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int
) -> None:
    """A batch input's two records must exist (each failure names its side)."""
    for object_type, record_id, side in (
        (from_type, from_id, "fromObjectId"),
        (to_type, to_id, "toObjectId"),
    ):
        if not assoc.exists(conn, object_type.name, record_id):
            raise ValidationFailed(
                f"No {object_type.singular.lower()} with id {record_id} exists.",
                sub_category="crm.associations.INVALID_OBJECT_IDS",
                context={side: [str(record_id)]},
            )


def association_routes(ctx: SandboxContext) -> list[RouteSpec]:  # noqa: C901 - one closure each
    with ctx.records.batch() as conn:  # from the start: search's associations.<type> reads it
        assoc.create_schema(conn)

    def types(request: Request, prefix: str = "") -> tuple[ObjectType, ObjectType]:
        params = request.path_params
        if prefix:
            return ctx.objects.resolve(params["fromObjectType"]), ctx.objects.resolve(
                params["toObjectType"]
            )
        return ctx.objects.resolve(params["objectType"]), ctx.objects.resolve(
            params["toObjectType"]
        )

    def both_exist(
        conn: Any, from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int
    ) -> None:
        for object_type, record_id in ((from_type, from_id), (to_type, to_id)):
            if not assoc.exists(conn, object_type.name, record_id):
                raise object_not_found(str(record_id))

    def listing(request: Request, body: bytes) -> Response:
        from_type, to_type = types(request)
        from_id = _id(request.path_params["objectId"])
        limit = int_param(request, "limit", PAGE, top=MAX_PAGE)
        after = _id(request.query_params.get("after") or "0")
        with ctx.records.store.reader() as conn:
            found = assoc.links(conn, from_type.name, from_id, to_type.name, after=after)
        out: dict[str, Any] = {"results": [link.to_api() for link in found[:limit]]}
        if len(found) > limit:
            cursor = str(found[limit - 1].to_id)
            query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
            base = str(request.base_url).rstrip("/")
            link = f"{base}{request.url.path}?{urlencode([*query, ('after', cursor)])}"
            out["paging"] = {"next": {"after": cursor, "link": link}}
        return json_response(out)

    def pair(request: Request, body: bytes) -> Response:
        from_type, to_type = types(request)
        from_id = _id(request.path_params["objectId"])
        to_id = _id(request.path_params["toObjectId"])
        with ctx.records.batch() as conn:
            if request.method == "DELETE":
                assoc.unlink(conn, from_type.name, from_id, to_type.name, to_id)
                return Response(status_code=204)
            kinds = _kinds(from_type, to_type, parse_json(body))
            both_exist(conn, from_type, from_id, to_type, to_id)
            assoc.associate(conn, kinds, from_id, to_id)
        return json_response(_labels_pair(from_type, from_id, to_type, to_id, kinds), 201)

    def default(request: Request, body: bytes) -> Response:
        from_type = ctx.objects.resolve(request.path_params["fromObjectType"])
        to_type = ctx.objects.resolve(request.path_params["toObjectType"])
        from_id = _id(request.path_params["fromObjectId"])
        to_id = _id(request.path_params["toObjectId"])
        kind = assoc.default_type(from_type.name, to_type.name)
        batch = _Batch(ctx)
        with ctx.records.batch() as conn:
            both_exist(conn, from_type, from_id, to_type, to_id)
            assoc.associate(conn, [kind], from_id, to_id)
        batch.results = _default_pair(from_id, to_id, kind)
        return batch.response(200)

    def labels(request: Request, body: bytes) -> Response:
        from_type, to_type = types(request, "batch")
        found = assoc.types_between(from_type.name, to_type.name)
        return json_response({"results": [k.to_api() for k in found]})

    def batch_create(request: Request, body: bytes) -> Response:
        from_type, to_type = types(request, "batch")
        batch = _Batch(ctx)
        with ctx.records.batch() as conn:
            for item in _inputs(json_object(body), MAX_BATCH):
                try:
                    from_id = _id((item.get("from") or {}).get("id"))
                    to_id = _id((item.get("to") or {}).get("id"))
                    kinds = _kinds(from_type, to_type, item.get("types"))
                    _check_exist(conn, from_type, from_id, to_type, to_id)
                except HubSpotError as exc:
                    batch.fail(exc, {})
                    continue
                assoc.associate(conn, kinds, from_id, to_id)
                batch.results.append(_labels_pair(from_type, from_id, to_type, to_id, kinds))
        return batch.response(201)

    def batch_default(request: Request, body: bytes) -> Response:
        from_type, to_type = types(request, "batch")
        kind = assoc.default_type(from_type.name, to_type.name)
        batch = _Batch(ctx)
        with ctx.records.batch() as conn:
            for item in _inputs(json_object(body), MAX_BATCH):
                try:
                    from_id = _id((item.get("from") or {}).get("id"))
                    to_id = _id((item.get("to") or {}).get("id"))
                    _check_exist(conn, from_type, from_id, to_type, to_id)
                except HubSpotError as exc:
                    batch.fail(exc, {})
                    continue
                assoc.associate(conn, [kind], from_id, to_id)
                batch.results.extend(_default_pair(from_id, to_id, kind)[:1])
        return batch.response(200)

    def batch_read(request: Request, body: bytes) -> Response:
        from_type, to_type = types(request, "batch")
        batch = _Batch(ctx)
        with ctx.records.store.reader() as conn:
            for item in _inputs(json_object(body), MAX_BATCH_READ):
                try:
                    from_id = _id(item.get("id"))
                    after = _id(item.get("after") or "0")
                except HubSpotError as exc:
                    batch.fail(exc, {})
                    continue
                found = assoc.links(conn, from_type.name, from_id, to_type.name, after=after)
                if not found:
                    none = ObjectNotFound(
                        f"No {to_type.name} is associated with "
                        f"{from_type.singular.lower()} {from_id}.",
                        sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
                    )
                    batch.fail(none, {"fromObjectId": [str(from_id)]})
                    continue
                batch.results.append(
                    {"from": {"id": str(from_id)}, "to": [link.to_api() for link in found]}
                )
        return batch.response(200)

    def batch_archive(request: Request, body: bytes) -> Response:
        from_type, to_type = types(request, "batch")
        inputs = _inputs(json_object(body), MAX_BATCH)
        with ctx.records.batch() as conn:
            for item in inputs:
                from_id = _id((item.get("from") or {}).get("id"))
                targets = item.get("to")
                if not isinstance(targets, list):
                    raise ValidationFailed("Invalid input JSON: to must be a list of ids")
                for target in targets:
                    to_id = _id((target or {}).get("id"))
                    assoc.unlink(conn, from_type.name, from_id, to_type.name, to_id)
        return Response(status_code=204)

    def batch_archive_labels(request: Request, body: bytes) -> Response:
        from_type, to_type = types(request, "batch")
        inputs = _inputs(json_object(body), MAX_BATCH)
        with ctx.records.batch() as conn:
            for item in inputs:
                from_id = _id((item.get("from") or {}).get("id"))
                to_id = _id((item.get("to") or {}).get("id"))
                kinds = _kinds(from_type, to_type, item.get("types"))
                assoc.remove_types(conn, kinds, from_id, to_id)
        return Response(status_code=204)

    g = guarded
    return [
        route("GET", f"{V4}/{{toObjectType}}", g(ctx, listing), "associations {toObjectType}"),
        route(
            "PUT",
            "/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/"
            "{toObjectType}/{toObjectId}",
            g(ctx, default),
            "associations default",
        ),
        route(
            "PUT DELETE", f"{V4}/{{toObjectType}}/{{toObjectId}}", g(ctx, pair), "associations pair"
        ),
        route("GET", f"{BATCH}/labels", g(ctx, labels), "associations labels"),
        route("POST", f"{BATCH}/batch/create", g(ctx, batch_create), "associations batch create"),
        route(
            "POST",
            f"{BATCH}/batch/associate/default",
            g(ctx, batch_default),
            "associations batch default",
        ),
        route("POST", f"{BATCH}/batch/read", g(ctx, batch_read), "associations batch read"),
        route(
            "POST", f"{BATCH}/batch/archive", g(ctx, batch_archive), "associations batch archive"
        ),
        route(
            "POST",
            f"{BATCH}/batch/labels/archive",
            g(ctx, batch_archive_labels),
            "associations batch labels archive",
        ),
    ]
