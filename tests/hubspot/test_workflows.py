"""Every crm operation on HubSpot, run as YAML workflows by `crmlink workflow run`, on
SQLite and PostgreSQL, each checked against the sandbox's records: full and incremental
import (cursors), export insert (match_on) / update (by hs_object_id) / upsert (by email)
with per-record rejects, import_deleted of archived records, delete (archive), and the
custom object `loyalty_card` imported and upserted by its unique `card_number`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import bindparam, text

from tests.hubspot.conftest import activity, add_account, run_json, workflow_file

IMPORT = """
name: hs-contacts
activities:
  import:
    type: crm
    operation: import
    account: hs
    object: contacts
    fields: [email, firstname, lastname, lifecyclestage, interests, date_of_birth]
    incremental: true
    overlap: 0
    next: [save]
  save:
    type: update
    table: hs_contacts
    operation: upsert
    keys: [hs_object_id]
    mapping:
      hs_object_id: hs_object_id
      email: email
      firstname: firstname
      lastname: lastname
      lifecyclestage: lifecyclestage
      interests: interests
      date_of_birth: date_of_birth
      hs_lastmodifieddate: hs_lastmodifieddate
"""


@pytest.fixture
def imported(crmlink, hs_portal, tmp_path):
    """Account `hs`, the wizard's hs_contacts, and one full import run into it."""
    add_account(crmlink, hs_portal.box)
    wizard = crmlink("wizard", "hs", "--tables", "contacts")
    assert wizard.exit_code == 0, wizard.output
    path = workflow_file(tmp_path, IMPORT, "import.yaml")
    first = run_json(crmlink, path)
    return path, first


def local(database, table: str = "crm_hs_contacts") -> dict[str, dict]:
    with database.connect() as conn:
        rows = conn.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
    by_id = {row["hs_object_id"]: dict(row) for row in rows}
    assert len(by_id) == len(rows), "duplicate hs_object_id rows"
    return by_id


def add_recipients(database, rows: list[dict]) -> None:
    with database.transaction() as conn:
        conn.execute(
            text("INSERT INTO recipient (email, first_name, last_name) VALUES (:e, :f, :l)"),
            [{"e": r["email"], "f": r["first_name"], "l": r["last_name"]} for r in rows],
        )


def rejects(crmlink, run_id: int) -> list[dict]:
    shown = crmlink("workflow", "rejects", str(run_id), "--json")
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.output)


def test_full_import_holds_every_live_contact_with_its_values(imported, database, hs_portal):
    _, first = imported
    live = hs_portal.live()
    rows = local(database)
    assert set(rows) == set(live)  # archived contacts are not imported
    assert activity(first, "import")["rows_out"] == len(live)
    for record_id, props in live.items():
        row = rows[record_id]
        assert row["email"] == props["email"] and row["lastname"] == props.get("lastname")
        assert row["lifecyclestage"] == props.get("lifecyclestage")
        assert row["interests"] == props.get("interests")  # "a;b" as HubSpot writes it
        birth = row["date_of_birth"]
        assert (None if birth is None else str(birth)) == props.get("date_of_birth")


def test_incremental_import_reads_only_the_changed_contacts(crmlink, imported, database, hs_portal):
    path, _ = imported
    cursor = crmlink("workflow", "cursor", "show", "hs-contacts", "--json")
    assert cursor.exit_code == 0, cursor.output
    (committed,) = json.loads(cursor.output)
    changed = sorted(hs_portal.live(), key=int)[5:12]
    for record_id in changed:
        hs_portal.update("contacts", record_id, {"firstname": f"Changed {record_id}"})
    second = run_json(crmlink, path)
    read = activity(second, "import")["rows_out"]
    # Closed start at the committed (modified, id): the changed seven, plus the records
    # stamped exactly at the cursor's instant (ties, re-read by design).
    at_cursor = [
        i for i, p in hs_portal.live().items()
        if p["hs_lastmodifieddate"] == _wire(committed["modified"]) and i not in changed
    ]  # fmt: skip
    assert read == len(changed) + len(at_cursor)
    rows = local(database)
    assert len(rows) == len(hs_portal.live())
    for record_id in changed:
        assert rows[record_id]["firstname"] == f"Changed {record_id}"
    third = run_json(crmlink, path)
    assert activity(third, "import")["rows_out"] <= len(changed)  # nothing new: ties only


def _wire(iso: str) -> str:
    """A cursor's ISO stamp as HubSpot writes it (`…T…:SS.mmmZ`)."""
    import datetime as dt

    stamp = dt.datetime.fromisoformat(iso).astimezone(dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


EXPORT_INSERT = """
name: hs-signups
activities:
  recipients:
    type: query
    table: recipient
    filter: "email like '%@signup.example' or last_name = 'EXISTING'"
    next: [export]
  export:
    type: crm
    operation: export
    account: hs
    object: contacts
    mapping: {email: email, firstname: first_name, lastname: last_name}
    match_on: email
"""


def test_export_inserts_new_contacts_matches_known_ones_and_keeps_rejects(
    crmlink, hs_portal, database, tmp_path
):
    add_account(crmlink, hs_portal.box)
    known_id, known = sorted(hs_portal.live().items(), key=lambda kv: int(kv[0]))[0]
    signups = [
        {"email": f"new{n}@signup.example", "first_name": "Zoë", "last_name": f"O'New {n}"}
        for n in range(6)
    ]
    signups.append({"email": "broken@@signup.example", "first_name": "B", "last_name": "Bad"})
    signups.append({"email": known["email"].upper(), "first_name": "K", "last_name": "EXISTING"})
    add_recipients(database, signups)
    before = len(hs_portal.live())
    record = run_json(crmlink, workflow_file(tmp_path, EXPORT_INSERT))
    export = activity(record, "export")
    assert (export["rows_out"], export["rows_rejected"]) == (7, 1)
    live = hs_portal.live()
    assert len(live) == before + 6  # the known e-mail matched (HubSpot compares it lower-cased)
    emails = [p["email"] for p in live.values()]
    assert len(emails) == len(set(emails))
    for n in range(6):
        (created,) = [p for p in live.values() if p["email"] == f"new{n}@signup.example"]
        assert created["lastname"] == f"O'New {n}" and created["firstname"] == "Zoë"
    assert live[known_id]["lastname"] == known["lastname"]  # matched, not overwritten
    (reject,) = rejects(crmlink, record["id"])
    assert reject["error_code"] == "INVALID_EMAIL"
    assert reject["row"]["email"] == "broken@@signup.example"


EXPORT_UPSERT = """
name: hs-upsert
activities:
  recipients:
    type: query
    table: recipient
    next: [export]
  export:
    type: crm
    operation: export
    account: hs
    object: contacts
    mapping: {email: email, firstname: first_name, lastname: last_name}
    key: email
"""


def test_export_upserts_by_email(crmlink, hs_portal, database, tmp_path):
    add_account(crmlink, hs_portal.box)
    existing = sorted(hs_portal.live().items(), key=lambda kv: int(kv[0]))[:4]
    rows = [
        {"email": props["email"], "first_name": "Upserted", "last_name": f"Known {i}"}
        for i, (_, props) in enumerate(existing)
    ]
    rows += [
        {"email": f"fresh{n}@upsert.example", "first_name": "Upserted", "last_name": f"New {n}"}
        for n in range(3)
    ]
    rows.append({"email": "not an e-mail", "first_name": "Upserted", "last_name": "Bad"})
    add_recipients(database, rows)
    before = len(hs_portal.live())
    record = run_json(crmlink, workflow_file(tmp_path, EXPORT_UPSERT))
    export = activity(record, "export")
    assert (export["rows_out"], export["rows_rejected"]) == (7, 1)
    live = hs_portal.live()
    assert len(live) == before + 3
    for i, (record_id, _) in enumerate(existing):
        assert live[record_id]["firstname"] == "Upserted"
        assert live[record_id]["lastname"] == f"Known {i}"
    upserted = [p for p in live.values() if p.get("firstname") == "Upserted"]
    assert len(upserted) == 7 and len({p["email"] for p in upserted}) == 7
    (reject,) = rejects(crmlink, record["id"])
    assert (reject["error_code"], reject["row"]["email"]) == ("INVALID_EMAIL", "not an e-mail")
    again = run_json(crmlink, workflow_file(tmp_path, EXPORT_UPSERT, "again.yaml"))
    assert activity(again, "export")["rows_out"] == 7
    assert len(hs_portal.live()) == before + 3  # a rerun updates, never duplicates


EXPORT_UPDATE = """
name: hs-update
activities:
  changed:
    type: query
    table: hs_contacts
    filter: "lastname like 'Renamed%'"
    next: [export]
  export:
    type: crm
    operation: export
    account: hs
    object: contacts
    mapping: {hs_object_id: hs_object_id, lastname: lastname}
"""


def test_export_updates_by_record_id_and_rejects_unknown_ids(
    crmlink, imported, database, hs_portal, tmp_path
):
    ids = sorted(local(database), key=int)[:5]
    with database.transaction() as conn:
        for record_id in ids:
            conn.execute(
                text("UPDATE crm_hs_contacts SET lastname = :n WHERE hs_object_id = :i"),
                {"n": f"Renamed {record_id}", "i": record_id},
            )
        conn.execute(
            text("INSERT INTO crm_hs_contacts (hs_object_id, lastname) VALUES (:i, :n)"),
            {"i": "999999999", "n": "Renamed ghost"},
        )
    before = len(hs_portal.live())
    record = run_json(crmlink, workflow_file(tmp_path, EXPORT_UPDATE))
    export = activity(record, "export")
    assert (export["rows_out"], export["rows_rejected"]) == (5, 1)
    live = hs_portal.live()
    for record_id in ids:
        assert live[record_id]["lastname"] == f"Renamed {record_id}"
    assert len(live) == before  # an unknown id is refused, never inserted
    (reject,) = rejects(crmlink, record["id"])
    assert reject["error_code"] == "OBJECT_NOT_FOUND"
    assert reject["row"]["hs_object_id"] == "999999999"


DELETED = """
name: hs-deleted
activities:
  deleted:
    type: crm
    operation: import_deleted
    account: hs
    object: contacts
    next: [remove]
  remove:
    type: update
    table: hs_contacts
    operation: delete
    keys: [hs_object_id]
    mapping: {hs_object_id: id}
"""


def test_import_deleted_removes_the_contacts_archived_in_hubspot(
    crmlink, imported, database, hs_portal, tmp_path
):
    gone = sorted(local(database), key=int)[3:7]
    for record_id in gone:
        hs_portal.archive("contacts", record_id)
    record = run_json(crmlink, workflow_file(tmp_path, DELETED))
    archived = hs_portal.archived()
    assert set(gone) <= set(archived)
    # Every archived contact is reported: the seed's (archived within 30 days) and ours.
    assert activity(record, "deleted")["rows_out"] == len(archived)
    assert set(local(database)) == set(hs_portal.live())


DELETE = """
name: hs-delete
activities:
  doomed:
    type: query
    table: hs_contacts
    filter: "lastname = 'Doomed'"
    next: [delete]
  delete:
    type: crm
    operation: delete
    account: hs
    object: contacts
    ids_from: hs_object_id
"""


def test_delete_archives_the_records_in_hubspot(crmlink, imported, database, hs_portal, tmp_path):
    doomed = sorted(local(database), key=int)[-6:]
    with database.transaction() as conn:
        conn.execute(
            text(
                "UPDATE crm_hs_contacts SET lastname = 'Doomed' WHERE hs_object_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": doomed},
        )
    before = len(hs_portal.live())
    record = run_json(crmlink, workflow_file(tmp_path, DELETE))
    assert activity(record, "delete")["rows_out"] == len(doomed)
    assert len(hs_portal.live()) == before - len(doomed)
    assert set(doomed) <= set(hs_portal.archived())


CARDS = """
name: hs-cards
activities:
  import:
    type: crm
    operation: import
    account: hs
    object: loyalty_card
    fields: [card_number, tier, points, issued, active]
    next: [save]
  save:
    type: update
    table: hs_loyalty_card
    operation: upsert
    keys: [hs_object_id]
    mapping: {hs_object_id: hs_object_id, card_number: card_number, tier: tier,
              points: points, issued: issued, active: active}
"""
CARDS_EXPORT = """
name: hs-cards-export
activities:
  changed:
    type: query
    table: hs_loyalty_card
    filter: "points = 12345"
    next: [export]
  export:
    type: crm
    operation: export
    account: hs
    object: loyalty_card
    mapping: {card_number: card_number, points: points, tier: tier}
    key: card_number
"""


def test_a_custom_object_imports_and_upserts_by_its_unique_property(
    crmlink, hs_portal, database, tmp_path
):
    add_account(crmlink, hs_portal.box)
    assert crmlink("wizard", "hs", "--tables", "loyalty_card").exit_code == 0
    run_json(crmlink, workflow_file(tmp_path, CARDS, "cards.yaml"))
    cards = hs_portal.live("loyalty_card")
    rows = local(database, "crm_hs_loyalty_card")
    assert set(rows) == set(cards)
    for record_id, props in cards.items():
        assert rows[record_id]["card_number"] == props["card_number"]
        assert float(rows[record_id]["points"]) == float(props["points"])
        assert bool(rows[record_id]["active"]) is (props["active"] == "true")
    known_id = sorted(cards, key=int)[0]
    with database.transaction() as conn:
        conn.execute(
            text("UPDATE crm_hs_loyalty_card SET points = 12345 WHERE hs_object_id = :i"),
            {"i": known_id},
        )
        conn.execute(
            text(
                "INSERT INTO crm_hs_loyalty_card (hs_object_id, card_number, points, tier) "
                "VALUES ('local-1', 'LC-NEW-0001', 12345, :t)"
            ),
            {"t": cards[known_id]["tier"]},
        )
    record = run_json(crmlink, workflow_file(tmp_path, CARDS_EXPORT, "cards-export.yaml"))
    assert activity(record, "export")["rows_out"] == 2
    after = hs_portal.live("loyalty_card")
    assert len(after) == len(cards) + 1
    assert after[known_id]["points"] == "12345"
    (new,) = [p for p in after.values() if p["card_number"] == "LC-NEW-0001"]
    assert new["points"] == "12345"
