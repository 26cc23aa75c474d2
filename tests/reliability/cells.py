"""One cell of the fault matrix: an operation run under a fault (and rerun, resumed,
while a run ends in error), then checked row by row against the sandbox's own store and
against the fault-free run of the same operation (computed once per CRM and operation).

Each cell leaves the shared sandbox as it found it: what an export wrote is purged from
the store, an incremental cell changes 1,000 records and changes them back, a delete cell
deletes contacts it seeded for the purpose."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert

from crmlink.db import Database, open_database
from tests.reliability.conftest import (
    RECORDS,
    Runner,
    control,
    diff,
    digest,
    set_faults,
    string_table,
    table_rows,
)
from tests.reliability.profiles import CONTACT_COLUMNS, Profile, profile_of, sandbox_now

# Shares are per call. `limit` is Salesforce's REQUEST_LIMIT_EXCEEDED (the run ends and is
# rerun: rare enough that reruns get through) and Dataverse's 0x80072321 (retried after
# its Retry-After). A storm is every HTTP fault at once, tokens expiring every second,
# writes committed 3 s late and (Salesforce) half the Bulk jobs ending Failed.
_STORM = "503=0.05,429=0.05,drop=0.03,token_lifetime=1,late_commit=3,retry_after=1,seed=7"
FAULTS = {
    "none": "",
    "503": "503=0.1,retry_after=1,seed=1",
    "429": "429=0.1,retry_after=2,seed=2",
    "limit": "limit=0.01,retry_after=1,seed=3",
    "token": "token_lifetime=1",
    "drop": "drop=0.05,seed=5",
    "bulk_fail": "bulk_fail=0.5,seed=6",
    "late_commit": "late_commit=3",
    "storm": _STORM,
    "sf_storm": _STORM + ",bulk_fail=0.5",
}
_SEEDS = itertools.count(100)
CHANGED = 500  # records an incremental cell changes between its runs
LATE = 4  # seconds the clock is moved on so that late commits land


@dataclass
class Cell:
    database: Database
    sandbox: object
    fault: str

    def __post_init__(self) -> None:
        self.profile: Profile = profile_of(self.sandbox)
        self.runner = Runner(self.database, self.sandbox)

    def run(self, text: str, variables: dict | None = None):
        set_faults(self.sandbox, FAULTS[self.fault])
        try:
            return self.runner.run(text, variables)
        finally:
            set_faults(self.sandbox, "")

    def land_late_commits(self) -> None:
        control(self.sandbox, "POST", f"clock?advance={LATE}")

    def close(self) -> None:
        self.runner.close()


# -- full and incremental import --------------------------------------------------------
def full_import(cell: Cell) -> dict[str, str]:
    string_table(cell.database, "contacts", CONTACT_COLUMNS, "id")
    cell.run(cell.profile.import_flow())
    return _imported_equals_org(cell)


def incremental_import(cell: Cell) -> dict[str, str]:
    """A first run (all), 1,000 records changed, a second run (the changes), the same
    records changed back, a third and (after late commits landed) a fourth run."""
    profile, sandbox = cell.profile, cell.sandbox
    string_table(cell.database, "contacts", CONTACT_COLUMNS, "id")
    flow = profile.import_flow(incremental=True)
    cell.run(flow)
    ids = sorted(profile.live(sandbox))[:: RECORDS // CHANGED][:CHANGED]
    before = _contacts(cell, ids)
    set_faults(sandbox, FAULTS[cell.fault])
    try:
        profile.modify(sandbox, ids, [f"Changed{n}" for n in range(len(ids))])
    finally:
        set_faults(sandbox, "")
    cell.land_late_commits()
    cell.run(flow)
    assert [row[2] for row in _contacts(cell, ids)] == [f"Changed{n}" for n in range(len(ids))]
    set_faults(sandbox, FAULTS[cell.fault])
    try:
        profile.modify(sandbox, ids, [row[2] for row in before])
    finally:
        set_faults(sandbox, "")
    cell.run(flow)
    cell.land_late_commits()
    cell.run(flow)
    assert _contacts(cell, ids) == before
    return _imported_equals_org(cell)


def _contacts(cell: Cell, ids: list[str]) -> list[tuple]:
    with cell.database.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, first_name, last_name, email FROM contacts")
        by_id = {row[0]: tuple(row) for row in rows}
    return [by_id[i] for i in ids]


def _imported_equals_org(cell: Cell) -> dict[str, str]:
    imported = table_rows(cell.database, "contacts", "id", skip=("id",))
    org = cell.profile.live(cell.sandbox)
    assert imported == org, f"campaign table vs org: {diff(imported, org)}"
    reference = fault_free_import(cell)
    assert imported == reference, f"campaign table vs fault-free run: {diff(imported, reference)}"
    return imported


_REFERENCE: dict[str, dict[str, str]] = {}  # CRM -> the fault-free full import's checksums


def fault_free_import(cell: Cell) -> dict[str, str]:
    """The fault-free full import of the shared sandbox, run once per CRM (in a database
    of its own beside the cell's)."""
    name = cell.profile.name
    if name not in _REFERENCE:
        with _beside(cell.database, "reference-import") as database:
            string_table(database, "contacts", CONTACT_COLUMNS, "id")
            reference = Cell(database, cell.sandbox, "none")
            try:
                reference.run(cell.profile.import_flow())
            finally:
                reference.close()
            _REFERENCE[name] = table_rows(database, "contacts", "id", skip=("id",))
    return _REFERENCE[name]


@contextmanager
def _beside(database: Database, name: str) -> Iterator[Database]:
    """Another SQLite database in the cell's folder."""
    path = Path(str(database.engine.url.database)).with_name(f"{name}.db")
    with open_database(f"sqlite:///{path}") as opened:
        yield opened


# -- export -----------------------------------------------------------------------------
def export(cell: Cell, records: int, batch_size: int) -> dict[str, list[str]]:
    """`records` people upserted by external ID: each once, none missing."""
    profile, sandbox = cell.profile, cell.sandbox
    tag = f"x{uuid.uuid4().hex[:8]}"
    table = string_table(cell.database, "people", ["id", *CONTACT_COLUMNS[1:], "ext_id"], "id")
    with cell.database.transaction() as conn:
        conn.execute(insert(table), profile.people(records, tag))
    before = len(profile.live(sandbox))
    try:
        cell.run(profile.export_flow(batch_size))
        cell.land_late_commits()
        written = profile.tagged(sandbox, tag)
        doubled = {k: v for k, v in written.items() if len(v) > 1}
        assert not doubled, f"{len(doubled)} people written twice, e.g. {list(doubled)[:3]}"
        assert len(written) == records, f"{records - len(written)} people missing"
        expected = expected_people(profile.people(records, "T"))
        assert written == expected, f"org vs people: {diff(written, expected)}"
        assert len(profile.live(sandbox)) == before + records  # nobody else was touched
    finally:
        profile.purge(sandbox, tag)
    return written


def expected_people(people: list[dict]) -> dict[str, list[str]]:
    """What the store must hold for each person (as `Profile.tagged` reads it)."""
    return {str(p["id"]): [digest((p["first_name"], p["last_name"], p["email"]))] for p in people}


# -- delete, then import_deleted --------------------------------------------------------
def delete_then_import_deleted(cell: Cell, records: int, batch_size: int) -> list[str]:
    """About `records` contacts added for the purpose are deleted (every one, nothing
    else), then `import_deleted` over the window reads exactly the fault-free run's
    deletions."""
    profile, sandbox = cell.profile, cell.sandbox
    since = sandbox_now(sandbox) - dt.timedelta(seconds=1)
    survivors = profile.live(sandbox)
    victims = profile.add_victims(sandbox, records, next(_SEEDS))
    assert len(victims) > records * 0.9  # Dataverse's seed skips e-mails already taken
    table = string_table(cell.database, "victims", ["id"], "id")
    with cell.database.transaction() as conn:
        conn.execute(insert(table), [{"id": i} for i in victims])
    cell.run(profile.delete_flow(batch_size))
    cell.land_late_commits()
    assert profile.deleted_ids(sandbox, victims) == set(victims)
    assert profile.live(sandbox) == survivors, "a contact other than the victims changed"
    # getDeleted covers whole minutes that have passed: move the clock past this one
    control(sandbox, "POST", "clock?advance=61")
    window = {"since": _iso(since), "until": _iso(sandbox_now(sandbox))}
    string_table(cell.database, "deletions", ["id", "deleted_at"], "id")
    cell.run(profile.deleted_flow(), window)
    read = table_rows(cell.database, "deletions", "id", skip=_skipped(profile))
    assert set(victims) <= set(read), f"{len(set(victims) - set(read))} deletions not read"
    reference = _fault_free_deletions(cell, window)
    assert read == reference, diff(read, reference)
    return victims


def _skipped(profile: Profile) -> tuple[str, ...]:
    # Dataverse does not say when a row was deleted: deleted_at is the time of the read
    return ("id", "deleted_at") if profile.name == "dynamics" else ("id",)


def _fault_free_deletions(cell: Cell, window: dict) -> dict[str, str]:
    with _beside(cell.database, "reference-deletions") as database:
        string_table(database, "deletions", ["id", "deleted_at"], "id")
        runner = Runner(database, cell.sandbox)
        try:
            runner.run(cell.profile.deleted_flow(), window)
        finally:
            runner.close()
        return table_rows(database, "deletions", "id", skip=_skipped(cell.profile))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
