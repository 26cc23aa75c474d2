"""CRM metadata is untrusted: hostile object and field names still give safe, distinct,
working local tables, and nothing else in the database is touched."""

from __future__ import annotations

import json
import shutil

from sqlalchemy import inspect

from crmlink.db import open_database
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.sandbox.salesforce.models.describes import METADATA_DIR
from tests.catalog.test_account_test_sandbox import add_sandbox_account
from tests.wizard.conftest import run_json

HOSTILE_FIELDS = [
    'Na"me__c',
    "Robert'); DROP TABLE recipient;--__c",
    "Ünïcödé_Fïeld__c",
    "Foo_Bar__c",
    "foo bar__c",  # collides with Foo_Bar__c once made safe
    "X" * 200 + "__c",
]


def _hostile_describes(tmp_path):
    folder = tmp_path / "hostile"
    shutil.copytree(METADATA_DIR, folder)
    (folder / "_global.json").unlink()  # the sandbox lists what it loaded
    describe = json.loads((folder / "Subscription__c.json").read_text())
    template = next(f for f in describe["fields"] if f["name"] == "Status__c")
    describe["name"] = "Evil__c; DROP TABLE schemas"
    describe["label"] = "Robert'); DROP TABLE recipient;--"
    describe["keyPrefix"] = "a09"
    for name in HOSTILE_FIELDS:
        describe["fields"].append(dict(template, name=name, label=name, restrictedPicklist=False))
    (folder / "Evil.json").write_text(json.dumps(describe))
    return folder


def test_hostile_names_give_safe_distinct_tables(crmlink, tmp_path, database_url):
    with SalesforceSandbox(
        state_dir=tmp_path / "s", describe_dir=_hostile_describes(tmp_path), records=5
    ) as sandbox:
        add_sandbox_account(crmlink, sandbox.info(), "password", name="evil")
        outcome = run_json(crmlink, "wizard", "evil", "--tables", "Evil__c; DROP TABLE schemas")[0]
    assert outcome["status"] == "created", outcome
    assert outcome["schema"] == "evil_evil__c_drop_table_schemas"
    detail = run_json(crmlink, "schema", "show", outcome["schema"])
    columns = {f["remote_name"]: f["column"] for f in detail["fields"]}
    hostile = [columns[name] for name in HOSTILE_FIELDS]
    assert len(set(hostile)) == len(hostile)  # distinct, even for colliding names
    assert all(c.replace("_", "").isalnum() and c.isascii() and len(c) <= 63 for c in hostile)
    with open_database(database_url) as database:
        inspector = inspect(database.engine)
        tables = set(inspector.get_table_names())
        stored = {c["name"] for c in inspector.get_columns(outcome["local_table"])}
    assert {"recipient", "schemas"} <= tables  # nothing dropped
    assert set(hostile) <= stored
