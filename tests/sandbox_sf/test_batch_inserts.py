"""Batch inserts (`write_many`, which Bulk and composite use) check each record whole and
write the valid ones in one go: they must give exactly what one insert a record gives —
the same results and errors, the same ids, the same stored rows — for a mix of good and
bad records, duplicates within the batch and of stored (or deleted) rows, and records
naming different columns."""

from __future__ import annotations

import pytest

from crmlink.sandbox.core.faults import FaultInjector
from crmlink.sandbox.core.store import SqliteStore
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models import values
from crmlink.sandbox.salesforce.models.describes import Catalog
from crmlink.sandbox.salesforce.models.ids import make_id
from crmlink.sandbox.salesforce.models.org import RecordResult, SalesforceOrg

# times differ between two orgs (IsDeleted tells a deleted row)
STAMPS = {"CreatedDate", "LastModifiedDate", "SystemModstamp", "_sbx_visible_at", "_sbx_deleted_at"}


def _org(path) -> SalesforceOrg:
    org = SalesforceOrg(SqliteStore(path), Catalog.default(), FaultInjector())
    # stored rows a batch may duplicate: one live, one deleted
    org.insert("Contact", {"LastName": "Stored", "External_Id__c": "OLD-1"})
    gone = org.insert("Contact", {"LastName": "Gone", "External_Id__c": "OLD-2"})
    org.delete("Contact", gone)
    return org


def _one_by_one(org: SalesforceOrg, obj: str, records: list[dict]) -> list[RecordResult]:
    """The reference: each record inserted alone (written before the next is checked)."""
    out = []
    for record in records:
        try:
            out.append(RecordResult(id=org.insert(obj, record), created=True))
        except errors.SalesforceError as exc:
            out.append(RecordResult(id=None, success=False, errors=[exc]))
    return out


def _shape(results: list[RecordResult]) -> list[tuple]:
    return [
        (r.id, r.success, r.created, [(e.error_code, e.message, e.fields) for e in r.errors])
        for r in results
    ]


def _stored(org: SalesforceOrg, table: str) -> tuple[list[tuple], list[tuple]]:
    conn = org.store.conn
    names = [d[0] for d in conn.execute(f'SELECT * FROM "{table}" LIMIT 0').description]
    kept = ", ".join(f'"{n}"' for n in names if n not in STAMPS)
    rows = conn.execute(f'SELECT rowid, {kept} FROM "{table}" ORDER BY rowid').fetchall()
    return rows, conn.execute("SELECT * FROM _sbx_sequence ORDER BY prefix").fetchall()


CONTACTS = [
    {"LastName": "Good", "Email": "good@example.com", "External_Id__c": "NEW-1"},
    {"LastName": "Twin", "External_Id__c": "NEW-1"},  # duplicates the batch's first
    {"LastName": "Old", "External_Id__c": "OLD-1"},  # duplicates a stored row
    {"LastName": "Reborn", "External_Id__c": "OLD-2"},  # only a deleted row has it: fine
    {"LastName": "Again", "External_Id__c": "OLD-2"},  # ... but now the batch's has it
    {"FirstName": "No", "Email": "nolast@example.com"},  # LastName missing
    {"LastName": None, "FirstName": "Null"},
    {"LastName": "Mail", "Email": "not-an-email"},
    {"LastName": "x" * 81},
    {"LastName": "Pick", "Preferred_Channel__c": "Pigeon"},
    {"LastName": "Bad", "Birthdate": "2020-02-30"},
    {"LastName": "Ref", "AccountId": "bad-id"},
    {"LastName": "Unknown", "NoSuchField__c": "x"},
    {"LastName": "ReadOnly", "Name": "set by the server"},
    {"FirstName": "Ada", "LastName": "Lovelace", "DoNotCall": "true", "Loyalty_Points__c": "2.5"},
    {"LastName": "Shape", "Phone": "555", "AccountId": "001000000000001"},  # 15-char id
    {"Email": "order@example.com", "LastName": "Order", "HasOptedOutOfEmail": True},
    {"LastName": "Good", "Email": "good@example.com", "External_Id__c": "NEW-2"},
    {"LastName": "Last", "External_Id__c": "NEW-2"},
]


def test_contact_batch_is_one_insert_a_record(tmp_path):
    batch, single = _org(tmp_path / "batch.db"), _org(tmp_path / "single.db")
    got = batch.write_many("Contact", "insert", CONTACTS)
    want = _one_by_one(single, "Contact", CONTACTS)
    assert _shape(got) == _shape(want)
    assert _stored(batch, "sobj_Contact") == _stored(single, "sobj_Contact")
    # what the mix is there for: several kinds of failure and the duplicates named
    assert [r.success for r in got].count(True) == 6
    assert {e.error_code for r in got for e in r.errors} >= {
        "DUPLICATE_VALUE",
        "REQUIRED_FIELD_MISSING",
        "INVALID_EMAIL_ADDRESS",
        "STRING_TOO_LONG",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        "MALFORMED_ID",
        "INVALID_FIELD",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
    }
    assert got[1].errors[0].message.endswith(f"on record with id: {got[0].id}")
    assert got[4].errors[0].message.endswith(f"on record with id: {got[3].id}")


def test_batch_ids_follow_the_written_records_only(tmp_path):
    org = _org(tmp_path / "org.db")
    first = org.write_many("Contact", "insert", [{"LastName": "A"}, {"FirstName": "x"}])
    second = org.write_many("Contact", "insert", [{"FirstName": "y"}, {"LastName": "B"}])
    ids = [r.id for r in first + second if r.success]
    assert ids == [make_id("003", 3), make_id("003", 4)]  # after the 2 stored ones, no gaps
    assert org.count("Contact") == 3


def test_user_batch_checks_unique_fields_in_record_order(tmp_path):
    """User has two unique fields: the first one a record names is the one reported."""
    base = {
        "Email": "u@example.com",
        "Alias": "u",
        "TimeZoneSidKey": "Europe/Paris",
        "LocaleSidKey": "en_US",
        "EmailEncodingKey": "UTF-8",
        "LanguageLocaleKey": "en_US",
    }
    users = [
        {**base, "LastName": "One", "Username": "one@x.example", "CommunityNickname": "one"},
        {**base, "LastName": "Two", "CommunityNickname": "one", "Username": "one@x.example"},
        {**base, "LastName": "Three", "Username": "three@x.example", "CommunityNickname": "one"},
        {**base, "LastName": "Four", "Username": "four@x.example", "CommunityNickname": "four"},
    ]
    batch, single = _org(tmp_path / "batch.db"), _org(tmp_path / "single.db")
    got = batch.write_many("User", "insert", users)
    assert _shape(got) == _shape(_one_by_one(single, "User", users))
    assert _stored(batch, "sobj_User") == _stored(single, "sobj_User")
    assert "CommunityNickname duplicates" in got[1].errors[0].message
    assert [r.success for r in got] == [True, False, False, True]


def test_all_or_none_batch_writes_nothing(tmp_path):
    org = _org(tmp_path / "org.db")
    before = _stored(org, "sobj_Contact")
    results = org.write_many_safe(
        "Contact", "insert", [{"LastName": "Fine"}, {"FirstName": "x"}], all_or_none=True
    )
    assert [r.success for r in results] == [False, False]
    assert _stored(org, "sobj_Contact") == before


@pytest.mark.parametrize("size", [1, 2500])
def test_large_batch_matches_and_keeps_order(tmp_path, size):
    records = [
        {"LastName": f"L{i}", "External_Id__c": f"E{i % 700}"}
        if i % 3
        else {"LastName": f"L{i}", "Email": f"e{i}@example.com"}
        for i in range(size)
    ]
    batch, single = _org(tmp_path / "batch.db"), _org(tmp_path / "single.db")
    got = batch.write_many("Contact", "insert", records)
    assert _shape(got) == _shape(_one_by_one(single, "Contact", records))
    assert _stored(batch, "sobj_Contact") == _stored(single, "sobj_Contact")


SAMPLES = [None, "", "abc", "x" * 300, "a@b.example", "not-an-email", "12.5", "7", "true", "0"]
SAMPLES += ["2024-01-02", "2024-02-30", "2024-01-02T03:04:05Z", "12:30:00", "001000000000001"]
SAMPLES += ["Email", "Fax", "Events;Surveys", "Events;Nope", True, 3, 2.5, {"a": 1}, ["x"]]


def _outcome(convert, value):
    try:
        return ("ok", convert(value))
    except errors.SalesforceError as exc:
        return (exc.error_code, exc.message, exc.fields)


def _two_steps(f):
    def convert(value):
        stored = values.to_storage(f, value)
        values.check_rules(f, stored)
        return stored

    return convert


@pytest.mark.parametrize("name", ["Contact", "User", "Account", "Subscription__c"])
def test_storer_is_to_storage_then_check_rules(name):
    """The per-field converter of batch writes gives each value what the two steps give."""
    obj = Catalog.default().get(name)
    assert obj is not None
    for f in obj.stored_fields():
        store, reference = values.storer(f), _two_steps(f)
        for value in SAMPLES:
            assert _outcome(store, value) == _outcome(reference, value), (f.name, value)
