"""The three example workflows, run with the CLI (`crmlink workflow run`) against the
Salesforce sandbox: wizard tables, incremental import, deletions, export with write-back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select, table

from crmlink.catalog.recipient import recipient
from crmlink.workflow.loader import load_file
from tests.catalog.test_account_test_sandbox import add_sandbox_account
from tests.conftest import sf_client

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NAMES = ["contacts-from-salesforce", "recipients-to-leads", "deleted-contacts"]


@pytest.mark.parametrize("name", NAMES)
def test_example_loads(name):
    workflow = load_file(EXAMPLES / f"{name}.yaml")
    assert workflow.name == name and any(c.type == "crm" for c in workflow.activities.values())


def run(crmlink, name: str, *args: str) -> dict:
    result = crmlink("workflow", "run", str(EXAMPLES / f"{name}.yaml"), "--json", *args)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["status"] == "succeeded", record
    return record


def count(database_url: str, name: str, where=None) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(table(name))
            return conn.execute(query.where(where) if where is not None else query).scalar_one()
    finally:
        engine.dispose()


def test_examples_end_to_end(crmlink, database_url, sf_fresh, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # rejects/recipients-to-leads.csv lands here
    add_sandbox_account(crmlink, sf_fresh.info(), "password", name="sfdc")
    wizard = crmlink("wizard", "sfdc", "--tables", "Contact,Lead")
    assert wizard.exit_code == 0, wizard.output
    sf_fresh.org.clock_offset -= dt.timedelta(minutes=10)
    client = sf_client(sf_fresh)

    imported = run(crmlink, "contacts-from-salesforce")
    contacts = sf_fresh.org.count("Contact")
    assert imported["activities"][0]["rows_out"] == contacts
    assert count(database_url, "crm_sfdc_contact") == contacts

    victims = [r["Id"] for r in client.query("SELECT Id FROM Contact LIMIT 2")["records"]]
    for victim in victims:
        client.Contact.delete(victim)
    sf_fresh.org.clock_offset += dt.timedelta(minutes=2)
    deleted = run(crmlink, "deleted-contacts")
    assert deleted["activities"][0]["rows_out"] == 2
    assert count(database_url, "crm_sfdc_contact") == contacts - 2

    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            insert(recipient),
            [
                {"email": "ada@example.com", "last_name": "Lovelace", "company": "Engines"},
                {"email": "alan@example.com", "last_name": "Turing", "company": "Bletchley"},
                {"email": "solo@example.com", "last_name": "Solo", "company": None},
            ],
        )
    engine.dispose()
    leads = run(crmlink, "recipients-to-leads")
    assert leads["activities"][1]["rows_out"] == 2
    again = run(crmlink, "recipients-to-leads", "--fresh")  # match_on: no second insert
    assert again["activities"][1]["rows_out"] == 2
    found = client.query_all(
        "SELECT Id FROM Lead WHERE Email IN ('ada@example.com', 'alan@example.com')"
    )["records"]
    assert len(found) == 2
    assert count(database_url, "crm_sfdc_lead") == 2
