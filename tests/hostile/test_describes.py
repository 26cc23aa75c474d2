"""Hostile CRM metadata: a describe whose fields have the wrong shape. `wizard --all` and
`enum sync --all` finish (exit 0, no traceback); the bad field is named in the wizard's
report as not stored; every other field and table is generated and synced."""

from __future__ import annotations

import json
import shutil

import pytest

from crmlink.connectors.describe_guard import INVALID, is_invalid
from crmlink.connectors.dynamics import describe as dv_describe
from crmlink.connectors.salesforce import describe as sf_describe
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.sandbox.salesforce.models.describes import METADATA_DIR
from tests.hostile.harness import Hostile, raw_exception

FIELD = "Status__c"  # a picklist of Subscription__c in the sandbox's metadata

# what is done to Subscription__c.Status__c -> the reason the wizard gives
BROKEN_FIELDS = {
    "picklist-value-null": ({"picklistValues": [{"value": None, "label": None}]}, "not text"),
    "picklist-value-list": ({"picklistValues": [{"value": ["A"], "label": "A"}]}, "not text"),
    "picklist-value-object": ({"picklistValues": [{"value": {"a": 1}}]}, "not text"),
    "picklist-value-empty": ({"picklistValues": [{"value": "", "label": "x"}]}, "not text"),
    "picklist-value-long": ({"picklistValues": [{"value": "v" * 300}]}, "300 characters"),
    "picklist-not-a-list": ({"picklistValues": "Active,Lapsed"}, INVALID),
    "picklist-entries-text": ({"picklistValues": ["Active", "Lapsed"]}, INVALID),
    "picklist-entry-no-value": ({"picklistValues": [{"label": "x"}]}, "'value' is missing"),
    "length-as-text": ({"length": "255"}, "length '255'"),
    "length-negative": ({"length": -5}, "length -5"),
    "length-huge": ({"length": 10**12}, "length 1000000000000"),
    "length-float": ({"length": 25.5}, "length 25.5"),
    "length-bool": ({"length": True}, "length True"),
    "precision-as-text": ({"type": "double", "precision": "18", "scale": 2}, "precision '18'"),
    "scale-as-text": ({"type": "double", "precision": 18, "scale": "x"}, "scale 'x'"),
    "reference-to-numbers": ({"type": "reference", "referenceTo": [1, 2]}, "referenceTo"),
}
# accepted as they are (or cleaned): the field is still stored
TOLERATED = {
    "picklist-value-number": {"picklistValues": [{"value": 5, "label": 5}, {"value": 2.5}]},
    "picklist-duplicates": {"picklistValues": [{"value": "A", "label": "A"}, {"value": "A"}]},
    "label-null": {"label": None},
    "label-markup": {"label": "<script>alert(1)</script>"},
    "label-long": {"label": "L" * 2000},
    "type-unknown": {"type": "hologram"},
}
ODD_NAMES = ["A/B__c", "<b>x</b>__c", "x?y#z__c", "..__c", "Ünï cödé__c", "a\u202eb__c"]


def _describes(tmp_path, fields: dict | None = None):
    folder = tmp_path / "describes"
    shutil.copytree(METADATA_DIR, folder)
    (folder / "_global.json").unlink()  # the sandbox lists what it loaded
    path = folder / "Subscription__c.json"
    describe = json.loads(path.read_text())
    target = next(f for f in describe["fields"] if f["name"] == FIELD)
    target.update(fields or {})
    path.write_text(json.dumps(describe))
    return folder


def _wizard_and_sync(hostile: Hostile, tmp_path, folder) -> tuple[dict, list]:
    with SalesforceSandbox(state_dir=tmp_path / "sf", describe_dir=folder, records=2) as box:
        hostile.add_account("sfdc", box)
        wizard = hostile.accepts("wizard", "sfdc", "--all", "--json")
        synced = hostile.accepts("enum", "sync", "sfdc", "--all", "--json")
    outcomes = {o["table"]: o for o in json.loads(wizard.stdout)}
    assert all(o["status"] == "created" for o in outcomes.values()), outcomes
    return outcomes, json.loads(synced.stdout)


def _copy_name(case: str) -> str:
    return "B_" + case.replace("-", "_") + "__c"


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> tuple[dict, list, Hostile]:
    """One sandbox whose Subscription__c holds a copy of Status__c broken in each way of
    BROKEN_FIELDS (and one tolerable oddity of TOLERATED each): wizard --all, enum sync."""
    root = tmp_path_factory.mktemp("broken")
    folder = _describes(root)
    path = folder / "Subscription__c.json"
    describe = json.loads(path.read_text())
    status = next(f for f in describe["fields"] if f["name"] == FIELD)
    cases = {**{k: v for k, (v, _) in BROKEN_FIELDS.items()}, **TOLERATED}
    for case, change in cases.items():
        describe["fields"].append({**status, "name": _copy_name(case), **change})
    describe["fields"] += [
        {"name": n, "label": n, "type": "string", "length": 80} for n in ODD_NAMES
    ]
    path.write_text(json.dumps(describe))
    hostile = Hostile(root / "home", f"sqlite:///{root / 'campaign.db'}")
    outcomes, synced = _wizard_and_sync(hostile, root, folder)
    return outcomes, synced, hostile


@pytest.mark.parametrize(
    ("change", "reason"), list(BROKEN_FIELDS.values()), ids=list(BROKEN_FIELDS)
)
def test_a_broken_field_is_named_not_stored_and_the_rest_goes_on(broken, request, change, reason):
    outcomes, synced, _ = broken
    name = _copy_name(request.node.callspec.id)
    subscription = outcomes["Subscription__c"]
    (named,) = [n for n in subscription["not_stored"] if n["field"] == name]
    assert named["reason"].startswith(INVALID) and reason in named["reason"]
    assert {"Contact", "Account", "Lead"} <= set(outcomes)
    enums = {r["enumeration"] for r in synced}
    assert {"Contact_LeadSource", f"Subscription__c_{FIELD}"} <= enums
    assert f"Subscription__c_{name}" not in enums


@pytest.mark.parametrize("case", list(TOLERATED))
def test_a_tolerable_oddity_keeps_the_field(broken, case):
    outcomes, synced, _ = broken
    name = _copy_name(case)
    assert name not in [n["field"] for n in outcomes["Subscription__c"]["not_stored"]]
    if "type" not in TOLERATED[case]:  # still a picklist: synced as one
        assert f"Subscription__c_{name}" in {r["enumeration"] for r in synced}


def test_duplicate_picklist_values_are_synced_once(broken):
    _, synced, hostile = broken
    enum = f"Subscription__c_{_copy_name('picklist-duplicates')}"
    (result,) = [r for r in synced if r["enumeration"] == enum]
    assert result["added"] == 1
    shown = json.loads(hostile.accepts("enum", "show", enum, "--json").stdout)
    assert [v["value"] for v in shown["values"]] == ["A"]


def test_a_number_as_picklist_value_becomes_its_text(broken):
    _, _, hostile = broken
    enum = f"Subscription__c_{_copy_name('picklist-value-number')}"
    shown = json.loads(hostile.accepts("enum", "show", enum, "--json").stdout)
    assert [(v["value"], v["label"]) for v in shown["values"]] == [("5", "5"), ("2.5", "2.5")]


def test_the_wizard_s_text_report_names_the_broken_field(hostile, tmp_path):
    folder = _describes(tmp_path, {"length": "255"})
    with SalesforceSandbox(state_dir=tmp_path / "sf", describe_dir=folder, records=2) as box:
        hostile.add_account("sfdc", box)
        report = hostile.accepts("wizard", "sfdc", "--tables", "Subscription__c").stdout
    assert f"Subscription__c.{FIELD} not stored: {INVALID}: length '255'" in report


@pytest.mark.parametrize("name", ODD_NAMES)
def test_slashes_markup_and_unicode_in_names_give_safe_columns(broken, name):
    outcomes, _, hostile = broken
    detail = json.loads(hostile.accepts("schema", "show", outcomes["Subscription__c"]["schema"],
                                        "--json").stdout)  # fmt: skip
    (column,) = [f["column"] for f in detail["fields"] if f["remote_name"] == name]
    assert column.replace("_", "").isalnum() and column.isascii()


@pytest.mark.parametrize(
    "extra",
    [
        [{"name": None, "type": "string"}],
        [{"name": 12, "type": "string"}],
        [{"label": "no name"}],
        ["not an object"],
        [{"name": FIELD, "type": "string", "length": 10}],  # a second field of the same name
    ],
    ids=["name-null", "name-number", "name-missing", "field-not-object", "name-twice"],
)
def test_nameless_or_repeated_fields_are_left_out_of_the_salesforce_describe(extra):
    raw = json.loads((METADATA_DIR / "Subscription__c.json").read_text())
    raw["fields"] += extra
    table = sf_describe.remote_table(raw)
    names = [f.name for f in table.fields]
    assert (
        len(names)
        == len(set(names))
        == len(
            [f for f in json.loads((METADATA_DIR / "Subscription__c.json").read_text())["fields"]]
        )
    )
    assert not any(is_invalid(f) for f in table.fields)


# -- Dynamics: the same guard on its attribute metadata -------------------------------------------
def _attribute(name: str, **extra) -> dict:
    return {"LogicalName": name, "AttributeType": "String", "MaxLength": 100, **extra}


DV_BROKEN = {
    "maxlength-text": (_attribute("x_len", MaxLength="100"), "length '100'"),
    "maxlength-negative": (_attribute("x_neg", MaxLength=-1), "length -1"),
    "targets-numbers": (
        _attribute("x_ref", AttributeType="Lookup", Targets=[7]),
        "referenceTo",
    ),
}


@pytest.mark.parametrize(("attribute", "reason"), list(DV_BROKEN.values()), ids=list(DV_BROKEN))
def test_a_broken_dynamics_attribute_is_a_named_placeholder(attribute, reason):
    raw = {
        "LogicalName": "x_thing",
        "EntitySetName": "x_things",
        "PrimaryIdAttribute": "x_thingid",
        "Attributes": [
            _attribute("x_thingid", AttributeType="Uniqueidentifier"),
            _attribute("x_name"),
            attribute,
            "not an object",
            {"AttributeType": "String"},
            _attribute("x_name", MaxLength=5),
        ],
    }
    entity = dv_describe.entity(raw, {}, [])
    fields = {f.name: f for f in entity.table.fields}
    assert list(fields) == ["x_thingid", "x_name", attribute["LogicalName"]]
    broken = fields[attribute["LogicalName"]]
    assert is_invalid(broken) and reason in broken.remote_type
    assert fields["x_name"].length == 100 and not is_invalid(fields["x_name"])


def test_a_dynamics_table_list_skips_entries_without_a_name():
    from crmlink.connectors.describe_guard import named

    entries = [{"LogicalName": "contact"}, {"LogicalName": None}, "x", {"LogicalName": 3}, {}]
    assert [e["LogicalName"] for e in named(entries, "LogicalName")] == ["contact"]
    assert raw_exception("Error: a field is not stored.") is None


def test_a_describe_that_breaks_the_connector_is_one_sentence_in_enum_sync(broken):
    from sqlalchemy import create_engine

    from crmlink.errors import UsageError
    from crmlink.wizard.enums import list_picklists

    class Broken:
        def describe(self, table):
            raise KeyError("name")

    _, _, hostile = broken
    engine = create_engine(hostile.database_url)
    try:
        with pytest.raises(UsageError, match="describe of 'Account' is malformed"):
            list_picklists(engine, Broken(), "sfdc", ["Account"])
    finally:
        engine.dispose()


def test_enum_sync_lists_past_a_table_whose_describe_breaks(broken):
    from sqlalchemy import create_engine

    from crmlink.wizard.enums import list_picklists

    class Broken:
        def describe(self, table):
            raise KeyError("name")

    _, _, hostile = broken
    engine = create_engine(hostile.database_url)
    skipped: list[str] = []
    try:
        assert list_picklists(engine, Broken(), "sfdc", None, skipped.append) == []
    finally:
        engine.dispose()
    # every generated table was tried and named, none stopped the others
    assert len(skipped) >= 2 and all("picklists are skipped" in s for s in skipped)
    assert "'Account'" in " ".join(skipped)
