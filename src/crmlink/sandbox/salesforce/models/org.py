"""The org's state and its rules: records, ids, system fields, recycle bin, API quota.

No HTTP here (moto's `models.py`): routes call these methods and turn `SalesforceError`
into responses. Every write runs in one SQLite transaction; batch writes put each record
in a savepoint so one bad record never spoils the others (unless all-or-none), except
inserts: each is checked whole before anything is written, and the good ones written at
once (`_insert_many`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.core.faults import FaultInjector
from crmlink.sandbox.core.store import SqliteStore
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models import loading, rules
from crmlink.sandbox.salesforce.models.describes import Catalog, FieldMeta, ObjectMeta, quote_ident
from crmlink.sandbox.salesforce.models.ids import make_id, normalize_id
from crmlink.sandbox.salesforce.models.quota import DEFAULT_API_LIMIT, ApiQuota
from crmlink.sandbox.salesforce.models.records import record_json
from crmlink.sandbox.salesforce.models.values import format_datetime, sql_type, to_storage

HIDDEN_COLUMNS = ('"_sbx_deleted_at" TEXT', '"_sbx_visible_at" TEXT NOT NULL')
ORG_ID = make_id("00D", 1)
USER_ID = make_id("005", 1)


@dataclass
class RecordResult:
    """The outcome of one record of a batch write (composite, bulk)."""

    id: str | None = None
    success: bool = True
    created: bool = False
    errors: list[errors.SalesforceError] = field(default_factory=list)


class SalesforceOrg:
    def __init__(
        self,
        store: SqliteStore,
        catalog: Catalog,
        faults: FaultInjector,
        api_limit: int = DEFAULT_API_LIMIT,
        clock: SandboxClock | None = None,
    ) -> None:
        self.store, self.catalog, self.faults = store, catalog, faults
        self.clock = clock or SandboxClock()  # moved forward through the control API
        self.quota = ApiQuota(store, api_limit, lambda: self.now().date().isoformat())
        self.org_id, self.user_id = ORG_ID, USER_ID
        self._batch = threading.local()  # the stamps of the batch write under way, if any
        self._create_schema()

    # -- schema ---------------------------------------------------------------------
    def _create_schema(self) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _sbx_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _sbx_sequence (prefix TEXT PRIMARY KEY, n INTEGER)"
            )
            for obj in self.catalog.objects():
                self._create_table(conn, obj)

    def _create_table(self, conn: sqlite3.Connection, obj: ObjectMeta) -> None:
        table = quote_ident(obj.table)
        cols = [f"{quote_ident(f.name)} {sql_type(f)}" for f in obj.stored_fields()]
        if obj.field("Id") is None:
            cols.insert(0, '"Id" TEXT')
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols + list(HIDDEN_COLUMNS))})"
        )
        self._index(conn, obj, "Id", unique=True)
        for name in ("SystemModstamp", "_sbx_deleted_at"):
            if name.startswith("_") or obj.field(name):
                self._index(conn, obj, name)
        for f in obj.stored_fields():
            if f.flag("externalId") or f.flag("unique"):
                self._index(conn, obj, f.name)

    @staticmethod
    def _index(conn, obj: ObjectMeta, column: str, unique: bool = False) -> None:
        name = quote_ident(f"ix_{obj.table}_{column}")
        kind = "UNIQUE INDEX" if unique else "INDEX"
        target = f"{quote_ident(obj.table)} ({quote_ident(column)})"
        conn.execute(f"CREATE {kind} IF NOT EXISTS {name} ON {target}")

    def reset(self) -> None:
        """Empty every object, cursor, job and session; metadata and credentials stay."""
        with self.store.transaction() as conn:
            tables = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
            for (name,) in tables:
                if name not in ("sqlite_sequence", "_sbx_meta"):
                    conn.execute(f"DELETE FROM {quote_ident(name)}")
            conn.execute("DELETE FROM _sbx_meta WHERE key = 'api_usage'")

    # -- helpers --------------------------------------------------------------------
    def object(self, name: str) -> ObjectMeta:
        obj = self.catalog.get(name)
        if obj is None:
            raise errors.NotFound("The requested resource does not exist")
        return obj

    def now(self) -> dt.datetime:
        return self.clock.now()

    @property
    def clock_offset(self) -> dt.timedelta:
        """How far the sandbox clock runs ahead of real time (the demo moves it)."""
        return self.clock.offset

    @clock_offset.setter
    def clock_offset(self, value: dt.timedelta) -> None:
        self.clock.offset = value

    def stamps(self) -> tuple[str, str]:
        """(SystemModstamp, visible-at) for a write now; a late commit shows up later.

        Inside a batch write every record gets the batch's stamp, as the records of one
        Salesforce DML transaction share their SystemModstamp (ties a sync must handle)."""
        frozen = getattr(self._batch, "stamps", None)
        if frozen is not None:
            return frozen
        now = self.now()
        late = dt.timedelta(seconds=self.faults.spec.late_commit)
        return format_datetime(now), format_datetime(now + late)

    def next_ids(self, conn, obj: ObjectMeta, count: int) -> Iterator[str]:
        start = self._sequence(conn, obj)
        self._set_sequence(conn, obj, start + count)
        return (make_id(obj.key_prefix, start + i + 1) for i in range(count))

    @staticmethod
    def _sequence(conn, obj: ObjectMeta) -> int:
        """How many ids the object has handed out."""
        row = conn.execute("SELECT n FROM _sbx_sequence WHERE prefix = ?", (obj.key_prefix,))
        return (row.fetchone() or (0,))[0]

    @staticmethod
    def _set_sequence(conn, obj: ObjectMeta, n: int) -> None:
        conn.execute(
            "INSERT INTO _sbx_sequence (prefix, n) VALUES (?, ?) "
            "ON CONFLICT (prefix) DO UPDATE SET n = excluded.n",
            (obj.key_prefix, n),
        )

    # -- single-record writes -------------------------------------------------------
    def insert(self, obj_name: str, record: dict) -> str:
        obj = self.object(obj_name)
        with self.store.transaction() as conn:
            return self._insert(conn, obj, record)

    def update(self, obj_name: str, record_id: str, record: dict) -> None:
        obj = self.object(obj_name)
        with self.store.transaction() as conn:
            self._update(conn, obj, self._live_rowid(conn, obj, record_id), record)

    def upsert(self, obj_name: str, ext_field: str, ext_value: str, record: dict):
        obj = self.object(obj_name)
        with self.store.transaction() as conn:
            return self._upsert(conn, obj, ext_field, ext_value, record)

    def delete(self, obj_name: str, record_id: str) -> None:
        obj = self.object(obj_name)
        with self.store.transaction() as conn:
            self._delete(conn, obj, record_id)

    def _insert(self, conn, obj: ObjectMeta, record: dict) -> str:
        plan = rules.ObjectRules(obj)
        values = self._insert_values(conn, plan, record, {})
        stamp, visible = self.stamps()
        new_id = next(self.next_ids(conn, obj, 1))
        self._complete(plan, values, new_id, self.system_defaults(obj, stamp))
        self._write_row(conn, obj, values, visible)
        return new_id

    @staticmethod
    def _insert_values(conn, plan: rules.ObjectRules, record: dict, taken: dict) -> dict:
        """A new record's checked values (no id nor server fields yet), or the error."""
        values = {**plan.defaults, **plan.prepare(record, creating=True)}
        plan.check_required_on_insert(values)
        plan.check_unique(conn, values, taken)
        return values

    @staticmethod
    def _complete(plan: rules.ObjectRules, values: dict, new_id: str, server: dict) -> None:
        """A checked new record's id, server-kept fields (`system_defaults`) and Name."""
        for name, value in server.items():
            if values.get(name) is None:
                values[name] = value
        values["Id"] = new_id
        plan.fill_compound_name(values)

    def _insert_many(self, conn, obj: ObjectMeta, records: list[dict]) -> list[RecordResult]:
        """The inserts of a batch write as one `_insert` a record would do them (same checks
        in the same order, same ids, same rows), faster: a record is checked whole before
        anything is written, so it needs no savepoint; the ids are counted off once and the
        rows written by executemany. The unique values of the batch's earlier records,
        not written yet, are checked in `taken`."""
        plan = rules.ObjectRules(obj)
        stamp, visible = self.stamps()
        server = self.system_defaults(obj, stamp)
        start = self._sequence(conn, obj)
        taken: dict = {}
        rows: list[dict] = []
        results = []
        for record in records:
            try:
                values = self._insert_values(conn, plan, record, taken)
            except errors.SalesforceError as exc:
                results.append(RecordResult(id=_record_id(record), success=False, errors=[exc]))
                continue
            new_id = make_id(obj.key_prefix, start + len(rows) + 1)  # ids of written ones only
            self._complete(plan, values, new_id, server)
            plan.take(values, taken)
            rows.append(values)
            results.append(RecordResult(id=new_id, created=True))
        if rows:
            self._set_sequence(conn, obj, start + len(rows))
            self._write_rows(conn, obj, rows, visible)
        return results

    def _update(self, conn, obj: ObjectMeta, rowid: int, record: dict) -> None:
        values = rules.prepare(obj, record, creating=False)
        rules.check_required_on_update(obj, values)
        current_id = conn.execute(
            f'SELECT "Id" FROM {quote_ident(obj.table)} WHERE rowid = ?', (rowid,)
        ).fetchone()[0]
        rules.check_unique(conn, obj, values, current_id)
        stamp, visible = self.stamps()
        for name in ("LastModifiedDate", "SystemModstamp"):
            if obj.field(name):
                values[name] = stamp
        if obj.field("LastModifiedById"):
            values["LastModifiedById"] = self.user_id
        rules.refresh_compound_name(conn, obj, rowid, values)
        sets = ", ".join(f"{quote_ident(c)} = ?" for c in values)
        conn.execute(
            f'UPDATE {quote_ident(obj.table)} SET {sets}, "_sbx_visible_at" = ? WHERE rowid = ?',
            [*values.values(), visible, rowid],
        )

    def _upsert(self, conn, obj: ObjectMeta, ext_field: str, ext_value, record: dict):
        f = obj.field(ext_field)
        if f is None or not (f.flag("externalId") or f.flag("idLookup")):
            raise errors.NotFound(
                f"Provided external ID field does not exist or is not accessible: {ext_field}"
            )
        if f.name == "Id":
            return self._upsert_by_id(conn, obj, ext_value, record)
        key = to_storage(f, ext_value)
        rows = conn.execute(
            f'SELECT rowid, "Id" FROM {quote_ident(obj.table)} WHERE {quote_ident(f.name)} = ? '
            'AND "_sbx_deleted_at" IS NULL LIMIT 2',
            (key,),
        ).fetchall()
        if len(rows) > 1:
            raise errors.DuplicateExternalId(
                f"{f.name}: more than one record found for external id field: {ext_value}",
                [f.name],
            )
        body = {k: v for k, v in record.items() if k.lower() != f.name.lower()}
        if rows:
            self._update(conn, obj, rows[0][0], body)
            return rows[0][1], False
        return self._insert(conn, obj, {**body, f.name: ext_value}), True

    def _upsert_by_id(self, conn, obj: ObjectMeta, record_id, record: dict):
        body = {k: v for k, v in record.items() if k.lower() != "id"}
        if not record_id:
            return self._insert(conn, obj, body), True
        self._update(conn, obj, self._live_rowid(conn, obj, record_id), body)
        return normalize_id(record_id), False

    def _delete(self, conn, obj: ObjectMeta, record_id: str) -> None:
        rowid = self._live_rowid(conn, obj, record_id)
        stamp, visible = self.stamps()
        sets = ['"_sbx_deleted_at" = ?', '"_sbx_visible_at" = ?']
        params: list = [stamp, visible]
        for name, value in (("IsDeleted", 1), ("SystemModstamp", stamp)):
            if obj.field(name):
                sets.append(f"{quote_ident(name)} = ?")
                params.append(value)
        conn.execute(
            f"UPDATE {quote_ident(obj.table)} SET {', '.join(sets)} WHERE rowid = ?",
            [*params, rowid],
        )

    def _live_rowid(self, conn, obj: ObjectMeta, record_id: str) -> int:
        ident = normalize_id(record_id or "")
        if ident is None:
            raise errors.MalformedId(f"{obj.name} ID: id value of incorrect type: {record_id}")
        row = conn.execute(
            f'SELECT rowid, "_sbx_deleted_at" FROM {quote_ident(obj.table)} WHERE "Id" = ?',
            (ident,),
        ).fetchone()
        if row is None:
            raise errors.NotFound("The requested resource does not exist")
        if row[1] is not None:
            raise errors.EntityIsDeleted("entity is deleted")
        return row[0]

    def system_defaults(self, obj: ObjectMeta, stamp: str) -> dict:
        """The server-kept fields of a new record (those the object has)."""
        defaults = {
            "IsDeleted": 0,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
            "CreatedById": self.user_id,
            "LastModifiedById": self.user_id,
            "OwnerId": self.user_id,
        }
        return {name: value for name, value in defaults.items() if obj.field(name)}

    @staticmethod
    def _write_row(conn, obj: ObjectMeta, values: dict, visible: str) -> None:
        conn.execute(_insert_sql(obj, tuple(values)), [*values.values(), visible])

    @staticmethod
    def _write_rows(conn, obj: ObjectMeta, rows: list[dict], visible: str) -> None:
        """Rows in order, one executemany per run of rows naming the same columns."""
        for shape, run in groupby(rows, key=tuple):
            params = [(*values.values(), visible) for values in run]
            conn.executemany(_insert_sql(obj, shape), params)

    # -- batch writes (composite, bulk) ---------------------------------------------
    def write_many(
        self,
        obj_name: str,
        operation: str,
        records: list[dict],
        all_or_none: bool = False,
        ext_field: str | None = None,
    ) -> list[RecordResult]:
        """Insert/update/upsert/delete records one savepoint each (inserts: see
        `_insert_many`); per-record results."""
        obj = self.object(obj_name)
        with self.store.transaction() as conn:
            self._batch.stamps = self.stamps()
            try:
                if operation == "insert":
                    results = self._insert_many(conn, obj, records)
                else:
                    results = [self._write_one(conn, obj, operation, r, ext_field) for r in records]
            finally:
                self._batch.stamps = None
            if all_or_none and not all(r.success for r in results):
                raise RollBack(rolled_back(results))  # the transaction rolls back whole
        return results

    def write_many_safe(self, *args, **kwargs) -> list[RecordResult]:
        """`write_many`, where an all-or-none failure returns the rolled-back results."""
        try:
            return self.write_many(*args, **kwargs)
        except RollBack as rolled:
            return rolled.results

    def _write_one(self, conn, obj, operation: str, record: dict, ext_field) -> RecordResult:
        conn.execute("SAVEPOINT rec")
        try:
            result = self._apply(conn, obj, operation, record, ext_field)
        except errors.SalesforceError as exc:
            conn.execute("ROLLBACK TO rec")
            conn.execute("RELEASE rec")
            return RecordResult(id=_record_id(record), success=False, errors=[exc])
        conn.execute("RELEASE rec")
        return result

    def _apply(self, conn, obj, operation: str, record: dict, ext_field) -> RecordResult:
        if operation == "insert":
            return RecordResult(id=self._insert(conn, obj, record), created=True)
        if operation == "delete":
            self._delete(conn, obj, _record_id(record) or "")
            return RecordResult(id=normalize_id(_record_id(record)))
        if operation == "update":
            record_id = _record_id(record) or ""
            body = {k: v for k, v in record.items() if k.lower() != "id"}
            self._update(conn, obj, self._live_rowid(conn, obj, record_id), body)
            return RecordResult(id=normalize_id(record_id))
        if operation == "upsert":
            key = next((k for k in record if k.lower() == (ext_field or "").lower()), None)
            if key is None:
                raise errors.SalesforceError(
                    f"Required fields are missing: [{ext_field}]", [ext_field or ""]
                )
            new_id, created = self._upsert(conn, obj, ext_field, record[key], record)
            return RecordResult(id=new_id, created=created)
        raise errors.InvalidOperation(f"Unsupported operation: {operation}")

    # -- reads ----------------------------------------------------------------------
    def retrieve(self, obj_name: str, record_id: str, fields: list[str] | None = None) -> dict:
        obj = self.object(obj_name)
        with self.store.lock:
            rowid = self._live_rowid(self.store.conn, obj, record_id)
            return self._record_by_rowid(obj, rowid, fields)

    def retrieve_by_external(self, obj_name: str, ext_field: str, value: str, fields=None) -> dict:
        obj = self.object(obj_name)
        f = obj.field(ext_field)
        if f is None or not (f.flag("externalId") or f.flag("idLookup")):
            raise errors.NotFound(
                f"Provided external ID field does not exist or is not accessible: {ext_field}"
            )
        with self.store.lock:
            row = self.store.conn.execute(
                f"SELECT rowid FROM {quote_ident(obj.table)} WHERE {quote_ident(f.name)} = ? "
                'AND "_sbx_deleted_at" IS NULL',
                (to_storage(f, value),),
            ).fetchone()
            if row is None:
                raise errors.NotFound("The requested resource does not exist")
            return self._record_by_rowid(obj, row[0], fields)

    def _record_by_rowid(self, obj: ObjectMeta, rowid: int, fields: list[str] | None) -> dict:
        chosen = self._chosen_fields(obj, fields)
        row = self.store.conn.execute(
            f"SELECT * FROM {quote_ident(obj.table)} WHERE rowid = ?", (rowid,)
        ).fetchone()
        names = [
            d[0]
            for d in self.store.conn.execute(
                f"SELECT * FROM {quote_ident(obj.table)} LIMIT 0"
            ).description
        ]
        return record_json(obj, chosen, dict(zip(names, row, strict=True)))

    @staticmethod
    def _chosen_fields(obj: ObjectMeta, fields: list[str] | None) -> list[FieldMeta]:
        if not fields:
            return list(obj.fields.values())
        chosen = []
        for name in fields:
            f = obj.field(name)
            if f is None:
                raise errors.InvalidField(
                    f"No such column '{name}' on entity '{obj.name}'. If you are attempting to "
                    "use a custom field, be sure to append the '__c' after the custom field "
                    "name. Please reference your WSDL or the describe call for the appropriate "
                    "names.",
                    [name],
                )
            chosen.append(f)
        return chosen

    def sample_ids(self, obj_name: str, limit: int) -> list[str]:
        obj = self.object(obj_name)
        with self.store.lock:
            rows = self.store.conn.execute(
                f'SELECT "Id" FROM {quote_ident(obj.table)} WHERE "_sbx_deleted_at" IS NULL '
                "ORDER BY rowid LIMIT ?",
                (limit,),
            ).fetchall()
        return [r[0] for r in rows]

    def count(self, obj_name: str) -> int:
        obj = self.object(obj_name)
        with self.store.lock:
            sql = f'SELECT COUNT(*) FROM {quote_ident(obj.table)} WHERE "_sbx_deleted_at" IS NULL'
            return self.store.conn.execute(sql).fetchone()[0]

    # -- seeding and quota -----------------------------------------------------------
    def bulk_load(self, obj_name: str, rows: Iterable[dict], chunk: int = 5000) -> int:
        """Fast load for seeding (no field rules); see `loading`."""
        return loading.bulk_load(self, self.object(obj_name), rows, chunk)

    def spend_api_call(self) -> tuple[int, int]:
        return self.quota.spend()

    def api_usage(self) -> tuple[int, int]:
        return self.quota.usage()


class RollBack(Exception):
    def __init__(self, results: list[RecordResult]) -> None:
        self.results = results


def rolled_back(results: list[RecordResult]) -> list[RecordResult]:
    out = []
    for r in results:
        if r.success:
            err = errors.AllOrNoneOperationRolledBack(
                "Record rolled back because not all records were valid and the request was "
                "using AllOrNone header"
            )
            out.append(RecordResult(id=None, success=False, errors=[err]))
        else:
            out.append(r)
    return out


def _insert_sql(obj: ObjectMeta, columns: tuple[str, ...]) -> str:
    cols = [*columns, "_sbx_visible_at"]
    names = ", ".join(quote_ident(c) for c in cols)
    return f"INSERT INTO {quote_ident(obj.table)} ({names}) VALUES ({', '.join('?' * len(cols))})"


def _record_id(record: dict) -> str | None:
    for key, value in record.items():
        if key.lower() == "id":
            return value
    return None
