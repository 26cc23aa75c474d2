"""`crmlink wizard` end to end: sandbox over TLS → schemas and local tables, on SQLite and
PostgreSQL."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import inspect

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.db import open_database
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.sandbox.salesforce.models.describes import METADATA_DIR
from tests.catalog.test_account_test_sandbox import add_sandbox_account
from tests.wizard.conftest import run_json

DEFAULT_OBJECTS = [
    "Account", "Contact", "Lead", "Opportunity", "Campaign", "CampaignMember", "User",
    "Subscription__c",
]  # fmt: skip


def test_list_shows_label_api_name_and_custom(sfdc):
    tables = run_json(sfdc, "wizard", "sfdc", "--list")
    assert {"name": "Subscription__c", "label": "Subscription", "custom": True} in tables
    assert {t["name"] for t in tables} == set(DEFAULT_OBJECTS)


def test_all_default_objects_become_schemas_and_tables(sfdc, database_url, sf_sandbox):
    outcomes = run_json(sfdc, "wizard", "sfdc", "--all")
    assert [o["status"] for o in outcomes] == ["created"] * len(DEFAULT_OBJECTS)
    schemas = {s["name"]: s for s in run_json(sfdc, "schema", "list")}
    assert schemas["recipient"]["kind"] == "builtin"
    assert schemas["sfdc_contact"]["local_table"] == "crm_sfdc_contact"
    with open_database(database_url) as database:
        tables = set(inspect(database.engine).get_table_names())
    assert {f"crm_sfdc_{o.lower()}" for o in DEFAULT_OBJECTS} <= tables


def test_every_field_is_mapped_or_reported(sfdc, sf_sandbox):
    outcome = run_json(sfdc, "wizard", "sfdc", "--tables", "Contact")[0]
    describe = sf_sandbox.org.catalog.get("Contact").raw["fields"]
    assert outcome["columns"] + len(outcome["not_stored"]) == len(describe)
    reasons = {n["field"]: n["reason"] for n in outcome["not_stored"]}
    assert reasons["MailingAddress"].startswith("compound address: stored as its components")
    assert "MailingCity" in reasons["MailingAddress"]


def test_schema_show_flags_key_modified_formula_and_external_id(sfdc):
    run_json(sfdc, "wizard", "sfdc", "--tables", "Contact")
    detail = run_json(sfdc, "schema", "show", "sfdc_contact")
    fields = {f["remote_name"]: f for f in detail["fields"]}
    assert "key" in fields["Id"]["flags"]
    assert "modified" in fields["SystemModstamp"]["flags"]
    assert "formula" in fields["Full_Name__c"]["flags"]
    assert "external id" in fields["External_Id__c"]["flags"]
    assert fields["Email"]["type"] == "string(80)"
    assert (
        fields["Interests__c"]["type"] == "text"
        and fields["Interests__c"]["kind"] == "multipicklist"
    )
    assert detail["history"][0]["change"] == "created"


def test_rerun_without_changes_is_unchanged(sfdc):
    run_json(sfdc, "wizard", "sfdc", "--tables", "Lead")
    again = run_json(sfdc, "wizard", "sfdc", "--tables", "Lead")
    assert again[0]["status"] == "unchanged" and again[0]["changes"] == []


def test_unknown_table_is_refused_and_nothing_changes(sfdc):
    result = sfdc("wizard", "sfdc", "--tables", "Contact,Contcat")
    assert result.exit_code == 2
    assert "the CRM has no table 'Contcat' (did you mean Contact?)" in result.stderr
    assert [s["name"] for s in run_json(sfdc, "schema", "list")] == ["recipient"]


def test_unknown_schema_suggests(sfdc):
    run_json(sfdc, "wizard", "sfdc", "--tables", "Contact")
    result = sfdc("schema", "show", "sfdc_contcat")
    assert result.exit_code == 2
    assert "no schema named 'sfdc_contcat'; did you mean: sfdc_contact?" in result.stderr


def _changed_describes(tmp_path):
    """The default objects with Contact changed: a field added, one removed, one widened."""
    folder = tmp_path / "describes"
    shutil.copytree(METADATA_DIR, folder)
    import json

    path = folder / "Contact.json"
    contact = json.loads(path.read_text())
    fields = [f for f in contact["fields"] if f["name"] != "AssistantName"]
    title = next(f for f in fields if f["name"] == "Title")
    title["length"] = 255
    score = next(f for f in fields if f["name"] == "Loyalty_Points__c")
    added = dict(score, name="Churn_Risk__c", label="Churn Risk")
    fields.append(added)
    contact["fields"] = fields
    path.write_text(json.dumps(contact))
    return folder


def test_rerun_after_crm_change_migrates(sfdc, tmp_path, database_url):
    run_json(sfdc, "wizard", "sfdc", "--tables", "Contact")
    with SalesforceSandbox(
        state_dir=tmp_path / "changed", describe_dir=_changed_describes(tmp_path), records=10
    ) as changed:
        assert sfdc("account", "remove", "sfdc", "--yes").exit_code == 0
        add_sandbox_account(sfdc, changed.info(), "password", name="sfdc")
        outcome = run_json(sfdc, "wizard", "sfdc", "--tables", "Contact")[0]
    assert outcome["status"] == "migrated"
    assert "added churn_risk__c: double" in outcome["changes"]
    assert "retired assistantname: gone from the CRM; data kept" in outcome["changes"]
    assert "widened title: string(128) -> string(255)" in outcome["changes"]
    detail = run_json(sfdc, "schema", "show", "sfdc_contact")
    fields = {f["column"]: f for f in detail["fields"]}
    assert "retired" in fields["assistantname"]["flags"]
    assert [h["change"] for h in detail["history"]].count("added") == 1
    with open_database(database_url) as database:
        columns = {c["name"] for c in inspect(database.engine).get_columns("crm_sfdc_contact")}
    assert {"churn_risk__c", "assistantname"} <= columns  # added, and retired data kept


def test_one_bad_table_does_not_stop_the_others(sfdc, monkeypatch):
    original = SalesforceConnector.describe

    def flaky(self, table):
        if table == "Lead":
            from crmlink.errors import RemoteError

            raise RemoteError("describe failed for Lead", code="UNKNOWN_EXCEPTION")
        return original(self, table)

    monkeypatch.setattr(SalesforceConnector, "describe", flaky)
    result = sfdc("wizard", "sfdc", "--tables", "Contact,Lead,Account", "--json")
    assert result.exit_code == 1
    import json

    statuses = {o["table"]: o["status"] for o in json.loads(result.stdout)}
    assert statuses == {"Contact": "created", "Lead": "failed", "Account": "created"}


@pytest.fixture
def real_describes_sandbox(tmp_path_factory):
    from tests.reference import reference_path

    folder = reference_path("salesforce", "describe")
    state = tmp_path_factory.mktemp("real-describes")
    with SalesforceSandbox(state_dir=state, describe_dir=folder, records=5) as sandbox:
        yield sandbox


def test_wizard_on_real_describes_maps_or_reports_every_field(crmlink, real_describes_sandbox):
    add_sandbox_account(crmlink, real_describes_sandbox.info(), "password", name="real")
    catalog = real_describes_sandbox.org.catalog
    listed = {o["name"] for o in catalog.global_describe["sobjects"]}  # 110 objects…
    described = ",".join(o.name for o in catalog.objects() if o.name in listed)  # …8 described
    outcomes = run_json(crmlink, "wizard", "real", "--tables", described)
    counts = {}
    for outcome in outcomes:
        assert outcome["status"] == "created", outcome
        total = len(catalog.get(outcome["table"]).raw["fields"])
        assert outcome["columns"] + len(outcome["not_stored"]) == total
        counts[outcome["table"]] = (outcome["columns"], len(outcome["not_stored"]))
    # The recorded describes: fields stored as columns, and compound fields reported.
    assert counts["Contact"] == (57, 2)
    assert counts["Account"] == (66, 2)
    assert counts["Lead"] == (53, 1)
    assert counts["Opportunity"] == (40, 0)


def test_interactive_picker_on_a_terminal(sfdc, monkeypatch):
    monkeypatch.setattr("crmlink.cli.wizard.on_terminal", lambda: True)
    result = sfdc("wizard", "sfdc", input="2, Lead\n")
    assert result.exit_code == 0, result.output
    assert "Tables to generate (numbers or API names, comma-separated)" in result.output
    assert "   2  Contact  (Contact)" in result.output
    names = {s["name"] for s in run_json(sfdc, "schema", "list")}
    assert {"sfdc_contact", "sfdc_lead"} <= names and "sfdc_account" not in names


def test_no_tables_and_no_terminal_is_refused(sfdc):
    result = sfdc("wizard", "sfdc")
    assert result.exit_code == 2
    assert "choose tables with --tables Contact,Account or --all" in result.stderr
