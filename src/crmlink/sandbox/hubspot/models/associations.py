"""Associations (v4): links between records, each kept in both directions, typed.

HubSpot-defined association types per object pair (`TYPES`): an unlabeled type every link
has, and "Primary" where HubSpot has one (a contact's or deal's primary company). A link
made with a labelled type carries the unlabeled type too, as HubSpot does; a record has at
most one primary company (a new one replaces it). Links to archived records are not read.

The table (`associations`) holds one row per (from, to, type); the inverse row is written
with the inverse type in the same transaction. `associated()` serves the basic API's
`associations=` parameter, `seed_associations()` the seeded portal.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from crmlink.sandbox.hubspot.errors import ValidationFailed

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
CATEGORIES = ("HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED")
SCHEMA = """
CREATE TABLE IF NOT EXISTS associations (
  from_type TEXT NOT NULL,
  from_id INTEGER NOT NULL,
  to_type TEXT NOT NULL,
  to_id INTEGER NOT NULL,
  type_id INTEGER NOT NULL,
  category TEXT NOT NULL,
  label TEXT,
  PRIMARY KEY (from_type, from_id, to_type, to_id, type_id)) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class AssociationType:
    from_type: str
    to_type: str
    type_id: int
    label: str | None  # None: the unlabeled (default) type
    inverse_id: int
    api_name: str  # the v3 name (`contact_to_company`), shown by `associations=`
    category: str = HUBSPOT_DEFINED

    def to_api(self) -> dict[str, Any]:
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


def _pair(
    a: str,
    b: str,
    unlabeled: tuple[int, int],
    names: tuple[str, str],
    primary: tuple[int, int] | None = None,
) -> list[AssociationType]:
    out = [
        AssociationType(a, b, unlabeled[0], None, unlabeled[1], names[0]),
        AssociationType(b, a, unlabeled[1], None, unlabeled[0], names[1]),
    ]
    if primary is not None:
        out += [
            AssociationType(
                a, b, primary[0], "Primary", primary[1], names[0].removesuffix("_unlabeled")
            ),
            AssociationType(
                b, a, primary[1], "Primary", primary[0], names[1].removesuffix("_unlabeled")
            ),
        ]
    return out


# HubSpot's own type ids (developers.hubspot.com, "Associations v4": association type ids).
TYPES: tuple[AssociationType, ...] = (
    *_pair(
        "contacts",
        "companies",
        (279, 280),
        ("contact_to_company_unlabeled", "company_to_contact_unlabeled"),
        primary=(1, 2),
    ),
    *_pair("deals", "contacts", (3, 4), ("deal_to_contact", "contact_to_deal")),
    *_pair(
        "deals",
        "companies",
        (341, 342),
        ("deal_to_company_unlabeled", "company_to_deal_unlabeled"),
        primary=(5, 6),
    ),
)
# "Primary" links that a record may hold only once (a contact's or deal's company).
_SINGLE_PRIMARY = frozenset({1, 5})


def types_between(from_type: str, to_type: str) -> list[AssociationType]:
    """The association types from one object type to another (labels, GET …/labels)."""
    return [t for t in TYPES if t.from_type == from_type and t.to_type == to_type]


def default_type(from_type: str, to_type: str) -> AssociationType:
    for t in types_between(from_type, to_type):
        if t.label is None:
            return t
    raise ValidationFailed(f"{from_type} can not be associated with {to_type}.")


def find_type(from_type: str, to_type: str, type_id: int, category: str) -> AssociationType:
    for t in types_between(from_type, to_type):
        if t.type_id == type_id and t.category == category:
            return t
    raise ValidationFailed(
        f"{category} {type_id} is not a valid association type between {from_type} and {to_type}."
    )


def _type_of(from_type: str, to_type: str, type_id: int) -> AssociationType:
    for t in types_between(from_type, to_type):
        if t.type_id == type_id:
            return t
    raise LookupError(type_id)


@dataclass(frozen=True)
class Link:
    """One associated record and the types linking to it."""

    to_id: int
    types: tuple[AssociationType, ...]

    def to_api(self) -> dict[str, Any]:
        return {"toObjectId": self.to_id, "associationTypes": [t.to_api() for t in self.types]}

    def labels(self) -> list[str]:
        return [t.label for t in self.types if t.label is not None]


def create_schema(conn: sqlite3.Connection) -> None:
    """The table, if missing (one statement: safe inside an open transaction)."""
    conn.execute(SCHEMA)


def _insert(conn: sqlite3.Connection, kind: AssociationType, from_id: int, to_id: int) -> None:
    rows = [
        (kind.from_type, from_id, kind.to_type, to_id, kind.type_id, kind.category, kind.label),
        (kind.to_type, to_id, kind.from_type, from_id, kind.inverse_id, kind.category, kind.label),
    ]
    conn.executemany("INSERT OR IGNORE INTO associations VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _drop_type(
    conn: sqlite3.Connection, kind: AssociationType, from_id: int, to_id: int | None = None
) -> None:
    """Remove links of one type from a record (to one record, or to all), both directions."""
    where = "from_type = ? AND from_id = ? AND to_type = ? AND type_id = ?"
    params: tuple[Any, ...] = (kind.from_type, from_id, kind.to_type, kind.type_id)
    if to_id is not None:
        where, params = where + " AND to_id = ?", (*params, to_id)
    others = [r[0] for r in conn.execute(f"SELECT to_id FROM associations WHERE {where}", params)]
    conn.execute(f"DELETE FROM associations WHERE {where}", params)
    conn.executemany(
        "DELETE FROM associations WHERE from_type = ? AND from_id = ? AND to_type = ? "
        "AND to_id = ? AND type_id = ?",
        [(kind.to_type, other, kind.from_type, from_id, kind.inverse_id) for other in others],
    )


def associate(
    conn: sqlite3.Connection, kinds: Sequence[AssociationType], from_id: int, to_id: int
) -> None:
    """Link two records with `kinds` (and the unlabeled type, which every link has)."""
    if not kinds:
        return
    create_schema(conn)
    first = kinds[0]
    for kind in (default_type(first.from_type, first.to_type), *kinds):
        if kind.type_id in _SINGLE_PRIMARY:
            _drop_type(conn, kind, from_id)
        elif kind.inverse_id in _SINGLE_PRIMARY:  # company → contact "Primary": the contact's
            _drop_type(conn, _type_of(kind.to_type, kind.from_type, kind.inverse_id), to_id)
        _insert(conn, kind, from_id, to_id)


def remove_types(
    conn: sqlite3.Connection, kinds: Iterable[AssociationType], from_id: int, to_id: int
) -> None:
    """Remove some types from a link; removing the unlabeled type removes the link."""
    create_schema(conn)
    for kind in kinds:
        if kind.label is None:
            unlink(conn, kind.from_type, from_id, kind.to_type, to_id)
            return
        _drop_type(conn, kind, from_id, to_id)


def unlink(
    conn: sqlite3.Connection, from_type: str, from_id: int, to_type: str, to_id: int
) -> None:
    """Remove every association between two records, both directions."""
    create_schema(conn)
    conn.executemany(
        "DELETE FROM associations WHERE from_type = ? AND from_id = ? AND to_type = ? "
        "AND to_id = ?",
        [(from_type, from_id, to_type, to_id), (to_type, to_id, from_type, from_id)],
    )


def links(
    conn: sqlite3.Connection, from_type: str, from_id: int, to_type: str, *, after: int = 0
) -> list[Link]:
    """The records one record is linked to (not archived), by id, past `after`."""
    sql = (
        "SELECT a.to_id, a.type_id FROM associations a JOIN records r "
        "ON r.object_type = a.to_type AND r.id = a.to_id AND r.archived = 0 "
        "WHERE a.from_type = ? AND a.from_id = ? AND a.to_type = ? AND a.to_id > ? "
        "ORDER BY a.to_id, a.type_id"
    )
    grouped: dict[int, list[AssociationType]] = {}
    try:
        found = conn.execute(sql, (from_type, from_id, to_type, after)).fetchall()
    except sqlite3.OperationalError as exc:  # nothing associated yet: no table
        if "no such table" in str(exc):
            return []
        raise
    for to_id, type_id in found:
        try:
            grouped.setdefault(to_id, []).append(_type_of(from_type, to_type, type_id))
        except LookupError:
            continue
    return [Link(to_id, tuple(kinds)) for to_id, kinds in grouped.items()]


def associated(
    conn: sqlite3.Connection, from_type: str, ids: Sequence[int], to_type: str
) -> dict[int, list[Link]]:
    """For the basic API's `associations=`: each record's links to `to_type` (records with
    none are absent). `v3_results()` renders one record's links as HubSpot's v3 does."""
    out: dict[int, list[Link]] = {}
    for from_id in ids:
        found = links(conn, from_type, from_id, to_type)
        if found:
            out[from_id] = found
    return out


def v3_results(found: Sequence[Link]) -> list[dict[str, str]]:
    """`{"results": [...]}` entries of a v3 record's `associations.<type>`."""
    return [{"id": str(link.to_id), "type": t.api_name} for link in found for t in link.types]


def exists(conn: sqlite3.Connection, object_type: str, record_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM records WHERE object_type = ? AND id = ? AND archived = 0",
        (object_type, record_id),
    ).fetchone()
    return row is not None


def clear(conn: sqlite3.Connection, object_type: str | None = None) -> None:
    """Forget every association (a reset), or those of one object type (a dropped one)."""
    create_schema(conn)
    if object_type is None:
        conn.execute("DELETE FROM associations")
    else:
        conn.execute(
            "DELETE FROM associations WHERE from_type = ? OR to_type = ?",
            (object_type, object_type),
        )


def _unlinked(conn: sqlite3.Connection, from_type: str, to_type: str) -> list[int]:
    """Live records of `from_type` with no association to `to_type` yet, by id."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT id FROM records WHERE object_type = ? AND archived = 0 AND id NOT IN "
            "(SELECT from_id FROM associations WHERE from_type = ? AND to_type = ?) ORDER BY id",
            (from_type, from_type, to_type),
        )
    ]


def _bulk_link(
    conn: sqlite3.Connection, kinds: Sequence[AssociationType], pairs: list[tuple[int, int]]
) -> None:
    """Links between records that had none of these types (seeding): plain inserts."""
    rows = [
        row
        for kind in kinds
        for a, b in pairs
        for row in (
            (kind.from_type, a, kind.to_type, b, kind.type_id, kind.category, kind.label),
            (kind.to_type, b, kind.from_type, a, kind.inverse_id, kind.category, kind.label),
        )
    ]
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[4]))  # in key order: appends, fast
    conn.executemany("INSERT OR IGNORE INTO associations VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def seed_associations(store: Any, rng: random.Random) -> None:
    """Seeded links for records that have none yet: each contact with one company
    (primary), each deal with 1-3 contacts and its first contact's company (primary).
    `store` is the SqliteStore holding the `records` table."""
    with store.transaction() as conn:
        create_schema(conn)
        companies = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM records WHERE object_type = 'companies' AND archived = 0 "
                "ORDER BY id"
            )
        ]
        if companies:
            pairs = [(c, rng.choice(companies)) for c in _unlinked(conn, "contacts", "companies")]
            primary = _type_of("contacts", "companies", 1)
            _bulk_link(conn, [default_type("contacts", "companies"), primary], pairs)
        company_of = dict(
            conn.execute(
                "SELECT from_id, to_id FROM associations WHERE from_type = 'contacts' "
                "AND to_type = 'companies' AND type_id = 1"
            ).fetchall()
        )
        contacts = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM records WHERE object_type = 'contacts' AND archived = 0 ORDER BY id"
            )
        ]
        if not contacts:
            return
        deal_contacts, deal_companies = [], []
        for deal in _unlinked(conn, "deals", "contacts"):
            chosen = rng.sample(contacts, min(len(contacts), rng.randint(1, 3)))
            deal_contacts += [(deal, contact) for contact in chosen]
            if chosen[0] in company_of:
                deal_companies.append((deal, company_of[chosen[0]]))
        _bulk_link(conn, [default_type("deals", "contacts")], deal_contacts)
        deal_primary = _type_of("deals", "companies", 5)
        _bulk_link(conn, [default_type("deals", "companies"), deal_primary], deal_companies)
