"""`crmlink demo` covers HubSpot: account, wizard, import, export by e-mail (one reject),
import of the archived contacts — through the same engine as the other two CRMs."""

from __future__ import annotations

from sqlalchemy import text

from crmlink.db import open_database


def test_the_demo_runs_the_hubspot_journey(tmp_path):
    from crmlink.config import Settings
    from crmlink.demo import run_demo

    home = tmp_path / "home"
    steps = {s.name: s for s in run_demo(records=200, home=home)}
    assert steps["hubspot account"].result.startswith("hs: org ")
    assert "hs_contacts" in steps["hubspot wizard"].result
    imported = steps["hubspot import"]
    assert 45 <= imported.rows <= 50  # records // 4 contacts, less the seed's archived ones
    assert (steps["hubspot export"].rows, steps["hubspot export"].rejects) == (21, 1)
    assert steps["hubspot export"].result == "recipients 21, export 20 (1 rejected)"
    deleted = steps["hubspot import deletions (3)"]
    assert deleted.rows >= 3 and "remove 3" in deleted.result
    assert all(steps[name].api_calls > 0 for name in steps if name.startswith("hubspot"))
    with open_database(Settings.load(home, env={})) as database, database.connect() as conn:
        local = conn.execute(text("SELECT count(*) FROM crm_hs_contacts")).scalar_one()
    assert local == imported.rows - 3  # the three archived in HubSpot are gone locally
