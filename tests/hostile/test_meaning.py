"""Hostile input that would change what a workflow means: a variable that tries to become
filter syntax, an object name that tries to become a URL path, a catalog table as a target.
Each is refused (or matches only its literal text) and the database is left as it was."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import sf_client
from tests.dynamics.conftest import api_client
from tests.hostile.harness import Hostile

HOSTILE_VALUE = "x' or Email != null or Email = 'y"

OBJECT_NAMES = {
    "dotdot": "Contact/../Lead",
    "slash": "Contact/Lead",
    "encoded-slash": "Contact%2F..%2FLead",
    "query": "Contact?fields=Id",
    "fragment": "Contact#Lead",
    "space": "Con tact",
    "unicode": "Cöntact",
    "dot": ".",
    "crlf": "Contact\r\nX-Evil: 1",
    "semicolon": "Contact;Lead",
}

SF_IMPORT = """
name: meaning
activities:
  read:
    type: crm
    operation: import
    account: crm
    object: "{object}"
    fields: [{field}]
"""


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")


@pytest.fixture
def sf(hostile: Hostile, sf_sandbox) -> Hostile:
    hostile.add_account("crm", sf_sandbox)
    return hostile


@pytest.fixture
def dv(hostile: Hostile, dv_box) -> Hostile:
    hostile.add_account("crm", dv_box)
    return hostile


@pytest.mark.parametrize("name", list(OBJECT_NAMES.values()), ids=list(OBJECT_NAMES))
def test_a_salesforce_object_name_that_is_not_in_the_metadata_is_refused(sf, name):
    path = sf.write("w.yaml", SF_IMPORT.format(object=_quoted(name), field="Email"))
    sentence = sf.refuses("workflow", "run", str(path))
    assert "activities.read.object" in sentence


@pytest.mark.parametrize("name", list(OBJECT_NAMES.values()), ids=list(OBJECT_NAMES))
def test_a_dynamics_object_name_that_is_not_in_the_metadata_is_refused(dv, name):
    path = dv.write("w.yaml", SF_IMPORT.format(object=_quoted(name), field="emailaddress1"))
    sentence = dv.refuses("workflow", "run", str(path))
    assert "activities.read.object" in sentence


# -- crmlink's own catalog is no workflow's target ---------------------------------------------
CATALOG_TABLES = [
    "alembic_version",
    "ALEMBIC_VERSION",
    "accounts",
    "Accounts",
    "main.accounts",
    '"accounts"',
    "catalog_info",
    "schemas",
    "schema_fields",
    "enumerations",
    "enum_values",
    "workflows",
    "workflow_runs",
    "run_log",
    "run_rejects",
    "cursors",
    "export_journal",
    "workflow_locks",
    "wk_1_a_ok",
]
DELETE_ALL = """
name: catalog
activities:
  make: {{type: query, table: recipient, next: drop}}
  drop:
    type: update
    table: '{table}'
    operation: delete
    keys: [email]
"""
QUERY_TABLE = "name: catalog\nactivities:\n  q: {{type: query, table: '{table}'}}\n"


@pytest.mark.parametrize("table", CATALOG_TABLES)
def test_an_update_of_a_catalog_table_is_refused(hostile, table):
    path = hostile.write("w.yaml", DELETE_ALL.format(table=table))
    sentence = hostile.refuses("workflow", "run", str(path), says="crmlink's own tables")
    assert "activities.drop.table" in sentence
    hostile.accepts("schema", "list")  # every command still works


@pytest.mark.parametrize("table", ["alembic_version", "Accounts", "main.catalog_info"])
def test_a_query_of_a_catalog_table_is_refused(hostile, table):
    path = hostile.write("w.yaml", QUERY_TABLE.format(table=table))
    hostile.refuses("workflow", "run", str(path), says="crmlink's own tables")


# -- a variable is a value, never filter syntax -------------------------------------------------
IMPORT_TO_RECIPIENTS = """
name: inject
activities:
  read:
    type: crm
    operation: import
    account: crm
    object: {object}
    fields: [{email}]
    filter: "{email} = '{{{{email}}}}'"
    next: save
  save:
    type: update
    table: recipient
    operation: upsert
    keys: [email]
    mapping: {{email: {email}}}
"""
HOSTILE_VALUES = {
    "or-widening": HOSTILE_VALUE,
    "comment": "x' --",
    "paren": "x') or (Email != null",
    "backslash": "x\\' or Email != null or Email = \\'y",
    "odata-or": "x' or emailaddress1 ne null or emailaddress1 eq 'y",
    "newline": "x'\nor Email != null",
    "percent": "%",
    "unicode-quote": "x\u2019 or Email != null",
}


def _recipients(hostile: Hostile) -> list:
    return hostile.dump()["recipient"]


def _import(hostile: Hostile, obj: str, email: str, value: str) -> None:
    path = hostile.write("w.yaml", IMPORT_TO_RECIPIENTS.format(object=obj, email=email))
    hostile.accepts("workflow", "run", str(path), "--var", f"email={value}")


@pytest.mark.parametrize("value", list(HOSTILE_VALUES.values()), ids=list(HOSTILE_VALUES))
def test_a_hostile_variable_imports_no_salesforce_contact(sf, value):
    _import(sf, "Contact", "Email", value)
    assert _recipients(sf) == []


@pytest.mark.parametrize("value", list(HOSTILE_VALUES.values()), ids=list(HOSTILE_VALUES))
def test_a_hostile_variable_imports_no_dynamics_contact(dv, value):
    _import(dv, "contact", "emailaddress1", value.replace("Email", "emailaddress1"))
    assert _recipients(dv) == []


def test_a_plain_variable_imports_its_one_salesforce_contact(sf, sf_sandbox):
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    sf_client(sf_sandbox).Contact.create({"LastName": "plain", "Email": email})
    _import(sf, "Contact", "Email", email)
    assert [row[1] for row in _recipients(sf)] == [email]


def test_a_plain_variable_imports_its_one_dynamics_contact(dv, dv_box):
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    with api_client(dv_box) as client:
        client.post(
            "contacts", json={"lastname": "plain", "emailaddress1": email}
        ).raise_for_status()
    _import(dv, "contact", "emailaddress1", email)
    assert [row[1] for row in _recipients(dv)] == [email]


QUERY_TO_RECIPIENTS = """
name: inject-sql
activities:
  q: {type: query, table: recipient, filter: "email = '{{email}}'", next: drop}
  drop: {type: update, table: recipient, operation: delete, keys: [email]}
"""


@pytest.mark.parametrize("value", list(HOSTILE_VALUES.values()), ids=list(HOSTILE_VALUES))
def test_a_hostile_variable_deletes_no_recipient_in_a_query(hostile, value):
    hostile.insert("recipient", [{"email": "a@x.com"}, {"email": "b@y.com"}])
    before = _recipients(hostile)
    path = hostile.write("w.yaml", QUERY_TO_RECIPIENTS)
    hostile.accepts("workflow", "run", str(path), "--var", f"email={value}")
    assert _recipients(hostile) == before and len(before) == 2
