"""Writes through batch create/update/upsert and deletes through batch archive, 100 inputs
a call, with one `WriteResult` per input row, in input order.

Every input carries its row's index as `objectWriteTraceId`, which HubSpot echoes in its
results and names in the `context` of its per-input errors (207 Multi-Status), so each
answer finds its row. Rows that cannot be sent are rejected before any call: an unknown
field (a UsageError for the whole write, as for every CRM), a read-only or calculated
property, a value its kind cannot take, an update without a numeric id, an upsert without
its key. An upsert matches on `idProperty` = the key, which must be a unique property
(`hasUniqueValue`, or the contacts' email); a key repeated in a call starts a new call.

A call HubSpot refuses whole (400, 409) is split: inputs its errors name are rejected and
the rest sent again; when it names none, the inputs are sent in halves until each refused
one stands alone, so every row still gets its own answer.

Batch archive answers 204 even for ids that do not exist, so a delete first reads the ids
(batch read) and archives those found; an id not found, or given twice in one delete, is a
failed row.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crmlink.connectors._http import url
from crmlink.connectors.hubspot import errors, values
from crmlink.connectors.hubspot.describe import KEY, ObjectInfo
from crmlink.connectors.hubspot.http import HubSpotHttp
from crmlink.connectors.hubspot.spec import SPEC
from crmlink.connectors.writing import match_key
from crmlink.errors import CrmlinkError, NotFoundError, UsageError
from crmlink.filters.validate import unknown_field
from crmlink.model import Reject, WriteMode, WriteResult

BATCH_SIZE = SPEC.capabilities.write_batch_size  # inputs of one batch call
REFUSED_WHOLE = (400, 409)  # statuses of a call refused for what some input holds


@dataclass(frozen=True)
class Planned:
    """One row as an input of a batch call, or its reject."""

    index: int
    body: dict | None = None  # the input sent
    key: str | None = None  # the record id (update) or key value (upsert), to match answers
    reject: Reject | None = None


class Writer:
    def __init__(self, http: HubSpotHttp, batch_size: int = BATCH_SIZE) -> None:
        self.http, self.batch_size = http, max(1, min(batch_size, BATCH_SIZE))

    # -- writes ---------------------------------------------------------------------------
    def write(
        self, info: ObjectInfo, rows: Iterable[dict], mode: WriteMode, key: str | None
    ) -> Iterator[WriteResult]:
        key_field = match_key(info.table, mode, key, "unique property (hasUniqueValue)")
        action = {WriteMode.INSERT: "create", WriteMode.UPDATE: "update"}.get(mode, "upsert")
        if key_field == KEY:  # an upsert by record id updates the records it names
            action = "update"
        planned = (_plan(info, i, row, action, key_field) for i, row in enumerate(rows))
        for chunk in self._chunks(planned):
            answers = self._send(info, action, [p for p in chunk if p.body is not None])
            for p in chunk:
                yield _result(p, answers)

    def _chunks(self, planned: Iterator[Planned]) -> Iterator[list[Planned]]:
        """Calls of at most `batch_size` inputs, none holding one key twice."""
        chunk: list[Planned] = []
        keys: set[str] = set()
        for p in planned:
            if len(chunk) >= self.batch_size or (p.key is not None and p.key in keys):
                yield chunk
                chunk, keys = [], set()
            chunk.append(p)
            if p.key is not None and p.body is not None:
                keys.add(p.key)
        if chunk:
            yield chunk

    def _send(self, info: ObjectInfo, action: str, planned: list[Planned]) -> dict[int, Any]:
        """{row index: WriteResult} for the inputs HubSpot answered."""
        if not planned:
            return {}
        path = url("/crm/v3/objects", info.path, "batch", action)
        inputs = {"inputs": [p.body for p in planned]}
        try:
            body = self.http.json("POST", path, idempotent=action != "create", json=inputs)
        except CrmlinkError as exc:  # a refusal of the whole call: per-row answers if it can
            if exc.context.get("status") not in REFUSED_WHOLE or isinstance(exc, NotFoundError):
                raise
            return self._refused(info, action, planned, exc)
        return _answers(planned, body if isinstance(body, dict) else {}, action)

    def _refused(
        self, info: ObjectInfo, action: str, planned: list[Planned], exc: CrmlinkError
    ) -> dict[int, Any]:
        body = getattr(exc, "body", None) or {}
        entries = [e for e in body.get("errors") or [body] if isinstance(e, dict)]
        by_trace = {str(p.index): p for p in planned}
        out: dict[int, Any] = {}
        for entry in entries:
            for p in _named(entry, planned, by_trace):
                out.setdefault(p.index, _failed(p, errors.reject(entry)))
        if out:
            rest = [p for p in planned if p.index not in out]
            return out | self._send(info, action, rest)
        if len(planned) == 1:
            (only,) = planned
            code = str(exc.context.get("code") or "REFUSED")
            return {only.index: _failed(only, Reject(code, exc.message))}
        half = len(planned) // 2
        return self._send(info, action, planned[:half]) | self._send(info, action, planned[half:])

    # -- deletes --------------------------------------------------------------------------
    def delete(self, info: ObjectInfo, ids: Iterable[Any]) -> Iterator[WriteResult]:
        seen: set[str] = set()
        numbered = enumerate(ids)
        while chunk := list(itertools.islice(numbered, self.batch_size)):
            planned = [_delete_plan(i, raw, seen) for i, raw in chunk]
            wanted = [p.key for p in planned if p.key is not None]
            found = self._existing(info, wanted)
            gone = [record_id for record_id in wanted if record_id in found]
            if gone:
                path = url("/crm/v3/objects", info.path, "batch", "archive")
                self.http.json("POST", path, json={"inputs": [{"id": i} for i in gone]})
            for p in planned:
                if p.reject is not None or p.key is None:
                    yield WriteResult(p.index, None, False, error=p.reject)
                elif p.key in found:
                    yield WriteResult(p.index, p.key, True)
                else:
                    missing = Reject(
                        "OBJECT_NOT_FOUND", f"HubSpot has no {info.table.name} {p.key}"
                    )
                    yield WriteResult(p.index, p.key, False, error=missing)

    def _existing(self, info: ObjectInfo, ids: list[str]) -> set[str]:
        """The ids of `ids` that are records (not archived) of the object type."""
        if not ids:
            return set()
        path = url("/crm/v3/objects", info.path, "batch", "read")
        request = {"inputs": [{"id": i} for i in ids], "properties": [KEY]}
        try:
            body = self.http.json("POST", path, json=request)
        except NotFoundError:  # none of them exists
            return set()
        results = body.get("results") if isinstance(body, dict) else None
        return {str(r.get("id")) for r in results or [] if isinstance(r, dict)}


# -- planning -----------------------------------------------------------------------------
def _plan(info: ObjectInfo, index: int, row: dict, action: str, key: str | None) -> Planned:
    table = info.table
    properties: dict[str, str] = {}
    for name, value in row.items():
        field = table.field(name)
        if field is None:
            raise UsageError(unknown_field(table, name), object=table.name, field=name)
        if field.name == KEY:
            continue  # the record id travels as the input's `id`
        if not (field.createable if action == "create" else field.updateable):
            why = f"{field.name} is read-only in HubSpot: leave it out of the {action}"
            return Planned(index, reject=Reject("READ_ONLY", why, (field.name,)))
        try:
            properties[field.name] = values.write_value(field, value)
        except (ValueError, TypeError) as exc:
            return Planned(
                index, reject=Reject("INVALID_VALUE", f"{field.name}: {exc}", (field.name,))
            )
    body: dict[str, Any] = {"properties": properties, "objectWriteTraceId": str(index)}
    if action == "create":
        return Planned(index, body)
    assert key is not None  # match_key gives update and upsert a key
    given = next((v for k, v in row.items() if k.lower() == key.lower()), None)
    if given is None or str(given).strip() == "":
        why = f"the row has no {key} value, which {action} needs"
        return Planned(index, reject=Reject("MISSING_KEY", why, (key,)))
    if action == "update":
        record_id = str(given).strip()
        if not record_id.isdigit():
            why = f"{clip_id(given)} is not a HubSpot record id (a number)"
            return Planned(index, reject=Reject("INVALID_ID", why, (key,)))
        return Planned(index, {**body, "id": str(int(record_id))}, str(int(record_id)))
    value = values.write_value(table.require_field(key), given)
    return Planned(index, {**body, "idProperty": key, "id": value}, value.lower())


def clip_id(value: Any) -> str:
    text = repr(str(value))
    return text if len(text) <= 40 else text[:39] + "…"


def _delete_plan(index: int, raw: Any, seen: set[str]) -> Planned:
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit():
        why = f"{clip_id(raw)} is not a HubSpot record id (a number)"
        return Planned(index, reject=Reject("INVALID_ID", why))
    record_id = str(int(text))
    if record_id in seen:
        why = f"record {record_id} is deleted once: it was given earlier in this delete"
        return Planned(index, reject=Reject("OBJECT_NOT_FOUND", why))
    seen.add(record_id)
    return Planned(index, key=record_id)


# -- answers ------------------------------------------------------------------------------
def _answers(planned: list[Planned], body: dict, action: str) -> dict[int, Any]:
    by_trace = {str(p.index): p for p in planned}
    results = [r for r in body.get("results") or [] if isinstance(r, dict)]
    out: dict[int, Any] = {}
    untraced = not any("objectWriteTraceId" in r for r in results)
    in_order = untraced and action == "create" and not body.get("errors")
    for position, result in enumerate(results):
        p = _match(result, planned, by_trace)
        if p is None and in_order and len(results) == len(planned):
            p = planned[position]  # all created, no traces echoed: HubSpot keeps input order
        if p is not None:
            created = action == "create" or result.get("new") is True
            out[p.index] = WriteResult(p.index, str(result.get("id")), True, created)
    for entry in body.get("errors") or []:
        if isinstance(entry, dict):
            for p in _named(entry, planned, by_trace):
                out.setdefault(p.index, _failed(p, errors.reject(entry)))
    return out


def _match(result: dict, planned: list[Planned], by_trace: dict[str, Planned]) -> Planned | None:
    trace = result.get("objectWriteTraceId")
    if trace is not None:
        return by_trace.get(str(trace))
    record_id = str(result.get("id"))
    return next((p for p in planned if p.key == record_id), None)


def _named(entry: dict, planned: list[Planned], by_trace: dict[str, Planned]) -> list[Planned]:
    context = errors.as_dict(entry.get("context"))
    traces = context.get("objectWriteTraceId") or []
    ids = (
        {str(i) for i in context.get("ids") or []}
        if isinstance(context.get("ids"), list)
        else set()
    )
    named = (
        [by_trace[str(t)] for t in traces if str(t) in by_trace] if isinstance(traces, list) else []
    )
    return named + [p for p in planned if p.key in ids and p not in named]


def _failed(p: Planned, reject: Reject) -> WriteResult:
    record_id = p.body.get("id") if p.body and "idProperty" not in p.body else None
    return WriteResult(p.index, record_id, False, error=reject)


def _result(p: Planned, answers: dict[int, Any]) -> WriteResult:
    if p.reject is not None:
        return WriteResult(p.index, None, False, error=p.reject)
    answered = answers.get(p.index)
    if answered is None:
        return WriteResult(
            p.index, None, False, error=Reject("UNPROCESSED", "HubSpot gave no answer for this row")
        )
    return answered
