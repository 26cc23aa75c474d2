"""Wide objects: a Salesforce object of 800 custom fields with long names, whose query of
every field (about 45,000 characters) is far beyond the REST URI limit (16,384 bytes with
the headers), is read in field chunks re-joined by Id (`connectors/salesforce/chunks.py`):
an import of all fields gives every value, once per row, on SQLite; the plan says so in
the run log; an incremental read keysets on (SystemModstamp, Id) through its ties; reads by
ids are chunked the same way; an order_by that cannot be keyset is refused in one sentence."""

from __future__ import annotations

import copy
import json
import shutil

import httpx
import pytest

from crmlink.connectors.salesforce import chunks
from crmlink.connectors.salesforce import read as sf_read
from crmlink.errors import UsageError
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.sandbox.salesforce.models.describes import METADATA_DIR
from tests.workflow.crm.conftest import Flow
from tests.workflow.crm.conftest import capture_activity as capture_activity  # a fixture

WIDE_FIELDS = 800
RECORDS = 300  # contacts: the generic seed gives a custom object a tenth of that
SYSTEM = {"Id", "IsDeleted", "Name", "OwnerId", "CreatedDate", "CreatedById",
          "LastModifiedDate", "LastModifiedById", "SystemModstamp"}  # fmt: skip


def field_name(number: int) -> str:
    return f"Customer_Engagement_Attribute_{number:04d}_With_A_Long_Name__c"


def wide_describe() -> dict:
    """Subscription__c's describe, its custom fields replaced by WIDE_FIELDS text fields
    (every 40th a number) with long names."""
    base = json.loads((METADATA_DIR / "Subscription__c.json").read_text())
    text = next(f for f in base["fields"] if f["name"] == "Name")
    number = next(f for f in base["fields"] if f["name"] == "Days_Active__c")
    fields = [f for f in base["fields"] if f["name"] in SYSTEM]
    for n in range(1, WIDE_FIELDS + 1):
        field = copy.deepcopy(number if n % 40 == 0 else text)
        field |= {"name": field_name(n), "label": f"Attribute {n}", "custom": True}
        if field["type"] == "string":
            field |= {"nameField": False, "length": 255, "byteLength": 765}
        fields.append(field)
    base |= {"name": "Wide__c", "label": "Wide", "labelPlural": "Wides", "keyPrefix": "a7W"}
    base["fields"], base["childRelationships"] = fields, []
    return base


@pytest.fixture(scope="module")
def wide_sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wide") / "describes"
    shutil.copytree(METADATA_DIR, folder)
    (folder / "Wide__c.json").write_text(json.dumps(wide_describe()))
    state = tmp_path_factory.mktemp("wide-org")
    with SalesforceSandbox(state_dir=state, describe_dir=folder, records=RECORDS, seed=5) as sb:
        yield sb


class MeasuredFlow(Flow):
    """A Flow whose connectors note the size of every request's target and headers."""

    sizes: list[int]

    def connector(self, account: str = "sfdc"):
        opened = super().connector(account)
        send = opened.http.send

        def measured(request: httpx.Request, *args, **kwargs):
            headers = sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
            self.sizes.append(len(request.url.raw_path) + headers)
            return send(request, *args, **kwargs)

        opened.http.send = measured  # type: ignore[method-assign]
        return opened

    def assert_within_the_limit(self) -> None:
        assert self.sizes and max(self.sizes) <= chunks.URI_LIMIT, max(self.sizes)


@pytest.fixture
def wide_flow(database, wide_sandbox, monkeypatch, capture_activity):
    monkeypatch.setattr(chunks, "PAGE", 7)  # 30 rows: five driving pages, keyset between them
    made = MeasuredFlow(database, wide_sandbox)
    made.sizes = []
    yield made
    made.assert_within_the_limit()  # no request of any test beyond URI + headers 16,384 bytes
    for connector in made.connectors:
        connector.close()


def test_a_query_of_every_field_is_beyond_the_limit():
    """The premise: one REST query of every field would be twice the URI limit."""
    names = ", ".join(["Id", *(field_name(n) for n in range(1, WIDE_FIELDS + 1))])
    soql = f"SELECT {names} FROM Wide__c"
    assert len(soql) > 40_000
    assert chunks.uri_length("/services/data/v62.0/query", soql) > chunks.URI_LIMIT * 2


def org_rows(sandbox) -> dict[str, dict]:
    org = sandbox.org
    ids = org.sample_ids("Wide__c", 10_000)
    return {i: org.retrieve("Wide__c", i) for i in ids}


IMPORT = """
    name: wide
    activities:
      read:
        type: crm
        operation: import
        account: sfdc
        object: Wide__c
        %s
        next: [keep]
      keep: {type: capture, key: rows}
"""


def assert_same_values(got: list[dict], expected: dict[str, dict]) -> None:
    """Every row once, every wide field's value as the org holds it."""
    assert sorted(r["Id"] for r in got) == sorted(expected)
    names = [field_name(n) for n in range(1, WIDE_FIELDS + 1)]
    filled = 0
    for row in got:
        record = expected[row["Id"]]
        for name in names:
            want, have = record.get(name), row[name]
            assert (have is None) == (want is None), (row["Id"], name, have, want)
            if want is not None:
                filled += 1
                assert have == want or float(have) == float(want), (row["Id"], name)
    assert filled > len(got) * WIDE_FIELDS // 2  # the seed fills most fields


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_import_of_every_field_gives_every_value_once(wide_flow, wide_sandbox):
    run = wide_flow.run(IMPORT % "incremental: false")
    assert run.succeeded, run.error
    got = wide_flow.rows("rows")
    expected = org_rows(wide_sandbox)
    assert len(got) == len(expected) == RECORDS // 10
    assert_same_values(got, expected)
    plan = next(line for line in wide_flow.log(run) if "read plan:" in line)
    assert "rest-chunks" in plan and "field chunks joined by Id" in plan


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_incremental_read_keysets_through_ties(wide_flow, wide_sandbox):
    """One write call gives every record one SystemModstamp: pages of 7 cut through that
    tie, and the (SystemModstamp, Id) keyset still gives each row once; a second run gives
    the records changed since (with the look-back's repeats), each once, all their values."""
    ids = sorted(org_rows(wide_sandbox))
    tie = [{"Id": i, field_name(2): f"tied {i}"} for i in ids]
    assert all(r.success for r in wide_flow.connector().write("Wide__c", tie, "update"))
    stamps = {r["SystemModstamp"] for r in org_rows(wide_sandbox).values()}
    assert len(stamps) == 1  # the premise: one tie across all five pages
    first = wide_flow.run(IMPORT % "incremental: true")
    assert first.succeeded, first.error
    expected = org_rows(wide_sandbox)
    assert_same_values(wide_flow.rows("rows"), expected)
    changed = sorted(expected)[:3]
    wide_flow.advance(3600)
    for record_id in changed:
        wide_sandbox.org.update("Wide__c", record_id, {field_name(1): f"changed {record_id}"})
    second = wide_flow.run(IMPORT % "incremental: true")
    assert second.succeeded, second.error
    rows = wide_flow.rows("rows")
    got = {r["Id"]: r for r in rows}
    assert len(got) == len(rows)  # each once
    assert set(changed) <= set(got)  # with the look-back's repeats (the tie, here)
    assert all(got[i][field_name(1)] == f"changed {i}" for i in changed)
    now = org_rows(wide_sandbox)
    assert_same_values(rows, {i: now[i] for i in got})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_limited_read_asks_one_driving_page_of_its_limit(wide_flow, wide_sandbox):
    """`limit: 3` reads one joined page of 3 rows (a query per field chunk), not a
    driving page of 7 and its joins."""
    expected = org_rows(wide_sandbox)
    connector = wide_flow.connector()
    fields = ["Id", *(field_name(n) for n in range(1, WIDE_FIELDS + 1))]
    every = [row["Id"] for batch in connector.read("Wide__c", fields) for row in batch]
    read = sf_read.plan(connector.describe("Wide__c"), fields, None, None, None, False)
    groups = chunks.groups(read, connector.http.data(read.endpoint), False)
    calls = connector.api_calls
    batches = connector.read("Wide__c", fields, limit=3)
    first = next(batches)
    batches.close()
    assert [row["Id"] for row in first] == every[:3]
    assert_same_values(first, {row["Id"]: expected[row["Id"]] for row in first})
    assert groups is not None and connector.api_calls - calls == len(groups)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reads_by_ids_are_chunked_too(wide_flow, wide_sandbox):
    expected = org_rows(wide_sandbox)
    wanted = sorted(expected)[::2]
    connector = wide_flow.connector()
    fields = ["Id", *(field_name(n) for n in range(1, WIDE_FIELDS + 1))]
    got = [row for batch in connector.read("Wide__c", fields, ids=wanted) for row in batch]
    assert connector.last_read_plan is not None
    assert connector.last_read_plan.api == "rest-chunks"
    assert_same_values(got, {i: expected[i] for i in wanted})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_order_that_cannot_be_keyset_is_refused(wide_flow):
    from crmlink.model import OrderBy

    connector = wide_flow.connector()
    with pytest.raises(UsageError, match="cannot be split into field chunks"):
        list(connector.read("Wide__c", [], order=[OrderBy(field_name(3), False)]))
