"""The associations model as a unit: both directions kept, the unlabeled type with every
link, one primary company per record, archived records unread, the seeded links."""

from __future__ import annotations

import random
import sqlite3
from contextlib import contextmanager

import pytest

from crmlink.sandbox.hubspot.errors import ValidationFailed
from crmlink.sandbox.hubspot.models import associations as assoc

SCHEMA = """
CREATE TABLE records (
  object_type TEXT NOT NULL, id INTEGER NOT NULL, properties TEXT NOT NULL,
  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0, archived_ms INTEGER,
  PRIMARY KEY (object_type, id));
"""


class Store:
    """The smallest SqliteStore stand-in: one connection, `transaction()`."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:", isolation_level=None)
        self.conn.executescript(SCHEMA)

    @contextmanager
    def transaction(self):
        self.conn.execute("BEGIN IMMEDIATE")
        yield self.conn
        self.conn.execute("COMMIT")

    def add(self, object_type: str, *ids: int, archived: bool = False) -> None:
        self.conn.executemany(
            "INSERT INTO records VALUES (?, ?, '{}', 0, 0, ?, NULL)",
            [(object_type, i, int(archived)) for i in ids],
        )


@pytest.fixture
def store():
    s = Store()
    s.add("contacts", 1, 2, 3)
    s.add("companies", 10, 11)
    s.add("deals", 20)
    return s


def _types(found):
    return {link.to_id: sorted(t.type_id for t in link.types) for link in found}


def test_a_labelled_link_carries_the_unlabeled_type_both_ways(store):
    primary = assoc.find_type("contacts", "companies", 1, "HUBSPOT_DEFINED")
    assoc.associate(store.conn, [primary], 1, 10)
    assert _types(assoc.links(store.conn, "contacts", 1, "companies")) == {10: [1, 279]}
    assert _types(assoc.links(store.conn, "companies", 10, "contacts")) == {1: [2, 280]}
    link = assoc.links(store.conn, "contacts", 1, "companies")[0]
    assert link.labels() == ["Primary"]
    assert link.to_api()["associationTypes"][1] == {
        "category": "HUBSPOT_DEFINED",
        "typeId": 279,
        "label": None,
    }


def test_a_new_primary_company_replaces_the_old_one(store):
    primary = assoc.find_type("contacts", "companies", 1, "HUBSPOT_DEFINED")
    assoc.associate(store.conn, [primary], 1, 10)
    assoc.associate(store.conn, [primary], 1, 11)
    assert _types(assoc.links(store.conn, "contacts", 1, "companies")) == {
        10: [279],
        11: [1, 279],
    }
    # the same rule seen from the company's side (company → contact "Primary", id 2)
    inverse = assoc.find_type("companies", "contacts", 2, "HUBSPOT_DEFINED")
    assoc.associate(store.conn, [inverse], 10, 1)
    assert _types(assoc.links(store.conn, "contacts", 1, "companies")) == {
        10: [1, 279],
        11: [279],
    }


def test_removing_a_label_keeps_the_link_removing_unlabeled_drops_it(store):
    primary = assoc.find_type("contacts", "companies", 1, "HUBSPOT_DEFINED")
    assoc.associate(store.conn, [primary], 2, 10)
    assoc.remove_types(store.conn, [primary], 2, 10)
    assert _types(assoc.links(store.conn, "companies", 10, "contacts")) == {2: [280]}
    assoc.remove_types(store.conn, [assoc.default_type("contacts", "companies")], 2, 10)
    assert assoc.links(store.conn, "companies", 10, "contacts") == []


def test_unlink_and_archived_records(store):
    deal_contact = assoc.default_type("deals", "contacts")
    for contact in (1, 2, 3):
        assoc.associate(store.conn, [deal_contact], 20, contact)
    assoc.unlink(store.conn, "contacts", 2, "deals", 20)
    store.conn.execute("UPDATE records SET archived = 1 WHERE object_type = 'contacts' AND id = 3")
    assert _types(assoc.links(store.conn, "deals", 20, "contacts")) == {1: [3]}
    assert _types(assoc.links(store.conn, "contacts", 1, "deals")) == {20: [4]}
    assert [link.to_id for link in assoc.links(store.conn, "deals", 20, "contacts", after=1)] == []


def test_unknown_types_and_pairs_are_refused():
    with pytest.raises(ValidationFailed, match="not a valid association type"):
        assoc.find_type("contacts", "companies", 3, "HUBSPOT_DEFINED")
    with pytest.raises(ValidationFailed, match="not a valid association type"):
        assoc.find_type("contacts", "companies", 1, "USER_DEFINED")
    with pytest.raises(ValidationFailed, match="can not be associated"):
        assoc.default_type("companies", "companies")


def test_reading_before_any_link_exists_is_empty(store):
    assert assoc.links(store.conn, "contacts", 1, "companies") == []
    assert assoc.associated(store.conn, "contacts", [1, 2], "companies") == {}


def test_associated_and_v3_results(store):
    primary = assoc.find_type("contacts", "companies", 1, "HUBSPOT_DEFINED")
    assoc.associate(store.conn, [primary], 1, 10)
    found = assoc.associated(store.conn, "contacts", [1, 2], "companies")
    assert list(found) == [1]
    assert assoc.v3_results(found[1]) == [
        {"id": "10", "type": "contact_to_company"},
        {"id": "10", "type": "contact_to_company_unlabeled"},
    ]


def test_seed_links_every_contact_to_a_primary_company_and_deals_to_contacts():
    s = Store()
    s.add("contacts", *range(1, 41))
    s.add("companies", *range(100, 105))
    s.add("deals", *range(200, 210))
    assoc.seed_associations(s, random.Random(7))
    for contact in range(1, 41):
        found = _types(assoc.links(s.conn, "contacts", contact, "companies"))
        assert list(found.values()) == [[1, 279]]
    for deal in range(200, 210):
        contacts = assoc.links(s.conn, "deals", deal, "contacts")
        assert 1 <= len(contacts) <= 3
        companies = _types(assoc.links(s.conn, "deals", deal, "companies"))
        assert list(companies.values()) == [[5, 341]]
    again = Store()
    again.add("contacts", *range(1, 41))
    again.add("companies", *range(100, 105))
    again.add("deals", *range(200, 210))
    assoc.seed_associations(again, random.Random(7))
    rows = "SELECT * FROM associations ORDER BY 1, 2, 3, 4, 5"
    assert s.conn.execute(rows).fetchall() == again.conn.execute(rows).fetchall()
