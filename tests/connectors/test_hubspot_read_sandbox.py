"""An incremental import of 25,000 contacts changed in one window reads all 25,000, against
the HubSpot sandbox over TLS with its real limits (10,000 results per search, 200 a page,
5 searches a second, 190 calls per 10 s; no call is retried, so a 429 would fail the test).
12,000 of the contacts share one modified stamp (batch-updated while the record store's
clock stood still), 13,000 are spread over 130 stamps of 100 (one per batch call)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from crmlink.connectors.hubspot import HubSpotConnector, RetryPolicy
from crmlink.filters import bind, parse
from crmlink.model import ReadCursor, WriteMode
from crmlink.sandbox.hubspot.app import HubSpotSandbox
from tests.connectors.test_hubspot_support import sandbox_connector

KEY, MOD = "hs_object_id", "hs_lastmodifieddate"
TIED, SPREAD, BATCH = 12_000, 13_000, 100
NO_RETRY = RetryPolicy(attempts=1)  # a 429 fails the test: the client's pacing must avoid it


class StoppedClock:
    """The record store's clock held at one instant (moved only by `at`), so every record
    written meanwhile gets the same modified stamp; the rate limiter keeps real time."""

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment

    def timestamp(self) -> float:
        return self.moment.timestamp()


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    sandbox = HubSpotSandbox(state_dir=tmp_path_factory.mktemp("hs-read"), records=26_000, seed=7)
    sandbox.start()
    try:
        with sandbox.sqlite.reader() as conn:  # the test's own look at what was seeded
            ids = [
                str(row[0])
                for row in conn.execute(
                    "SELECT id FROM records WHERE object_type = 'contacts' AND archived = 0 "
                    "ORDER BY id LIMIT ?",
                    (TIED + SPREAD,),
                )
            ]
        assert len(ids) == TIED + SPREAD
        window = sandbox.clock.now().replace(microsecond=0) + dt.timedelta(hours=1)
        _stamp(sandbox, ids, window)
        yield {"sandbox": sandbox, "ids": ids, "window": window}
    finally:
        sandbox.stop()


def _stamp(sandbox: HubSpotSandbox, ids: list[str], window: dt.datetime) -> None:
    """Batch-update the contacts through the API with the record store's clock stopped:
    120 calls at `window` (12,000 records, one stamp), then 130 calls 1.5 s apart."""
    real_clock = sandbox.records.clock
    stopped = StoppedClock(window)
    sandbox.records.clock = stopped  # type: ignore[assignment]
    try:
        with sandbox_connector(sandbox, retry=NO_RETRY) as writer:  # its own pacing
            writer.describe("contacts")
            described = writer.api_calls
            _update(writer, ids[:TIED], "tied")
            for start in range(TIED, TIED + SPREAD, BATCH):
                stopped.moment += dt.timedelta(milliseconds=1500)
                _update(writer, ids[start : start + BATCH], "spread")
            assert writer.api_calls - described == (TIED + SPREAD) // BATCH
    finally:
        sandbox.records.clock = real_clock


def _update(writer: HubSpotConnector, ids: list[str], name: str) -> None:
    rows = [{KEY: rid, "firstname": name} for rid in ids]
    results = list(writer.write("contacts", rows, WriteMode.UPDATE, KEY))
    assert all(r.success for r in results), [r for r in results if not r.success][:3]


@pytest.fixture(scope="module")
def reader(portal: dict[str, Any]) -> Iterator[HubSpotConnector]:
    """One client for every read: HubSpot's limits are per account, and a client paces only
    the calls it made itself (a second client would meet the first one's last second)."""
    with sandbox_connector(portal["sandbox"], retry=NO_RETRY) as opened:
        yield opened


def _read(reader: HubSpotConnector, **options: Any) -> tuple[list[dict], int, int | None]:
    before = reader.api_calls
    batches = reader.read("contacts", [KEY, MOD, "firstname"], **options)
    rows = [row for batch in batches for row in batch]
    return rows, reader.api_calls - before, getattr(batches, "total", None)


def _assert_once_in_order(rows: list[dict], expected: list[str]) -> None:
    ids = [row[KEY] for row in rows]
    assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} contacts read twice"
    assert sorted(ids) == sorted(expected), f"{len(set(expected) - set(ids))} contacts missed"
    order = [(row[MOD], int(row[KEY])) for row in rows]
    assert order == sorted(order), "not in (hs_lastmodifieddate, hs_object_id) order"


def test_an_incremental_import_of_25000_contacts_changed_in_one_window_reads_all(
    portal: dict[str, Any], reader: HubSpotConnector
) -> None:
    rows, calls, total = _read(reader, cursor=ReadCursor(portal["window"], ""))
    _assert_once_in_order(rows, portal["ids"])
    stamps = [row[MOD] for row in rows]
    assert stamps.count(portal["window"]) == TIED  # the tie really happened
    assert len(set(stamps)) == 1 + SPREAD // BATCH
    assert total == TIED + SPREAD
    # 125 pages of 200 at the least; the tied stamp is held a few pages, then read by id
    print(f"\n25,000 contacts read in {calls} calls")
    assert 125 <= calls <= 150


def test_a_filtered_read_of_12000_contacts_of_one_stamp_passes_the_cap(
    portal: dict[str, Any], reader: HubSpotConnector
) -> None:
    rows, calls, total = _read(reader, where=parse("firstname = 'tied'"))
    _assert_once_in_order(rows, portal["ids"][:TIED])
    assert total == TIED
    print(f"\n12,000 contacts of one stamp read in {calls} calls")
    assert 60 <= calls <= 75


def test_a_cursor_inside_the_tie_reads_the_rest_of_it(
    portal: dict[str, Any], reader: HubSpotConnector
) -> None:
    tied = sorted(portal["ids"][:TIED], key=int)
    cursor = ReadCursor(portal["window"], tied[-150])
    rows, _, total = _read(reader, where=parse("firstname = 'tied'"), cursor=cursor)
    assert [row[KEY] for row in rows] == tied[-149:]
    assert total == 149


HOSTILE = [
    "O'Brien",
    'x"}]}, {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}',
    "x' or firstname != null --",
    "back\\slash; and * star",
    "Ünïcødé ☃",
]


def test_hostile_values_find_exactly_their_record(reader: HubSpotConnector) -> None:
    rows = [{"firstname": value, "lastname": "hostile-probe"} for value in HOSTILE]
    created = list(reader.write("contacts", rows, WriteMode.INSERT))
    assert all(r.success for r in created), created
    for value, result in zip(HOSTILE, created, strict=True):
        text = "firstname = {{v}} and lastname = 'hostile-probe'"
        where = bind(parse(text), {"v": value}, reader.describe("contacts"))
        found, _, _ = _read(reader, where=where)
        assert [row[KEY] for row in found] == [result.id], value
    upper = "'O''BRIEN', 'X'' OR FIRSTNAME != NULL --'"
    listed = f"lastname = 'hostile-probe' and firstname in ({upper})"
    found, _, _ = _read(reader, where=parse(listed))  # `in` ignores case, as `=` does
    assert sorted(row["firstname"] for row in found) == ["O'Brien", HOSTILE[2]]
