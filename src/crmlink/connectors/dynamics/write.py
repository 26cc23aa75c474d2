"""Writes and deletes through `$batch` (up to 1,000 operations a call, one transaction
per operation): insert = POST, update = PATCH by id with `If-Match: *` (never creates),
upsert = PATCH by alternate key or by id without `If-Match`. Results come back one per
input row, in input order; a row that cannot be sent is rejected locally.

Inserts go first as one `CreateMultiple` per chunk (the service's bulk message: one
request and one transaction for up to 1,000 records, about half the server's work of a
`$batch` of POSTs in the sandbox). It is all or nothing, so when the service refuses a
chunk nothing of it was created and the chunk is sent again as a `$batch`, whose answers
say which rows failed and why. A table without the message (404) is written by `$batch`
from then on. An answer in doubt (the connection lost after sending) is never resent.

`$batch` calls run in parallel (`connectors/parallel.ordered`), as Dataverse's guidance
asks of bulk loads: as many at once as the server's `x-ms-dop-hint` answer header
recommends (the degree of parallelism of the environment; `DEFAULT_DOP` until an answer
has said), never more than the 52 concurrent requests per user that service protection
allows. A write uses the degree known when it starts. A crash leaves the rows of at most
that many calls in flight in doubt.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from crmlink.connectors.dynamics import errors, paths, values
from crmlink.connectors.dynamics.batch import MAX_OPERATIONS, Answer, Operation, decode, encode
from crmlink.connectors.dynamics.describe import Entity
from crmlink.connectors.dynamics.http import DataverseHttp
from crmlink.connectors.parallel import ordered
from crmlink.connectors.writing import match_key
from crmlink.errors import AuthError, CrmlinkError, NotFoundError, RetryableError, UsageError
from crmlink.filters.validate import unknown_field
from crmlink.model import FieldKind, Reject, RemoteField, RemoteTable, WriteMode, WriteResult

K = FieldKind
_ENTITY_ID = re.compile(r"\(([0-9a-fA-F-]{36})\)\s*$")
_POLY_VALUE = re.compile(r"^/?(?:(\w+):|(\w+)\()?\{?([0-9a-fA-F-]{36})\}?\)?$")
DEFAULT_DOP = 4  # $batch calls at once until the server's x-ms-dop-hint says otherwise
MAX_DOP = 52  # service protection: concurrent requests per user


class Writer:
    def __init__(self, http: DataverseHttp, batch_size: int = MAX_OPERATIONS) -> None:
        self.http, self.batch_size = http, min(batch_size, MAX_OPERATIONS)
        self.dop = DEFAULT_DOP  # the server's last x-ms-dop-hint
        self.no_multiple: set[str] = set()  # entity sets that answered 404 to CreateMultiple

    def write(
        self, entity: Entity, rows: Iterable[dict], mode: WriteMode, key: str | None
    ) -> Iterator[WriteResult]:
        key_field = match_key(entity.table, mode, key, "alternate key column")
        paths.identifier(entity.entity_set)  # the URL of every operation starts with it
        numbered = enumerate(rows)
        by_name = _fields_by_name(entity.table)
        calls = (
            functools.partial(
                self._run,
                [(i, self._operation(entity, row, mode, key_field, by_name)) for i, row in chunk],
                mode,
                entity,
            )
            for chunk in self._chunks(numbered)
        )
        for results in ordered(calls, self.dop):
            yield from results

    def delete(self, entity: Entity, ids: Iterable[str]) -> Iterator[WriteResult]:
        paths.identifier(entity.entity_set)
        numbered = enumerate(ids)
        calls = (
            functools.partial(self._run, [(i, _delete_op(entity, r)) for i, r in chunk], None)
            for chunk in self._chunks(numbered)
        )
        for results in ordered(calls, self.dop):
            yield from results

    def _chunks(self, numbered: Iterator[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
        while chunk := list(itertools.islice(numbered, self.batch_size)):
            yield chunk

    # -- one $batch call (in a worker thread) -------------------------------------------
    def _run(
        self, planned: list, mode: WriteMode | None, entity: Entity | None = None
    ) -> list[WriteResult]:
        sendable = [(i, op) for i, op in planned if isinstance(op, Operation)]
        created = None
        multiple = entity is not None and entity.entity_set not in self.no_multiple
        if sendable and entity is not None and mode == WriteMode.INSERT and multiple:
            created = self._create_multiple(entity, [op for _, op in sendable])
        if created is not None:
            by_id = dict(zip([i for i, _ in sendable], created, strict=True))
            return [
                WriteResult(index, by_id[index], True, True)
                if index in by_id
                else WriteResult(index, None, False, error=op)
                for index, op in planned
            ]
        answers = self._send([op for _, op in sendable]) if sendable else []
        by_index = dict(zip([i for i, _ in sendable], answers, strict=False))
        results = []
        for index, op in planned:
            if isinstance(op, Reject):
                results.append(WriteResult(index, None, False, error=op))
            elif index not in by_index:
                unprocessed = Reject("UNPROCESSED", "Dataverse gave no answer for this row")
                results.append(WriteResult(index, None, False, error=unprocessed))
            else:
                results.append(_result(index, op, by_index[index], mode))
        return results

    def _create_multiple(self, entity: Entity, operations: list[Operation]) -> list[str] | None:
        """The new ids, in order, or None when the service refused the chunk (then
        nothing of it was created: the caller sends it as a `$batch`)."""
        kind = f"Microsoft.Dynamics.CRM.{paths.identifier(entity.table.name)}"
        targets = [{"@odata.type": kind, **(op.body or {})} for op in operations]
        path = f"{entity.entity_set}/Microsoft.Dynamics.CRM.CreateMultiple"
        try:
            body = self.http.json("POST", path, idempotent=False, json={"Targets": targets})
        except (RetryableError, AuthError):
            raise  # in doubt, or not allowed at all: never resent
        except NotFoundError:
            self.no_multiple.add(entity.entity_set)  # this table only: $batch from now on
            return None
        except CrmlinkError:
            return None  # a record refused: the $batch says which
        ids = (body or {}).get("Ids")
        if not isinstance(ids, list) or len(ids) != len(operations):
            raise RetryableError(
                "Dataverse's CreateMultiple answer does not list one id per record: "
                "the records sent are in doubt",
                records=len(operations),
            )
        return [str(i).lower() for i in ids]

    def _send(self, operations: list[Operation]) -> list[Answer]:
        content_type, body = encode(operations, f"/api/data/v{self.http.version}/")
        headers = {"Content-Type": content_type, "Prefer": "odata.continue-on-error"}
        response = self.http.request(
            "POST", "$batch", idempotent=False, content=body, headers=headers
        )
        self.dop = _dop_hint(response.headers.get("x-ms-dop-hint"), self.dop)
        return decode(response.headers.get("Content-Type", ""), response.content)

    def _operation(
        self,
        entity: Entity,
        row: dict,
        mode: WriteMode,
        key: str | None,
        by_name: dict[str, RemoteField] | None = None,
    ) -> Operation | Reject:
        try:
            record = _record(entity, row, key, by_name or _fields_by_name(entity.table))
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


def _dop_hint(header: str | None, current: int) -> int:
    """The degree of parallelism an answer recommends, within 1..MAX_DOP."""
    try:
        return max(1, min(MAX_DOP, int(header))) if header else current
    except ValueError:
        return current


def _target(entity: Entity, row: dict, key: str) -> str | None:
    field = entity.table.require_field(key)
    value = next((v for k, v in row.items() if k.lower() == key.lower()), None)
    if value is None or str(value).strip() == "":
        return None
    prop = None if field.name == entity.table.key_field else field.name
    return paths.key_segment(entity.entity_set, value, field.kind, prop)


def _fields_by_name(table: RemoteTable) -> dict[str, RemoteField]:
    """`table.field` as a dict (lower-case names; the first field of a name, as it finds),
    made once a write: looking each cell's field up in a list of hundreds was a tenth of
    an export's time."""
    return {f.name.lower(): f for f in reversed(table.fields)}


def _record(entity: Entity, row: dict, skip: str | None, by_name: dict[str, RemoteField]) -> dict:
    table, record = entity.table, {}
    for name, value in row.items():
        field = by_name.get(name.lower())
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
