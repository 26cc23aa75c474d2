"""Batch read/create/update/upsert/archive over the record store, with HubSpot's
per-record outcome: every result echoes its input's `objectWriteTraceId`; a failed input
becomes an error naming it (`context.objectWriteTraceId`, and `context.ids` for ids not
found), the others are written. At most 100 inputs per call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from crmlink.sandbox.hubspot.errors import HubSpotError, ObjectNotFound, ValidationFailed
from crmlink.sandbox.hubspot.models.create_links import link, planned_links
from crmlink.sandbox.hubspot.models.objects import ObjectType
from crmlink.sandbox.hubspot.models.records import RecordStore, Row, parse_id
from crmlink.sandbox.hubspot.models.values import wire_datetime

MAX_INPUTS = 100
KEPT = ["createdate", "hs_lastmodifieddate", "hs_object_id", "lastmodifieddate"]


@dataclass
class BatchOutcome:
    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # ids not found (one error for all)
    started: str = ""

    def body(self, object_type: ObjectType, now: dt.datetime) -> dict[str, Any]:
        errors = list(self.errors)
        if self.missing:
            kind = object_type.singular.upper().replace(" ", "_")
            errors.insert(
                0,
                ObjectNotFound(
                    f"Could not get some {kind} objects, they may be deleted or not exist. "
                    "Check that ids are valid."
                ).batch_error({"ids": self.missing}),
            )
        out: dict[str, Any] = {"status": "COMPLETE", "results": self.results}
        if errors:
            out["numErrors"] = len(errors)
            out["errors"] = errors
        out["startedAt"] = self.started
        out["completedAt"] = wire_datetime(now)
        return out

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.missing)


def inputs_of(payload: Any) -> list[dict[str, Any]]:
    """The batch's inputs; not a list of objects, or more than 100: HubSpot's 400."""
    inputs = payload.get("inputs") if isinstance(payload, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise ValidationFailed("Invalid input JSON: inputs must be a list of objects")
    if len(inputs) > MAX_INPUTS:
        raise ValidationFailed(
            f"Batch input cannot contain more than {MAX_INPUTS} items; {len(inputs)} were given"
        )
    return inputs


def _trace(item: dict[str, Any]) -> dict[str, list[str]]:
    trace = item.get("objectWriteTraceId")
    return {"objectWriteTraceId": [str(trace)]} if trace is not None else {}


class BatchRunner:
    def __init__(self, records: RecordStore) -> None:
        self.records = records

    def _start(self) -> BatchOutcome:
        return BatchOutcome(started=wire_datetime(self.records.clock.now()))

    def _result(self, row: Row, item: dict[str, Any], names: list[str] | None) -> dict[str, Any]:
        body = self.records.render(row, names)
        if item.get("objectWriteTraceId") is not None:
            body["objectWriteTraceId"] = str(item["objectWriteTraceId"])
        return body

    def _written(self, item: dict[str, Any]) -> list[str]:
        props = item.get("properties")
        return [*props, *KEPT] if isinstance(props, dict) else KEPT

    def _unique(self, object_type: ObjectType, id_property: Any) -> str | None:
        if id_property in (None, "", "hs_object_id"):
            return None
        if not isinstance(id_property, str):
            raise ValidationFailed("idProperty must be a property name")
        assert id_property is not None
        prop = self.records.catalog.of(object_type.name).get(id_property)
        if prop is None or not prop.has_unique_value:
            raise ValidationFailed(
                f"{id_property} is not a unique property of {object_type.name}; "
                "idProperty must name a property with hasUniqueValue"
            )
        return id_property

    def _find(self, object_type: ObjectType, value: str, id_property: str | None) -> Row | None:
        if id_property:
            return self.records.get_by(object_type, id_property, value)
        record_id = parse_id(value)
        return None if record_id is None else self.records.get(object_type, record_id)

    def read(self, object_type: ObjectType, payload: dict[str, Any]) -> BatchOutcome:
        outcome, inputs = self._start(), inputs_of(payload)
        id_property = self._unique(object_type, payload.get("idProperty"))
        names = payload.get("properties") or None
        if names is not None and not (
            isinstance(names, list) and all(isinstance(n, str) for n in names)
        ):
            raise ValidationFailed("properties must be a list of property names")
        for item in inputs:
            value = str(item.get("id", ""))
            row = self._find(object_type, value, id_property)
            if row is None:
                outcome.missing.append(value)
            else:
                outcome.results.append(self._result(row, item, names))
        return outcome

    def create(self, object_type: ObjectType, payload: dict[str, Any]) -> BatchOutcome:
        outcome, inputs = self._start(), inputs_of(payload)
        with self.records.batch() as conn:
            for item in inputs:
                try:
                    links = planned_links(conn, object_type.name, item.get("associations"))
                    row = self.records.create(object_type, item.get("properties") or {})
                    link(conn, links, row[1])
                except HubSpotError as exc:
                    outcome.errors.append(exc.batch_error(_trace(item)))
                    continue
                outcome.results.append(self._result(row, item, self._written(item)))
        return outcome

    def update(self, object_type: ObjectType, payload: dict[str, Any]) -> BatchOutcome:
        outcome, inputs = self._start(), inputs_of(payload)
        with self.records.batch():
            for item in inputs:
                value = str(item.get("id", ""))
                try:
                    id_property = self._unique(object_type, item.get("idProperty"))
                    row = self._find(object_type, value, id_property)
                    if row is None:
                        outcome.missing.append(value)
                        continue
                    row = self.records.update(object_type, row[1], item.get("properties") or {})
                except HubSpotError as exc:
                    outcome.errors.append(exc.batch_error(_trace(item)))
                    continue
                outcome.results.append(self._result(row, item, self._written(item)))
        return outcome

    def upsert(self, object_type: ObjectType, payload: dict[str, Any]) -> BatchOutcome:
        outcome, inputs = self._start(), inputs_of(payload)
        with self.records.batch():
            for item in inputs:
                try:
                    id_property = self._unique(object_type, item.get("idProperty"))
                    if id_property is None:
                        raise ValidationFailed(
                            "idProperty is required for upsert and must be a unique property"
                        )
                    row, new = self.records.upsert(
                        object_type,
                        id_property,
                        str(item.get("id", "")),
                        item.get("properties") or {},
                    )
                except HubSpotError as exc:
                    outcome.errors.append(exc.batch_error(_trace(item)))
                    continue
                result = self._result(row, item, [id_property, *self._written(item)])
                result["new"] = new
                outcome.results.append(result)
        return outcome

    def archive(self, object_type: ObjectType, payload: dict[str, Any]) -> None:
        inputs = inputs_of(payload)
        with self.records.batch():
            for item in inputs:
                value = str(item.get("id", ""))
                record_id = parse_id(value)
                if record_id is not None:
                    self.records.archive(object_type, record_id)
