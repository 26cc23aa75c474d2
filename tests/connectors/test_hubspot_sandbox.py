"""The HubSpot connector against the sandbox, beyond the conformance suite: describe of the
seeded portal, email upserts, multi-checkbox values, read-only refusals, deletion windows,
rate limits honoured (no 429 reaches a paced client), OAuth expiry."""

from __future__ import annotations

import datetime as dt

import pytest

from crmlink.connectors.hubspot import RetryPolicy
from crmlink.model import FieldKind, WriteMode
from crmlink.sandbox.hubspot.app import HubSpotSandbox
from tests.connectors.test_hubspot_support import Clock, advance_clock, sandbox_connector

NO_RETRY = RetryPolicy(attempts=1)
K = FieldKind


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = HubSpotSandbox(state_dir=tmp_path_factory.mktemp("hs-box"), records=40, seed=9)
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def hs(sandbox):
    with sandbox_connector(sandbox) as opened:
        yield opened


def _rows(connector, table: str, fields: list[str], **kw) -> list[dict]:
    return [row for batch in connector.read(table, fields, **kw) for row in batch]


def test_the_seeded_portal_describes_with_enumerations_and_unique_keys(hs):
    contacts = hs.object_info("contacts")
    table = contacts.table
    assert table.key_field == "hs_object_id" and table.modified_field == "hs_lastmodifieddate"
    kinds = {f.kind for f in table.fields}
    assert {K.ID, K.STRING, K.DATETIME, K.PICKLIST} <= kinds
    stage = table.require_field("lifecyclestage")
    assert stage.picklist and all(v.label for v in stage.picklist)
    assert "email" in contacts.unique
    assert {"hs_object_id", "createdate", "hs_lastmodifieddate"} <= contacts.read_only
    cards = hs.object_info("loyalty_card")
    assert cards.path.startswith("2-") and "card_number" in cards.unique
    assert {t.name for t in hs.list_tables()} >= {"contacts", "companies", "deals", "loyalty_card"}


def test_a_multi_checkbox_property_round_trips(hs):
    table = hs.describe("contacts")
    multi = next((f for f in table.fields if f.kind == K.MULTIPICKLIST and f.createable), None)
    assert multi is not None, "the sandbox seeds a multiple-checkbox property on contacts"
    chosen = ";".join(v.value for v in multi.picklist[:2])
    (result,) = hs.write("contacts", [{"lastname": "Multi", multi.name: chosen}], "insert")
    assert result.success, result
    (row,) = _rows(hs, "contacts", [multi.name], ids=[result.id])
    assert row[multi.name] == chosen


def test_email_upserts_match_without_case(hs):
    row = {"email": "Upsert.Me@example.com", "lastname": "First"}
    (first,) = hs.write("contacts", [row], WriteMode.UPSERT, "email")
    again = {"email": "upsert.me@EXAMPLE.com", "lastname": "Second"}
    (second,) = hs.write("contacts", [again], WriteMode.UPSERT, "email")
    assert first.success and first.created, first
    assert second.success and not second.created and second.id == first.id, second
    (read,) = _rows(hs, "contacts", ["lastname"], ids=[first.id])
    assert read["lastname"] == "Second"


def test_an_option_that_does_not_exist_is_the_rows_reject(hs):
    rows = [{"lastname": "ok"}, {"lastname": "bad", "lifecyclestage": "no-such-stage"}]
    results = list(hs.write("contacts", rows, WriteMode.INSERT))
    assert [r.success for r in results] == [True, False]
    assert results[1].error.code and "no-such-stage" in results[1].error.message


def test_read_only_properties_are_refused_before_sending(hs):
    calls = hs.api_calls
    rows = [{"lastname": "x", "createdate": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}]
    (result,) = hs.write("contacts", rows, WriteMode.INSERT)
    assert not result.success and result.error.code == "READ_ONLY"
    assert hs.api_calls == calls


def test_deleted_records_are_read_in_their_window(sandbox, hs):
    (early,) = [r.id for r in hs.write("contacts", [{"lastname": "early"}], "insert")]
    assert list(hs.delete("contacts", [early]))[0].success
    advance_clock(sandbox, 3600)
    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)  # the sandbox clock is ahead
    (late,) = [r.id for r in hs.write("contacts", [{"lastname": "late"}], "insert")]
    assert list(hs.delete("contacts", [late]))[0].success
    window = hs.read_deleted("contacts", start, start + dt.timedelta(hours=2))
    ids = {r.id for r in window.records}
    assert late in ids and early not in ids
    assert window.earliest_available is not None
    assert window.latest_covered - window.earliest_available >= dt.timedelta(days=89)


def _paced(sandbox, **kw):
    """A connector whose waits move its own clock and the sandbox's, not real time."""
    clock = Clock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        advance_clock(sandbox, seconds)

    return sandbox_connector(sandbox, retry=NO_RETRY, sleep=sleep, clock=clock, **kw), clock


def test_searches_stay_under_five_a_second_without_a_429(sandbox):
    connector, clock = _paced(sandbox)
    with connector:
        for _ in range(12):  # any 429 would raise: no retries
            connector.http.json("POST", "/crm/v3/objects/contacts/search", json={"limit": 1})
    assert len(clock.slept) >= 2  # it waited, twice at least, for the second to pass


def test_a_spent_ten_second_window_is_waited_out(tmp_path):
    box = HubSpotSandbox(state_dir=tmp_path / "hs", records=3, seed=1, tier=5)
    with box:
        box.start()
        connector, clock = _paced(box)
        with connector:
            for _ in range(12):  # 5 a window: a 429 would raise (no retries)
                connector.http.json("GET", "/crm/v3/objects/contacts", params={"limit": 1})
        assert len(clock.slept) == 2 and all(9 < s <= 10.5 for s in clock.slept)


def test_an_expired_oauth_token_is_refreshed(tmp_path):
    box = HubSpotSandbox(state_dir=tmp_path / "hs", records=3, seed=1, token_lifetime=600)
    with box:
        box.start()
        clock = Clock()
        with sandbox_connector(box, "oauth", clock=clock) as connector:
            connector.identity()
            assert connector.http.tokens.logins == 1
            advance_clock(box, 700)  # expired for the portal; the client does not know
            assert connector.identity().org_id
            assert connector.http.tokens.logins == 2  # 401 -> refreshed -> replayed
            clock.now += 590  # 10 s left on the client's clock: refreshed before sending
            advance_clock(box, 590)
            connector.identity()
            assert connector.http.tokens.logins == 3
