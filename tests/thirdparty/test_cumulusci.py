"""CumulusCI, unpatched, against the Salesforce sandbox: an org connected with a connected
app and a refresh token (what `cci org connect` stores), its REST client, the `query` task
(Bulk 1.0) and the `extract_dataset` / `load_dataset` tasks with a mapping file."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from tests.conftest import sf_client
from tests.thirdparty.conftest import run_driver, tool_env, venv_of

pytestmark = pytest.mark.slow

MAPPING = """\
Insert Accounts:
  sf_object: Account
  table: Account
  fields: [Name, Industry]
Insert Contacts:
  sf_object: Contact
  table: Contact
  fields: [FirstName, LastName, Email]
  lookups:
    AccountId:
      table: Account
"""


@pytest.fixture
def cci(tool_venvs, sf_sandbox, tmp_path):
    venv = venv_of(tool_venvs, "cumulusci")
    info = sf_sandbox.info()
    env = tool_env(venv, tmp_path / "home", info["ca_bundle"])
    app = {k: info[k] for k in ("client_id", "client_secret")}
    org = {"instance_url": info["url"], "refresh_token": info["refresh_token"], **app}
    connected_app = app | {
        "callback_url": "http://localhost:8080/callback",
        "login_url": info["url"],
    }

    def call(operation: str, **args):
        payload = {"org": org, "connected_app": connected_app, "operation": operation, **args}
        return run_driver(venv, "cumulusci_driver.py", payload, env, tmp_path)

    call.folder = tmp_path  # type: ignore[attr-defined]
    return call


@pytest.fixture
def sf(sf_sandbox):
    client = sf_client(sf_sandbox)
    yield client
    client.session.close()


def test_connected_org_knows_its_user_and_org(cci, sf_sandbox):
    out = cci("info")
    assert out["username"] == sf_sandbox.info()["username"]
    assert (out["org_id"], out["user_id"]) == (sf_sandbox.org.org_id, sf_sandbox.org.user_id)
    assert float(out["api_version"]) >= 59.0


def test_rest_query_through_the_org_client(cci, sf_sandbox):
    out = cci("query", soql="SELECT Id, Name FROM Account")
    assert len(out["records"]) == sf_sandbox.org.count("Account")


def test_query_task_writes_the_bulk_results(cci, sf):
    soql = "SELECT Id, LastName FROM Contact WHERE LastName LIKE 'B%'"
    out = cci("soql_task", object="Contact", soql=soql)
    expected = {r["Id"] for r in sf.query_all(soql)["records"]}
    assert {r["Id"] for r in out["rows"]} == expected
    assert expected


def mapping_file(cci) -> str:
    path = cci.folder / "mapping.yml"
    path.write_text(MAPPING)
    return str(path)


def test_extract_dataset(cci, sf_sandbox):
    database = cci.folder / "extracted.db"
    cci("extract", mapping=mapping_file(cci), database_url=f"sqlite:///{database}")
    with closing(sqlite3.connect(database)) as db:
        contacts = db.execute("SELECT COUNT(*) FROM Contact").fetchone()[0]
        accounts = db.execute("SELECT COUNT(*) FROM Account").fetchone()[0]
        linked = db.execute("SELECT COUNT(*) FROM Contact WHERE AccountId IS NOT NULL")
        linked_count = linked.fetchone()[0]
    assert (contacts, accounts) == (
        sf_sandbox.org.count("Contact"),
        sf_sandbox.org.count("Account"),
    )
    assert linked_count > 0


def test_load_dataset(cci, sf):
    """A dataset in CumulusCI's own SQLite layout (local ids, lookups by local id)."""
    database = cci.folder / "dataset.db"
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("CREATE TABLE Account (id VARCHAR PRIMARY KEY, Name VARCHAR, Industry VARCHAR)")
        db.execute(
            "CREATE TABLE Contact (id VARCHAR PRIMARY KEY, FirstName VARCHAR, LastName VARCHAR,"
            " Email VARCHAR, AccountId VARCHAR)"
        )
        db.execute("INSERT INTO Account VALUES ('1', 'CCI-Load Inc', 'Energy')")
        rows = [(str(n), "Ada", f"CCI-Load-{n}", f"cci-{n}@example.com", "1") for n in range(3)]
        db.executemany("INSERT INTO Contact VALUES (?, ?, ?, ?, ?)", rows)
    cci("load", mapping=mapping_file(cci), database_url=f"sqlite:///{database}")
    loaded = sf.query_all(
        "SELECT LastName, Email, Account.Name FROM Contact WHERE LastName LIKE 'CCI-Load-%'"
    )["records"]
    assert sorted(r["Email"] for r in loaded) == [f"cci-{n}@example.com" for n in range(3)]
    assert {r["Account"]["Name"] for r in loaded} == {"CCI-Load Inc"}
