"""Writes and deletes through `$batch` (up to 1,000 operations a call, one transaction
per operation): insert = POST, update = PATCH by id with `If-Match: *` (never creates),
upsert = PATCH by alternate key or by id without `If-Match`. Results come back one per
input row, in input order; a row that cannot be sent is rejected locally.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from crmlink.connectors.dynamics import errors, paths, values
from crmlink.connectors.dynamics.batch import MAX_OPERATIONS, Answer, Operation, decode, encode
from crmlink.connectors.dynamics.describe import Entity
from crmlink.connectors.dynamics.http import DataverseHttp
from crmlink.connectors.writing import match_key
from crmlink.errors import CrmlinkError, UsageError
from crmlink.filters.validate import unknown_field
from crmlink.model import FieldKind, Reject, WriteMode, WriteResult

K = FieldKind
_ENTITY_ID = re.compile(r"\(([0-9a-fA-F-]{36})\)\s*$")
_POLY_VALUE = re.compile(r"^/?(?:(\w+):|(\w+)\()?\{?([0-9a-fA-F-]{36})\}?\)?$")


class Writer:
    def __init__(self, http: DataverseHttp, batch_size: int = MAX_OPERATIONS) -> None:
        self.http, self.batch_size = http, min(batch_size, MAX_OPERATIONS)

    def write(
        self, entity: Entity, rows: Iterable[dict], mode: WriteMode, key: str | None
    ) -> Iterator[WriteResult]:
        key_field = match_key(entity.table, mode, key, "alternate key column")
        paths.identifier(entity.entity_set)  # the URL of every operation starts with it
        numbered = enumerate(rows)
        while chunk := list(itertools.islice(numbered, self.batch_size)):
            planned = [(i, self._operation(entity, row, mode, key_field)) for i, row in chunk]
            yield from self._run(planned, mode)

    def delete(self, entity: Entity, ids: Iterable[str]) -> Iterator[WriteResult]:
        paths.identifier(entity.entity_set)
        numbered = enumerate(ids)
        while chunk := list(itertools.islice(numbered, self.batch_size)):
            planned = [(i, _delete_op(entity, record_id)) for i, record_id in chunk]
            yield from self._run(planned, None)

    # -- one $batch call ----------------------------------------------------------------
    def _run(self, planned: list, mode: WriteMode | None) -> Iterator[WriteResult]:
        sendable = [(i, op) for i, op in planned if isinstance(op, Operation)]
        answers = self._send([op for _, op in sendable]) if sendable else []
        by_index = dict(zip([i for i, _ in sendable], answers, strict=False))
        for index, op in planned:
            if isinstance(op, Reject):
                yield WriteResult(index, None, False, error=op)
            elif index not in by_index:
                unprocessed = Reject("UNPROCESSED", "Dataverse gave no answer for this row")
                yield WriteResult(index, None, False, error=unprocessed)
            else:
                yield _result(index, op, by_index[index], mode)

    def _send(self, operations: list[Operation]) -> list[Answer]:
        content_type, body = encode(operations, f"/api/data/v{self.http.version}/")
        headers = {"Content-Type": content_type, "Prefer": "odata.continue-on-error"}
        response = self.http.request(
            "POST", "$batch", idempotent=False, content=body, headers=headers
        )
        return decode(response.headers.get("Content-Type", ""), response.content)

    def _operation(
        self, entity: Entity, row: dict, mode: WriteMode, key: str | None
    ) -> Operation | Reject:
        try:
            record = _record(entity, row, skip=key)
            if mode == WriteMode.INSERT:
                return Operation("POST", entity.entity_set, record)
            if key is None:  # never: match_key gives update and upsert a key
                raise RuntimeError(f"{mode} needs a key field")
            target = _target(entity, row, key)
        except (ValueError, TypeError, CrmlinkError) as exc:
            if isinstance(exc, UsageError) and "unknown field" in str(exc):
                raise
            return Reject("INVALID_VALUE", str(exc))
        if target is None:
            return Reject("MISSING_KEY", f"the row has no {key} value, which {mode} needs", (key,))
        headers = {"If-Match": "*"} if mode == WriteMode.UPDATE else {}
        if mode == WriteMode.UPSERT:
            headers["Prefer"] = "return=representation"
            target += f"?$select={entity.table.key_field}"
        return Operation("PATCH", target, record, headers)


def _target(entity: Entity, row: dict, key: str) -> str | None:
    field = entity.table.require_field(key)
    value = next((v for k, v in row.items() if k.lower() == key.lower()), None)
    if value is None or str(value).strip() == "":
        return None
    prop = None if field.name == entity.table.key_field else field.name
    return paths.key_segment(entity.entity_set, value, field.kind, prop)


def _record(entity: Entity, row: dict, skip: str | None) -> dict:
    table, record = entity.table, {}
    for name, value in row.items():
        field = table.field(name)
        if field is None:
            raise UsageError(unknown_field(table, name), object=table.name, field=name)
        if skip and field.name in (skip, table.key_field):
            continue  # the key is in the URL
        if field.kind == K.REFERENCE:
            record.update(_bind(entity, field.name, value))
        else:
            record[field.name] = values.to_json(value, field.kind)
    return record


def _bind(entity: Entity, name: str, value: Any) -> dict[str, Any]:
    """`{"<nav>@odata.bind": "/<set>(<guid>)"}`; a multi-target lookup (customer, owner)
    takes `"<target>:<guid>"` or `"/<set>(<guid>)"` to say which table it points to."""
    targets = entity.lookups.get(name) or ()
    if value is None:
        nav = name if len(targets) <= 1 else f"{name}_{targets[0]}"
        return {f"{nav}@odata.bind": None}
    found = _POLY_VALUE.match(str(value).strip())
    if not found:
        raise ValueError(f"{value!r} is not a GUID for lookup {name!r}")
    logical, entity_set, record_id = found.groups()
    sets = entity.entity_sets
    if entity_set:
        logical = next((t for t, s in sets.items() if s == entity_set), entity_set)
    if logical is None and len(targets) != 1:
        raise ValueError(
            f"lookup {name!r} points to {', '.join(targets)}: write it as "
            f"'<table>:<guid>', e.g. '{targets[0] if targets else 'account'}:{record_id}'"
        )
    logical = logical or targets[0]
    if logical not in targets or logical not in sets:
        raise ValueError(f"lookup {name!r} cannot point to {logical!r}")
    nav = name if len(targets) == 1 else f"{name}_{logical}"
    return {f"{nav}@odata.bind": "/" + paths.key_segment(sets[logical], record_id, K.ID)}


def _delete_op(entity: Entity, record_id: Any) -> Operation | Reject:
    try:
        paths.guid(str(record_id or ""), entity.table.key_field)
    except CrmlinkError:
        return Reject("INVALID_ID", f"{record_id!r} is not a GUID")
    return Operation("DELETE", paths.key_segment(entity.entity_set, record_id, K.ID))


def _result(index: int, op: Operation, answer: Answer, mode: WriteMode | None) -> WriteResult:
    found = _ENTITY_ID.search(answer.headers.get("odata-entityid", ""))
    record_id = found.group(1).lower() if found else _id_in_url(op.url)
    if not answer.ok:
        return WriteResult(index, record_id, False, error=errors.reject(answer.status, answer.body))
    created = mode == WriteMode.INSERT or (mode == WriteMode.UPSERT and answer.status == 201)
    return WriteResult(index, record_id, True, created)


def _id_in_url(url: str) -> str | None:
    found = _ENTITY_ID.search(url.split("?")[0])
    return found.group(1).lower() if found else None
