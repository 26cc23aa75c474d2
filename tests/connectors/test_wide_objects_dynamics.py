"""Wide Dataverse tables: a table of 800 text columns with long logical names, whose
`$select` of every column makes a URL of about 44,000 characters (the Web API takes
32,768), is read in column chunks re-joined by the primary id
(`connectors/dynamics/chunks.py`): an import of every column gives every value, once per
row, on SQLite, with no request URL beyond the limit, and the plan is in the run log."""

from __future__ import annotations

import json

import httpx
import pytest

from crmlink.connectors.dynamics import chunks
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.connectors.test_dynamics_support import dv_connector
from tests.dynamics.conftest import api_client
from tests.workflow.crm.conftest import Flow
from tests.workflow.crm.conftest import capture_activity as capture_activity  # a fixture

COLUMNS = 800
RECORDS = 23  # rows of the only table; driving pages of 5 below


def column(number: int) -> str:
    return f"new_customerengagementattribute{number:04d}withalongname"


def _attribute(name: str, kind: str, **extra: object) -> dict:
    label = {"UserLocalizedLabel": {"Label": name}, "LocalizedLabels": [{"Label": name}]}
    return {
        "@odata.type": f"#Microsoft.Dynamics.CRM.{kind}AttributeMetadata",
        "LogicalName": name,
        "SchemaName": name,
        "AttributeType": kind,
        "DisplayName": label,
        "IsCustomAttribute": name.startswith("new_"),
        **extra,
    }


def wide_entity() -> dict:
    attributes = [
        _attribute("new_wideid", "Uniqueidentifier"),
        _attribute("new_name", "String", MaxLength=100),
        _attribute("createdon", "DateTime"),
        _attribute("modifiedon", "DateTime"),
        *(_attribute(column(n), "String", MaxLength=100) for n in range(1, COLUMNS + 1)),
    ]
    return {
        "LogicalName": "new_wide",
        "EntitySetName": "new_wides",
        "PrimaryIdAttribute": "new_wideid",
        "PrimaryNameAttribute": "new_name",
        "SchemaName": "new_Wide",
        "IsCustomEntity": True,
        "ObjectTypeCode": 10500,
        "Attributes": attributes,
    }


@pytest.fixture(scope="module")
def wide_dv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wide-meta")
    (folder / "new_wide.json").write_text(json.dumps(wide_entity()))
    state = tmp_path_factory.mktemp("wide-dv")
    with DynamicsSandbox(state_dir=state, records=RECORDS, seed=4, metadata_dir=folder) as sb:
        yield sb


class DataverseFlow(Flow):
    """A Flow whose connector is the Dataverse sandbox's, noting every request URL."""

    urls: list[int]

    def connector(self, account: str = "sfdc"):
        opened = dv_connector(self.sandbox)
        self.connectors.append(opened)
        send = opened.http.send

        def measured(request: httpx.Request, *args, **kwargs):
            self.urls.append(len(str(request.url)))
            return send(request, *args, **kwargs)

        opened.http.send = measured  # type: ignore[method-assign]
        return opened


@pytest.fixture
def dv_flow(database, wide_dv, monkeypatch, capture_activity):
    monkeypatch.setattr(chunks, "PAGE", 5)  # 23 rows: five driving pages
    made = DataverseFlow(database, wide_dv)
    made.urls = []
    yield made
    assert made.urls and max(made.urls) <= chunks.URL_LIMIT, max(made.urls)
    for connector in made.connectors:
        connector.close()


def org_rows(sandbox) -> dict[str, dict]:
    """The table as the sandbox serves it, 50 columns a request (the oracle)."""
    names = [column(n) for n in range(1, COLUMNS + 1)]
    found: dict[str, dict] = {}
    with api_client(sandbox) as http:
        for start in range(0, len(names), 50):
            select = ",".join(["new_wideid", *names[start : start + 50]])
            for record in http.get("new_wides", params={"$select": select}).json()["value"]:
                found.setdefault(record["new_wideid"], {}).update(record)
    return found


IMPORT = """
    name: wide-dv
    activities:
      read:
        type: crm
        operation: import
        account: sfdc
        object: new_wide
        %s
        next: [keep]
      keep: {type: capture, key: rows}
"""


def test_a_select_of_every_column_is_beyond_the_url_limit():
    select = ",".join(["new_wideid", *(column(n) for n in range(1, COLUMNS + 1))])
    prefix = "https://org.crm.dynamics.com/api/data/v9.2/new_wides"
    assert chunks.url_length(prefix, {"$select": select}) > chunks.URL_LIMIT


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("incremental", [False, True])
def test_an_import_of_every_column_gives_every_value_once(dv_flow, wide_dv, incremental):
    run = dv_flow.run(IMPORT % f"incremental: {str(incremental).lower()}")
    assert run.succeeded, run.error
    got = dv_flow.rows("rows")
    expected = org_rows(wide_dv)
    assert len(expected) == RECORDS
    assert sorted(r["new_wideid"] for r in got) == sorted(expected)
    filled = 0
    for row in got:
        record = expected[row["new_wideid"]]
        for n in range(1, COLUMNS + 1):
            assert row[column(n)] == record.get(column(n)), (row["new_wideid"], n)
            filled += row[column(n)] is not None
    assert filled > RECORDS * COLUMNS // 3  # the seed fills about half of the cells
    plan = next(line for line in dv_flow.log(run) if "read plan:" in line)
    assert "odata-chunks" in plan and "column chunks joined by id" in plan
