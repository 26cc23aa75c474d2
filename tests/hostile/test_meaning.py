"""Hostile input that would change what a workflow means: a variable that tries to become
filter syntax, an object name that tries to become a URL path, a catalog table as a target.
Each is refused (or matches only its literal text) and the database is left as it was."""

from __future__ import annotations

import json
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


FIELD_NAMES = {
    "dotdot": "Email/../Id",
    "encoded-slash": "Email%2FId",
    "query": "Email?x=1",
    "fragment": "Email#x",
    "space": "Em ail",
    "comma-injects-a-field": "Email,Id",
    "unicode": "Émail",
}


@pytest.mark.parametrize("name", list(FIELD_NAMES.values()), ids=list(FIELD_NAMES))
def test_a_salesforce_field_name_not_in_the_describe_is_refused(sf, name):
    path = sf.write("w.yaml", SF_IMPORT.format(object="Contact", field=json.dumps(name)))
    sf.refuses("workflow", "run", str(path), says=("activities.read.fields", "unknown field"))


@pytest.mark.parametrize("name", list(FIELD_NAMES.values()), ids=list(FIELD_NAMES))
def test_a_dynamics_field_name_not_in_the_describe_is_refused(dv, name):
    name = name.replace("Email", "emailaddress1").replace("Id", "contactid")
    path = dv.write("w.yaml", SF_IMPORT.format(object="contact", field=json.dumps(name)))
    dv.refuses("workflow", "run", str(path), says=("activities.read.fields", "unknown field"))


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


# -- CRM names that would reach crmlink's own columns, or each other's ----------------------------
COLLIDING = ["error_code", "error_message", "remote_id", "created", "operation", "Name__C"]
COLLIDING_IMPORT = """
name: collide
activities:
  read:
    type: crm
    operation: import
    account: crm
    object: Subscription__c
    fields: [Name, error_code, error_message, remote_id, created, operation]
    next: save
  save:
    type: update
    table: recipient
    operation: insert
    mapping:
      email: crm_error_code
      first_name: crm_error_message
      last_name: crm_remote_id
      city: crm_operation
"""


def _colliding_describes(tmp_path):
    import json
    import shutil

    from crmlink.sandbox.salesforce.models.describes import METADATA_DIR

    folder = tmp_path / "describes"
    shutil.copytree(METADATA_DIR, folder)
    (folder / "_global.json").unlink()
    path = folder / "Subscription__c.json"
    describe = json.loads(path.read_text())
    template = {"type": "string", "length": 80, "nillable": True, "createable": True,
                "updateable": True, "filterable": True}  # fmt: skip
    describe["fields"] += [dict(template, name=n, label=n) for n in COLLIDING + ["Name__c"]]
    path.write_text(json.dumps(describe))
    return folder


def test_crm_fields_named_like_crmlink_s_columns_keep_their_values(hostile, tmp_path):
    from crmlink.sandbox.salesforce.app import SalesforceSandbox

    values = {"Name": "n", "error_code": "e@x.com"}
    values |= {"error_message": "first", "remote_id": "last", "created": "c", "operation": "op"}
    folder = _colliding_describes(tmp_path)
    with SalesforceSandbox(state_dir=tmp_path / "sf", describe_dir=folder, records=0) as box:
        box.org.bulk_load("Subscription__c", [values])
        hostile.add_account("crm", box)
        path = hostile.write("w.yaml", COLLIDING_IMPORT)
        hostile.accepts("workflow", "run", str(path))
        log = hostile.accepts("workflow", "run-show", "1").stdout
    (row,) = hostile.dump()["recipient"]
    assert {"e@x.com", "first", "last", "op"} <= set(row)
    assert "field 'error_code' is imported as column 'crm_error_code'" in log


@pytest.mark.parametrize(
    ("names", "columns"),
    [
        (["Id", "_wk_row", "_WK_op"], ["Id", "crm__wk_row", "crm__WK_op"]),
        (["Id", "Email", "EMAIL", "email"], ["Id", "Email", "EMAIL_2", "email_3"]),
        (["Id", "error_code", "crm_error_code"], ["Id", "crm_error_code", "crm_error_code_2"]),
        (["Id", "ERROR_SYMBOL", "Remote_Id"], ["Id", "crm_ERROR_SYMBOL", "crm_Remote_Id"]),
    ],
    ids=["internal-prefix", "case-variants", "prefixed-twin", "reserved-any-case"],
)
def test_population_columns_never_meet_crmlink_s_or_each_other(names, columns):
    from crmlink.workflow.activities.crm.columns import population_columns

    assert list(population_columns(names).values()) == columns
    assert population_columns(names) == population_columns(list(names))  # deterministic


def test_two_long_names_sharing_63_characters_get_distinct_columns():
    from crmlink.workflow.activities.crm.columns import population_columns

    first, second = "X" * 70 + "_a__c", "X" * 70 + "_b__c"
    made = population_columns([first, second])
    assert len({c.lower() for c in made.values()}) == 2 and all(len(c) <= 63 for c in made.values())


def test_the_wizard_says_which_column_each_case_variant_got(hostile, tmp_path):
    import json

    from crmlink.sandbox.salesforce.app import SalesforceSandbox

    folder = _colliding_describes(tmp_path)
    with SalesforceSandbox(state_dir=tmp_path / "sf", describe_dir=folder, records=0) as box:
        hostile.add_account("crm", box)
        text = hostile.accepts("wizard", "crm", "--tables", "Subscription__c").stdout
        (outcome,) = json.loads(hostile.accepts("wizard", "crm", "--tables", "Subscription__c",
                                                "--json").stdout)  # fmt: skip
    assert "Name__C and Name__c differ only by case: stored as Name__C -> " in text
    detail = json.loads(hostile.accepts("schema", "show", outcome["schema"], "--json").stdout)
    columns = {f["remote_name"]: f["column"] for f in detail["fields"]}
    assert columns["Name__C"] != columns["Name__c"]


# -- a key value cannot add a request or a header to a Dynamics $batch ---------------------------
BATCH_EXPORT = """
name: batch
activities:
  q: {type: query, table: recipient, next: send}
  send:
    type: crm
    operation: export
    account: crm
    object: contact
    key: emailaddress1
    mapping: {emailaddress1: email, lastname: last_name}
"""
SMUGGLED = {
    "crlf-header": "k1@example.com\r\nX-Evil: 1",
    "crlf-request": "k2@example.com\r\n\r\nDELETE contacts(00000000-0000-0000-0000-0000000000a1)",
    "lf-only": "k3@example.com\nIf-Match: *",
    "boundary": "k4@example.com\r\n--batch_x\r\nContent-Type: application/http",
    "quote-paren": "k5'@example.com)/$ref?x=1#",
}


def _contacts(box) -> list[dict]:
    with api_client(box) as client:
        return client.get("contacts", params={"$select": "emailaddress1,lastname"}).json()["value"]


@pytest.mark.parametrize("key", list(SMUGGLED.values()), ids=list(SMUGGLED))
def test_a_key_value_is_one_request_with_its_literal_key(dv, dv_box, key):
    dv.insert("recipient", [{"email": key, "last_name": "smuggler"}])
    before = _contacts(dv_box)
    path = dv.write("w.yaml", BATCH_EXPORT)
    run = json.loads(dv.cli("workflow", "run", str(path), "--json").stdout)
    after = _contacts(dv_box)
    assert run["status"] == "succeeded", run
    assert all(c in after for c in before)  # nothing deleted, nothing changed
    added = [(c["emailaddress1"], c["lastname"]) for c in after if c not in before]
    rejects = json.loads(dv.cli("workflow", "rejects", "1", "--json").stdout)
    if added:  # the sandbox took the key as it is: one record, holding it literally
        assert (added, rejects) == ([(key, "smuggler")], [])
    else:  # the sandbox refused it: one answer, to one request that carried it literally
        (reject,) = rejects
        assert f"contacts(emailaddress1='{key}')" in reject["error_message"]


# -- values from a server or a setting go into URL paths as one encoded segment ------------------
PATH_VALUES = ["../../sobjects/Account", "a/b", "x?q=1", "y#frag", "%2F..%2F", "sp ace", "ü"]


@pytest.mark.parametrize("value", PATH_VALUES)
def test_a_bulk_job_id_from_the_server_is_one_segment_of_its_poll_url(value):
    from urllib.parse import unquote

    from crmlink.connectors._http import url

    made = url("/services/data/v59.0/jobs/query", value)
    head, _, last = made.rpartition("/")
    assert head == "/services/data/v59.0/jobs/query" and unquote(last) == value
    assert not set("?#/ ") & set(last)


@pytest.mark.parametrize("tenant", ["../common", "evil.example/x?y#z", "t e n"])
def test_a_tenant_is_one_segment_of_the_authority(tenant):
    from urllib.parse import unquote

    from crmlink.connectors.dynamics.auth import authority_for
    from crmlink.model import AccountSettings

    account = AccountSettings(name="d", type="dynamics", url="https://127.0.0.1:8443",
                              auth="client-secret", tenant_id=tenant)  # fmt: skip
    head, _, last = authority_for(account).rpartition("/")
    assert head == "https://127.0.0.1:8443" and unquote(last) == tenant and "?" not in last
