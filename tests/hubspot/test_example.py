"""`examples/hubspot-contacts-to-recipients.yaml` runs as documented against the HubSpot
sandbox (account `hs`), on SQLite and PostgreSQL: every live contact with an e-mail becomes
one recipient, and a second run after a change in HubSpot reads only that change."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from tests.hubspot.conftest import activity, add_account, run_json

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hubspot-contacts-to-recipients.yaml"


def recipients(database) -> dict[str, dict]:
    with database.connect() as conn:
        rows = conn.execute(text("SELECT * FROM recipient")).mappings().all()
    return {row["email"]: dict(row) for row in rows}


def test_the_example_imports_contacts_as_recipients(crmlink, hs_portal, database):
    add_account(crmlink, hs_portal.box)
    first = run_json(crmlink, str(EXAMPLE))
    live = [p for p in hs_portal.live().values() if p.get("email")]
    got = recipients(database)
    assert len(got) == len(live) == activity(first, "save")["rows_out"]
    for props in live:
        row = got[props["email"]]
        assert (row["first_name"], row["last_name"]) == (props["firstname"], props["lastname"])
        assert bool(row["email_opt_out"]) is (props.get("hs_email_optout") == "true")
        assert row["postal_code"] == props.get("zip")
    record_id, props = next(iter(hs_portal.live().items()))
    hs_portal.update("contacts", record_id, {"lastname": "Changed in HubSpot"})
    second = run_json(crmlink, str(EXAMPLE))
    assert 1 <= activity(second, "import")["rows_out"] < len(live) // 2  # the change (+ overlap)
    assert recipients(database)[props["email"]]["last_name"] == "Changed in HubSpot"
    assert len(recipients(database)) == len(live)
