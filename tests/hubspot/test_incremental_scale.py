"""The 10,000-result search cap (issue 14): an incremental import after 25,000 contacts
changed in one window reads all 25,000, each once, on SQLite and PostgreSQL.

HubSpot's search answers at most 10,000 results per query (past that, a 400); a reader
that pages one query by `hs_lastmodifieddate >= cursor` would stop there (or fail). The
connector splits the window so no query passes the cap; the run's API calls show it paged
searches of 200, not a list of every contact.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.hubspot.conftest import (
    Portal,
    activity,
    add_account,
    run_json,
    start_sandbox,
    workflow_file,
)

CONTACTS = 26_000
CHANGED = 25_000
SEARCH_PAGE = 200

IMPORT = """
name: hs-scale
activities:
  import:
    type: crm
    operation: import
    account: hs
    object: contacts
    fields: [email, firstname]
    incremental: true
    overlap: 0
    next: [save]
  save:
    type: update
    table: hs_contacts
    operation: upsert
    keys: [hs_object_id]
    mapping: {hs_object_id: hs_object_id, email: email, firstname: firstname}
"""


@pytest.fixture(scope="module")
def big_box(tmp_path_factory):
    box = start_sandbox(tmp_path_factory.mktemp("hs-scale"), records=CONTACTS)
    yield box
    box.stop()


@pytest.mark.slow
def test_25000_contacts_changed_in_one_window_are_all_read(crmlink, big_box, database, tmp_path):
    portal = Portal(big_box)
    portal.reset()
    add_account(crmlink, big_box)
    assert crmlink("wizard", "hs", "--tables", "contacts").exit_code == 0
    path = workflow_file(tmp_path, IMPORT)
    first = run_json(crmlink, path)
    live = portal.live()
    assert activity(first, "import")["rows_out"] == len(live) > CHANGED
    (cursor,) = json.loads(crmlink("workflow", "cursor", "show", "hs-scale", "--json").output)

    changed = sorted(live, key=int)[:CHANGED]
    portal.update_many("contacts", changed, lambda record_id: {"firstname": f"Window {record_id}"})
    now = portal.live()
    stamps = {now[i]["hs_lastmodifieddate"] for i in changed}
    assert min(stamps) > cursor["modified"][:10]  # all after the cursor: one window

    before = portal.control("GET", "stats")["by_endpoint"]
    second = run_json(crmlink, path)
    after = portal.control("GET", "stats")["by_endpoint"]
    read = activity(second, "import")
    ties = [i for i, p in live.items() if _at(p, cursor) and i not in set(changed)]
    assert read["rows_out"] == CHANGED + len(ties)

    with database.connect() as conn:
        rows = conn.execute(
            text("SELECT hs_object_id, firstname FROM crm_hs_contacts WHERE firstname LIKE :w"),
            {"w": "Window %"},
        ).all()
    assert len(rows) == CHANGED and len({r[0] for r in rows}) == CHANGED
    assert all(name == f"Window {record_id}" for record_id, name in rows)
    assert set(changed) == {r[0] for r in rows}

    # The calls: search pages of 200 (at least 125 for 25,000), a few more where windows
    # split, and never a walk through all 26,000 contacts by the list API.
    searches = _delta(before, after, "search")
    assert CHANGED // SEARCH_PAGE <= searches <= CHANGED // SEARCH_PAGE + 25, (before, after)
    assert _delta(before, after, "list") == 0, (before, after)
    run = json.loads(crmlink("workflow", "run-show", str(second["id"]), "--json").output)
    assert searches <= activity(run, "import")["api_calls"] <= searches + 3  # + describe


def _at(props: dict, cursor: dict) -> bool:
    import datetime as dt

    stamp = dt.datetime.fromisoformat(props["hs_lastmodifieddate"].replace("Z", "+00:00"))
    return stamp == dt.datetime.fromisoformat(cursor["modified"])


def _delta(before: dict, after: dict, word: str) -> int:
    """Calls of the sandbox's routes whose stats name holds `word`, between two snapshots."""
    names = {n for n in after if word in n.lower()}
    return sum(after.get(n, 0) - before.get(n, 0) for n in names)
