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
    "picklist-value-number": {"picklistValues": [{"value": 5, "label": 5, "active": True}]},
    "picklist-duplicates": {"picklistValues": [{"value": "A", "label": "A"}, {"value": "A"}]},
    "label-null": {"label": None},
    "label-markup": {"label": "<script>alert(1)</script>"},
    "label-long": {"label": "L" * 2000},
    "type-unknown": {"type": "hologram"},
}
ODD_NAMES = ["A/B__c", "<b>x</b>__c", "x?y#z__c", "..__c", "Ünï cödé__c", "a\u202eb__c"]


def _describes(tmp_path, fields: dict | None = None, extra: list[dict] | None = None):
    folder = tmp_path / "describes"
    shutil.copytree(METADATA_DIR, folder)
    (folder / "_global.json").unlink()  # the sandbox lists what it loaded
    path = folder / "Subscription__c.json"
    describe = json.loads(path.read_text())
    target = next(f for f in describe["fields"] if f["name"] == FIELD)
    target.update(fields or {})
    describe["fields"] += extra or []
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


@pytest.mark.parametrize(
    ("change", "reason"), list(BROKEN_FIELDS.values()), ids=list(BROKEN_FIELDS)
)
def test_a_broken_field_is_named_not_stored_and_the_rest_goes_on(hostile, tmp_path, change, reason):
    outcomes, synced = _wizard_and_sync(hostile, tmp_path, _describes(tmp_path, change))
    subscription = outcomes["Subscription__c"]
    (named,) = [n for n in subscription["not_stored"] if n["field"] == FIELD]
    assert named["reason"].startswith(INVALID) and reason in named["reason"]
    assert {"Contact", "Account", "Lead"} <= set(outcomes)
    enums = {r["enumeration"] for r in synced}
    assert "Contact_LeadSource" in enums and f"Subscription__c_{FIELD}" not in enums


def test_the_wizard_s_text_report_names_the_broken_field(hostile, tmp_path):
    folder = _describes(tmp_path, {"length": "255"})
    with SalesforceSandbox(state_dir=tmp_path / "sf", describe_dir=folder, records=2) as box:
        hostile.add_account("sfdc", box)
        report = hostile.accepts("wizard", "sfdc", "--tables", "Subscription__c").stdout
    assert f"Subscription__c.{FIELD} not stored: {INVALID}: length '255'" in report


@pytest.mark.parametrize("change", list(TOLERATED.values()), ids=list(TOLERATED))
def test_a_tolerable_oddity_keeps_the_field(hostile, tmp_path, change):
    outcomes, synced = _wizard_and_sync(hostile, tmp_path, _describes(tmp_path, change))
    assert FIELD not in [n["field"] for n in outcomes["Subscription__c"]["not_stored"]]


def test_duplicate_picklist_values_are_synced_once(hostile, tmp_path):
    change = {"picklistValues": [{"value": "A"}, {"value": "B"}, {"value": "A", "label": "A2"}]}
    _, synced = _wizard_and_sync(hostile, tmp_path, _describes(tmp_path, change))
    (result,) = [r for r in synced if r["enumeration"] == f"Subscription__c_{FIELD}"]
    assert result["added"] == 2
    shown = json.loads(hostile.accepts("enum", "show", f"Subscription__c_{FIELD}", "--json").stdout)
    assert [v["value"] for v in shown["values"]] == ["A", "B"]


def test_a_number_as_picklist_value_becomes_its_text(hostile, tmp_path):
    change = {"picklistValues": [{"value": 5, "label": 5}, {"value": 2.5}]}
    _wizard_and_sync(hostile, tmp_path, _describes(tmp_path, change))
    shown = json.loads(hostile.accepts("enum", "show", f"Subscription__c_{FIELD}", "--json").stdout)
    assert [(v["value"], v["label"]) for v in shown["values"]] == [("5", "5"), ("2.5", "2.5")]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_slashes_markup_and_unicode_in_names_give_safe_columns(hostile, tmp_path, name):
    template = {"name": name, "label": name, "type": "string", "length": 80}
    outcomes, _ = _wizard_and_sync(hostile, tmp_path, _describes(tmp_path, extra=[template]))
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
