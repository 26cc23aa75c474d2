"""Bulk jobs and batches: ids, info kept in memory and written through to SQLite, and their
runs as states driven by the sandbox clock.

A job is its wire info (the keys Salesforce returns, in its order) plus private fields
(the SOQL, upload files...). Both live in `_sbx_bulk_job` as JSON, so a restarted sandbox
still answers for its jobs; a job caught mid-run by a restart is marked Failed.

No timer and no thread: a job handed to `schedule()` is due at a time of the sandbox clock.
Looking at it (`get`, `all`) or any API call and clock tick (`settle_due`) moves it on:
before it is due it shows `begin`'s state (InProgress), once due its work runs there and
then (JobComplete, Failed). Advancing the clock through `/__sandbox__/clock` completes a
job at once; with no advance it completes after the same short real delay.

Processing time (the network profile's `bulk_s_per_10k`, `core.network`) is added in one
place, `update`: a job or Bulk 1.0 batch moving from InProgress to JobComplete/Completed
gets its other fields at once but keeps InProgress for the records' processing time on the
sandbox clock (so it elapses in real time, and at once when the clock is advanced).

Jobs expire as Salesforce's do, RETENTION_SECONDS (7 days) of sandbox clock after they
were created (a Bulk 1.0 job: after its youngest batch was added, with all its batches):
each job row carries its `expires` time (indexed; batch rows none, they go with their
job). `expire()` runs at most once per SWEEP_SECONDS of sandbox clock, from `add`, `get`,
`all` and `settle_due`: one indexed SELECT of the jobs due, then the cleanup a client's
DELETE does, in one transaction: their result cursor rows (a `seq`-range DELETE per
cursor), their rows and their batches' (by id); then their upload and result files.
Between two sweeps a job past its time is already gone for `get` and `all`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.core.faults import FaultInjector
from crmlink.sandbox.core.network import bulk_processing_seconds
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.ids import make_id
from crmlink.sandbox.salesforce.models.queries import CURSOR_TABLE
from crmlink.sandbox.salesforce.models.values import format_datetime

log = logging.getLogger(__name__)

JOB_PREFIX, BATCH_PREFIX, RESULT_PREFIX = "750", "751", "752"
_RUNNING_STATES = ("UploadComplete", "InProgress", "Queued")
_DONE_STATES = ("JobComplete", "Completed")  # Bulk 2.0 jobs, Bulk 1.0 batches
RETENTION_SECONDS = 7 * 24 * 3600  # Salesforce deletes Bulk jobs 7 days after creation
SWEEP_SECONDS = 60  # sandbox-clock seconds between two looks for expired jobs


@dataclass
class Job:
    id: str
    kind: str  # "query" | "ingest" (Bulk 2.0) | "classic" (Bulk 1.0) | "batch" (1.0 batch)
    info: dict
    private: dict = field(default_factory=dict)
    started: float = 0.0
    expires: float | None = None  # sandbox clock; None for a batch (it goes with its job)

    @property
    def state(self) -> str:
        return self.info["state"]


@dataclass
class _Pending:
    """A job's run still to come: due on the sandbox clock (seconds since the epoch)."""

    due: float
    work: Callable[[], None]
    on_crash: Callable[[str], None]
    begin: Callable[[], None] | None = None


def stamp() -> str:
    return format_datetime(dt.datetime.now(dt.UTC))


class JobRegistry:
    """Jobs and Bulk 1.0 batches by id, written through to `_sbx_bulk_job`."""

    def __init__(
        self,
        store,
        clock: SandboxClock,
        faults: FaultInjector | None = None,
        folder: Path | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.faults = faults or FaultInjector()
        self.folder = folder  # a job's files are in folder / job id (removed when it expires)
        self.lock = threading.RLock()
        self._items: dict[str, Job] = {}
        self._seq: dict[str, int] = {}
        self._pending: dict[str, _Pending] = {}
        self._swept: float | None = None  # sandbox time of the last look for expired jobs
        with store.transaction() as conn:
            _create_table(conn, self.clock.timestamp() + RETENTION_SECONDS)
            rows = conn.execute(
                "SELECT id, prefix, seq, kind, data, expires FROM _sbx_bulk_job"
            ).fetchall()
        for ident, prefix, seq, kind, data, expires in rows:
            self._restore(ident, prefix, seq, kind, json.loads(data), expires)

    def _restore(
        self, ident: str, prefix: str, seq: int, kind: str, data: dict, expires: float | None
    ) -> None:
        job = Job(ident, kind, data["info"], data["private"], expires=expires)
        if job.state in _RUNNING_STATES or job.state == "InProgress":
            job.info["state"] = "Failed"
            msg = "InternalServerError : the sandbox restarted while the job was running"
            job.info["errorMessage" if kind != "batch" else "stateMessage"] = msg
        self._items[ident] = job
        self._seq[prefix] = max(self._seq.get(prefix, 0), seq)

    # -- ids and lookup ---------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        with self.lock:
            self._seq[prefix] = self._seq.get(prefix, 0) + 1
            return make_id(prefix, self._seq[prefix])

    def get(self, ident: str, kinds: tuple[str, ...]) -> Job:
        """The job (moved on by the clock first), or NOT_FOUND (also once expired)."""
        self.expire()
        with self.lock:
            job = self._items.get(ident)
        if job is None or job.kind not in kinds or self._expired(job):
            raise errors.NotFound("The requested resource does not exist")
        self.settle(ident)
        return job

    def all(self, kind: str) -> list[Job]:
        self.expire()
        with self.lock:
            idents = [j.id for j in self._items.values() if j.kind == kind]
        for ident in idents:
            self.settle(ident)
        with self.lock:
            return [j for j in self._items.values() if j.kind == kind and not self._expired(j)]

    def holds(self, job: Job) -> bool:
        """Whether the job is still kept (not deleted nor expired meanwhile)."""
        with self.lock:
            return self._items.get(job.id) is job

    # -- changes ----------------------------------------------------------------------
    def add(self, job: Job) -> Job:
        """Keep a new job (until RETENTION_SECONDS from now) or Bulk 1.0 batch."""
        self.expire()
        with self.lock:
            if job.kind != "batch":
                job.expires = self.clock.timestamp() + RETENTION_SECONDS
            self._items[job.id] = job
            self._write(job, insert=True)
        return job

    def prolong(self, job: Job) -> None:
        """A batch was added to a Bulk 1.0 job: Salesforce keeps the job, and all its
        batches, until its youngest batch is 7 days old."""
        with self.lock:
            job.expires = max(job.expires or 0.0, self.clock.timestamp() + RETENTION_SECONDS)
            self._write(job)

    def update(self, job: Job, **info) -> Job:
        """Set wire fields (and systemModstamp) and write the job through; a job done
        processing stays InProgress for its processing time first (`_hold`)."""
        with self.lock:
            self._hold(job, info)
            self._apply(job, info)
        return job

    def _apply(self, job: Job, info: dict) -> None:
        job.info.update(info)
        if "systemModstamp" in job.info:
            job.info["systemModstamp"] = stamp()
        self._write(job)

    def _hold(self, job: Job, info: dict) -> None:
        """Keep the final state out of `info` and schedule it after the processing time of
        the job's records (a job no longer InProgress by then, aborted, keeps its state)."""
        if info.get("state") not in _DONE_STATES or job.state != "InProgress":
            return
        records = info.get("numberRecordsProcessed", job.info.get("numberRecordsProcessed", 0))
        seconds = bulk_processing_seconds(self.faults.spec, records)
        if seconds <= 0:
            return
        final = {"state": info.pop("state")}
        if "totalProcessingTime" in info:
            final["totalProcessingTime"] = info["totalProcessingTime"] + int(seconds * 1000)

        def finish() -> None:
            with self.lock:
                if job.state == "InProgress":
                    self._apply(job, final)

        self._pending[job.id] = _Pending(self.clock.timestamp() + seconds, finish, _ignore)

    def save(self, job: Job) -> None:
        with self.lock:
            self._write(job)

    def remove(self, job: Job) -> None:
        with self.lock:
            self._items.pop(job.id, None)
            self._pending.pop(job.id, None)
            with self.store.transaction() as conn:
                conn.execute("DELETE FROM _sbx_bulk_job WHERE id = ?", (job.id,))

    def clear(self) -> None:
        """Forget every job and batch (a reset; their rows went with the org's tables)."""
        with self.lock:
            self._items.clear()
            self._seq.clear()
            self._pending.clear()

    def _write(self, job: Job, insert: bool = False) -> None:
        data = json.dumps({"info": job.info, "private": job.private})
        try:
            with self.store.transaction() as conn:
                if insert:
                    prefix, seq = job.id[:3], self._seq.get(job.id[:3], 0)
                    conn.execute(
                        "INSERT INTO _sbx_bulk_job (id, prefix, seq, kind, data, expires) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (job.id, prefix, seq, job.kind, data, job.expires),
                    )
                else:
                    conn.execute(
                        "UPDATE _sbx_bulk_job SET data = ?, expires = ? WHERE id = ?",
                        (data, job.expires, job.id),
                    )
        except sqlite3.ProgrammingError:  # the store was closed under a running job
            log.debug("bulk job %s not saved: store closed", job.id)

    # -- runs on the sandbox clock ----------------------------------------------------
    def schedule(
        self,
        job: Job,
        delay: float,
        work: Callable[[], None],
        on_crash: Callable[[str], None],
        begin: Callable[[], None] | None = None,
    ) -> None:
        """Run `work` once the job is looked at `delay` seconds (sandbox clock) from now;
        `begin()` runs at the first look before that; `on_crash(message)` marks the job
        failed if `work` raises."""
        with self.lock:
            self._pending[job.id] = _Pending(self.clock.timestamp() + delay, work, on_crash, begin)

    def settle(self, ident: str) -> None:
        """Move one job on by the clock: begun before it is due, run once due."""
        with self.lock:
            pending = self._pending.get(ident)
            if pending is None:
                return
            if self.clock.timestamp() < pending.due:
                begin, pending.begin = pending.begin, None
                due = False
            else:
                del self._pending[ident]
                begin, due = None, True
        if begin is not None:
            begin()
        if due:
            self._run(ident, pending)

    def settle_due(self) -> None:
        """Run every job that is due (each API call and clock tick does); expired jobs go
        first."""
        self.expire()
        now = self.clock.timestamp()
        with self.lock:
            due = [ident for ident, p in self._pending.items() if p.due <= now]
        for ident in due:
            self.settle(ident)

    # -- expiry on the sandbox clock ---------------------------------------------------
    def _expired(self, job: Job) -> bool:
        return job.expires is not None and job.expires <= self.clock.timestamp()

    def expire(self) -> list[str]:
        """Delete the jobs past their `expires` time, with all they hold, at most once per
        SWEEP_SECONDS of sandbox clock (a clock set back looks again); their ids."""
        now = self.clock.timestamp()
        with self.lock:
            if self._swept is not None and 0 <= now - self._swept < SWEEP_SECONDS:
                return []
            self._swept = now
            gone = self._delete_expired(now)
        if self.folder is not None:
            for job in gone:
                shutil.rmtree(self.folder / job.id, ignore_errors=True)
        return [job.id for job in gone]

    def _delete_expired(self, now: float) -> list[Job]:
        """One indexed look for the jobs due, then their cursor rows and their rows and
        their batches' rows, in one transaction; the jobs (no longer kept)."""
        try:
            with self.store.transaction() as conn:
                due = conn.execute(
                    "SELECT id FROM _sbx_bulk_job WHERE expires <= ?", (now,)
                ).fetchall()
                if not due:
                    return []
                jobs = [self._items.get(ident) or Job(ident, "", {}) for (ident,) in due]
                members = [self._items[b] for j in jobs for b in _batches(j) if b in self._items]
                spans = [_span(item.private["cursor"]) for item in jobs + members if _cursor(item)]
                if spans:
                    sql = f"DELETE FROM {CURSOR_TABLE} WHERE seq > ? AND seq <= ?"
                    conn.executemany(sql, spans)
                idents = [(j.id,) for j in jobs] + [(b,) for j in jobs for b in _batches(j)]
                conn.executemany("DELETE FROM _sbx_bulk_job WHERE id = ?", idents)
        except sqlite3.ProgrammingError:  # the store was closed: the sandbox stopped
            return []
        for (ident,) in idents:
            self._items.pop(ident, None)
            self._pending.pop(ident, None)
        log.debug("bulk jobs expired: %s", ", ".join(j.id for j in jobs))
        return jobs

    @staticmethod
    def _run(name: str, pending: _Pending) -> None:
        try:
            pending.work()
        except sqlite3.ProgrammingError as exc:  # store closed: the sandbox stopped
            log.debug("bulk %s stopped: %s", name, exc)
        except Exception as exc:  # a bug: fail the job rather than leave it running
            log.exception("bulk %s crashed", name)
            pending.on_crash(f"InternalServerError : {exc}")


def _create_table(conn: sqlite3.Connection, legacy_expires: float) -> None:
    """`_sbx_bulk_job` and its `expires` index; a store from before expiry gets the column,
    its jobs a full retention from now (their creation was not on the sandbox clock)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _sbx_bulk_job (id TEXT PRIMARY KEY, prefix TEXT, "
        "seq INTEGER, kind TEXT, data TEXT, expires REAL)"
    )
    columns = [row[1] for row in conn.execute("PRAGMA table_info(_sbx_bulk_job)")]
    if "expires" not in columns:
        conn.execute("ALTER TABLE _sbx_bulk_job ADD COLUMN expires REAL")
        conn.execute(
            "UPDATE _sbx_bulk_job SET expires = ? WHERE kind != 'batch'", (legacy_expires,)
        )
    conn.execute("CREATE INDEX IF NOT EXISTS _sbx_bulk_job_expires ON _sbx_bulk_job (expires)")


def _batches(job: Job) -> list[str]:
    return list(job.private.get("batches") or ())


def _cursor(job: Job) -> bool:
    return bool(job.private.get("cursor"))


def _span(cursor: dict) -> tuple[int, int]:
    """The `_sbx_cursor` seq range (exclusive, inclusive) of a saved cursor."""
    return cursor["first_seq"], cursor["first_seq"] + cursor["total"]


def _ignore(message: str) -> None:
    """A held completion only sets fields: nothing to mark failed."""


def elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def view(job: Job, keys: Sequence[str]) -> dict:
    """The job's wire info restricted to `keys` (in that order), plus errorMessage if set."""
    out = {key: job.info[key] for key in keys if key in job.info}
    if "errorMessage" in job.info:
        out["errorMessage"] = job.info["errorMessage"]
    return out


def base_info(job_id: str, operation: str, obj: str, user_id: str, version: str) -> dict:
    now = stamp()
    return {
        "id": job_id,
        "operation": operation,
        "object": obj,
        "createdById": user_id,
        "createdDate": now,
        "systemModstamp": now,
    }


def api_version(version: str) -> float:
    try:
        return float(version.lstrip("vV"))
    except ValueError:
        return 59.0
