"""The sandbox's default Salesforce describes and its deterministic seed generator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pytest

from crmlink.sandbox.core.seeding import FakeData
from crmlink.sandbox.salesforce.models.describes import METADATA_DIR, Catalog, FieldMeta
from crmlink.sandbox.salesforce.seed import generic_value, plan, seed_org
from tests.reference import recorded, reference_path

OBJECTS = {
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Opportunity": "006",
    "Campaign": "701",
    "CampaignMember": "00v",
    "User": "005",
    "Subscription__c": "a01",
}
ALL_TYPES = [
    "id",
    "string",
    "textarea",
    "email",
    "phone",
    "url",
    "picklist",
    "multipicklist",
    "combobox",
    "reference",
    "boolean",
    "int",
    "double",
    "currency",
    "percent",
    "date",
    "datetime",
    "time",
    "base64",
    "address",
    "location",
    "encryptedstring",
    "anyType",
    "long",
]
SYSTEM = ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate")
SYSTEM += ("LastModifiedById", "SystemModstamp")
TODAY = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.default()


def field(catalog: Catalog, obj: str, name: str) -> FieldMeta:
    f = catalog.get(obj).field(name)
    assert f is not None, f"{obj}.{name} missing"
    return f


def reference(name: str) -> dict:
    return recorded("salesforce", "describe", f"cumulusci_{name}_describe.json")


# --------------------------------------------------------------------------- metadata
def test_every_file_loads_and_the_set_is_exact(catalog: Catalog) -> None:
    assert sorted(o.name for o in catalog.objects()) == sorted(OBJECTS)
    for name, prefix in OBJECTS.items():
        obj = catalog.get(name)
        assert obj.key_prefix == prefix
        assert obj.raw["urls"]["sobject"] == f"/services/data/v59.0/sobjects/{name}"
        assert [r["name"] for r in obj.raw["recordTypeInfos"]] == ["Master"]
        names = [f["name"] for f in obj.raw["fields"]]
        assert len(names) == len(set(names))
    files = sorted(p.name for p in METADATA_DIR.glob("*.json"))
    assert files == sorted([f"{n}.json" for n in OBJECTS] + ["_global.json"])


def test_describes_have_the_real_shape(catalog: Catalog) -> None:
    real = reference("Contact")
    field_keys = set(real["fields"][0])
    child_keys = set(real["childRelationships"][0])
    for obj in catalog.objects():
        assert set(obj.raw) == set(real), obj.name
        for key, value in real.items():
            if value is not None:
                assert type(obj.raw[key]) is type(value), (obj.name, key)
        for f in obj.raw["fields"]:
            assert set(f) == field_keys, (obj.name, f["name"])
            for key in ("nillable", "createable", "updateable", "calculated", "custom"):
                assert isinstance(f[key], bool)
        for rel in obj.raw["childRelationships"]:
            assert set(rel) == child_keys
            assert rel["childSObject"] in OBJECTS


def test_global_describe_matches_the_real_one(catalog: Catalog) -> None:
    real = reference("Global")
    ours = catalog.global_describe
    assert set(ours) == set(real)
    assert ours["maxBatchSize"] == 200 and ours["encoding"] == "UTF-8"
    assert sorted(s["name"] for s in ours["sobjects"]) == sorted(OBJECTS)
    keys = set(real["sobjects"][0])
    for entry in ours["sobjects"]:
        assert set(entry) == keys
        assert entry["keyPrefix"] == OBJECTS[entry["name"]]
        assert entry["urls"]["describe"].startswith("/services/data/v59.0/")


def test_every_field_type_occurs(catalog: Catalog) -> None:
    types = {f.type for o in catalog.objects() for f in o.fields.values()}
    assert set(ALL_TYPES) <= types


def test_system_fields_everywhere(catalog: Catalog) -> None:
    for obj in catalog.objects():
        for name in SYSTEM:
            f = field(catalog, obj.name, name)
            assert not f.flag("createable") and not f.flag("updateable"), (obj.name, name)
        assert obj.field("Name") is not None
        assert obj.field("Id").raw["idLookup"]
    for name in ("Contact", "Lead", "User"):
        assert not field(catalog, name, "Name").flag("createable")
        for part in ("FirstName", "LastName"):
            assert field(catalog, name, part).compound_field_name == "Name"


def test_picklists(catalog: Catalog) -> None:
    lead_source = field(catalog, "Contact", "LeadSource").raw["picklistValues"]
    assert {"active", "defaultValue", "label", "validFor", "value"} == set(lead_source[0])
    inactive = [p["value"] for p in lead_source if not p["active"]]
    assert inactive == ["Trade Show 2019"]
    restricted = field(catalog, "Contact", "Preferred_Channel__c")
    assert restricted.type == "picklist" and restricted.flag("restrictedPicklist")
    assert field(catalog, "Contact", "Interests__c").type == "multipicklist"
    status = field(catalog, "Lead", "Status").raw
    assert status["defaultValue"] == "Open - Not Contacted" and status["defaultedOnCreate"]


def test_compound_fields(catalog: Catalog) -> None:
    pairs = {
        "Contact": ("MailingAddress", "OtherAddress"),
        "Account": ("BillingAddress", "ShippingAddress"),
        "Lead": ("Address",),
    }
    for obj_name, compounds in pairs.items():
        obj = catalog.get(obj_name)
        for name in compounds:
            compound = field(catalog, obj_name, name)
            assert compound.type == "address" and compound.column is None
            assert len(obj.components(compound)) == 8
    account = catalog.get("Account")
    hq = field(catalog, "Account", "Headquarters__c")
    assert hq.type == "location" and hq.flag("custom")
    assert [f.name for f in account.components(hq)] == [
        "Headquarters__Latitude__s",
        "Headquarters__Longitude__s",
    ]


def test_formulas(catalog: Catalog) -> None:
    full = field(catalog, "Contact", "Full_Name__c")
    assert full.raw["calculatedFormula"] == 'FirstName & " " & LastName'
    revenue = field(catalog, "Opportunity", "Expected_Revenue_Formula__c")
    assert revenue.type == "currency"
    calculated = [f for o in catalog.objects() for f in o.fields.values() if f.flag("calculated")]
    assert len(calculated) >= 4
    for f in calculated:
        assert f.raw["calculatedFormula"]
        assert not f.flag("createable") and not f.flag("updateable")


def test_lookups(catalog: Catalog) -> None:
    expected = {
        ("Contact", "AccountId"): ("Account", "Account"),
        ("Opportunity", "AccountId"): ("Account", "Account"),
        ("CampaignMember", "CampaignId"): ("Campaign", "Campaign"),
        ("CampaignMember", "ContactId"): ("Contact", "Contact"),
        ("CampaignMember", "LeadId"): ("Lead", "Lead"),
        ("Subscription__c", "Contact__c"): ("Contact", "Contact__r"),
    }
    for (obj, name), (target, rel) in expected.items():
        f = field(catalog, obj, name)
        assert f.type == "reference" and f.reference_to == [target] and f.relationship_name == rel
    for obj in ("Account", "Contact", "Lead", "Opportunity", "Campaign", "Subscription__c"):
        assert field(catalog, obj, "OwnerId").reference_to == ["User"]
    assert catalog.get("Subscription__c").relationship("Contact__r").name == "Contact__c"
    children = {r["relationshipName"] for r in catalog.get("Contact").raw["childRelationships"]}
    assert {"Subscriptions__r", "CampaignMembers", "Opportunities"} <= children
    for obj in catalog.objects():  # every lookup points inside the default set
        for f in obj.fields.values():
            assert set(f.reference_to) <= set(OBJECTS), (obj.name, f.name)


def test_external_id_and_required_fields(catalog: Catalog) -> None:
    ext = field(catalog, "Contact", "External_Id__c").raw
    assert ext["type"] == "string" and ext["length"] == 64
    assert ext["externalId"] and ext["unique"] and ext["idLookup"]
    required = {
        "Contact": ["LastName"],
        "Lead": ["LastName", "Company"],
        "Opportunity": ["Name", "StageName", "CloseDate"],
        "Account": ["Name"],
        "Campaign": ["Name"],
    }
    for obj, names in required.items():
        for name in names:
            raw = field(catalog, obj, name).raw
            assert not raw["nillable"] and raw["createable"] and not raw["defaultedOnCreate"]


# --------------------------------------------------------------------------- seed
class RecordingOrg:
    """A stand-in org: records every row it is handed, one at a time."""

    def __init__(self, catalog: Catalog, keep: bool = True) -> None:
        self.catalog = catalog
        self.keep = keep
        self.rows: dict[str, list[dict]] = {}
        self.counts: dict[str, int] = {}
        self.order: list[str] = []

    def bulk_load(self, object_name: str, rows: Iterable[dict]) -> int:
        assert not isinstance(rows, list | tuple), "rows must be produced lazily"
        self.order.append(object_name)
        count = 0
        for row in rows:
            count += 1
            if self.keep:
                self.rows.setdefault(object_name, []).append(row)
        self.counts[object_name] = count
        return count

    def sample_ids(self, object_name: str, limit: int) -> list[str]:
        prefix = self.catalog.get(object_name).key_prefix
        total = self.counts.get(object_name, 0)
        return [f"{prefix}{i:015d}" for i in range(min(limit, total))]


@pytest.fixture(scope="module")
def seeded(catalog: Catalog) -> RecordingOrg:
    org = RecordingOrg(catalog)
    org.result = seed_org(org, 400, seed=7, today=TODAY)
    return org


def test_counts_follow_the_distribution(seeded: RecordingOrg) -> None:
    expected = {
        "User": 5,
        "Account": 40,
        "Contact": 400,
        "Lead": 200,
        "Campaign": 10,
        "Opportunity": 80,
        "CampaignMember": 100,
        "Subscription__c": 80,
    }
    assert seeded.result == expected == plan(400)
    assert seeded.order[:3] == ["User", "Account", "Contact"]  # parents before children


def test_tiny_seed_still_has_an_account(catalog: Catalog) -> None:
    counts = seed_org(RecordingOrg(catalog), 0, seed=1, today=TODAY)
    assert counts["Account"] == 1 and counts["Contact"] == 0 and counts["User"] == 5


def test_seed_is_deterministic(catalog: Catalog, seeded: RecordingOrg) -> None:
    again = RecordingOrg(catalog)
    seed_org(again, 400, seed=7, today=TODAY)
    assert again.rows == seeded.rows
    other = RecordingOrg(catalog)
    seed_org(other, 400, seed=8, today=TODAY)
    assert other.rows["Contact"] != seeded.rows["Contact"]
    assert other.rows["Account"] != seeded.rows["Account"]


def check_value(f: FieldMeta, value) -> None:
    where = f"{f.name}={value!r}"
    if value is None:
        return
    if isinstance(value, str):
        assert len(value) <= f.raw["length"] or f.raw["length"] == 0, where
    if f.type in ("picklist", "multipicklist"):
        allowed = {p["value"] for p in f.raw["picklistValues"]}
        if f.flag("restrictedPicklist"):
            allowed = {p["value"] for p in f.raw["picklistValues"] if p["active"]}
        assert set(value.split(";")) <= allowed, where
    checks = {
        "boolean": bool,
        "int": int,
        "long": int,
        "double": float,
        "currency": float,
        "percent": float,
        "date": dt.date,
        "datetime": dt.datetime,
        "reference": str,
    }
    if f.type in checks:
        assert isinstance(value, checks[f.type]), where
    if f.type == "datetime":
        assert value.tzinfo is not None and value.date() <= TODAY, where
    if f.type == "date" and f.name not in ("CloseDate", "EndDate"):
        assert value <= TODAY + dt.timedelta(days=800), where


def must_fill(f: FieldMeta) -> bool:
    raw = f.raw
    required = raw["createable"] and not raw["nillable"] and not raw["defaultedOnCreate"]
    return required and f.type not in ("boolean", "reference")


def test_rows_fit_their_describes(catalog: Catalog, seeded: RecordingOrg) -> None:
    for name, rows in seeded.rows.items():
        obj = catalog.get(name)
        for row in rows:
            assert "Id" not in row and "SystemModstamp" not in row
            for key, value in row.items():
                f = obj.field(key)
                assert f is not None and not f.compound, (name, key)
                check_value(f, value)
            for f in obj.fields.values():
                if must_fill(f):
                    assert row.get(f.name) is not None, (name, f.name)
                if f.type == "boolean" and not f.flag("nillable") and f.name != "IsDeleted":
                    assert isinstance(row.get(f.name), bool), (name, f.name)


def test_contact_values_are_realistic(seeded: RecordingOrg) -> None:
    contacts = seeded.rows["Contact"]
    emails = [c["Email"] for c in contacts if c.get("Email")]
    assert len(emails) == len(set(emails))
    assert 0.8 * len(contacts) < len(emails) < len(contacts)  # ~10% without e-mail
    assert [c["External_Id__c"] for c in contacts[:2]] == ["EXT-000001", "EXT-000002"]
    assert len({c["External_Id__c"] for c in contacts}) == len(contacts)
    assert all(c["Full_Name__c"] == f"{c['FirstName']} {c['LastName']}" for c in contacts)
    account_ids = set(seeded.sample_ids("Account", 1000))
    assert {c["AccountId"] for c in contacts if c.get("AccountId")} <= account_ids
    assert any(";" in (c.get("Interests__c") or "") for c in contacts)
    names = " ".join(c["LastName"] + c["FirstName"] for c in contacts)
    assert "'" in names and any(ord(ch) > 127 for ch in names)


def test_campaign_members_are_unique_pairs(seeded: RecordingOrg) -> None:
    members = seeded.rows["CampaignMember"]
    pairs = [(m["CampaignId"], m.get("ContactId") or m.get("LeadId")) for m in members]
    assert len(pairs) == len(set(pairs))
    assert all(bool(m.get("ContactId")) != bool(m.get("LeadId")) for m in members)


def test_history_is_backdated(seeded: RecordingOrg) -> None:
    for rows in seeded.rows.values():
        for row in rows:
            assert row["CreatedDate"] <= row["LastModifiedDate"]


def test_generic_value_covers_every_type(catalog: Catalog) -> None:
    fake = FakeData(3, TODAY)
    seen = set()
    for obj in catalog.objects():
        for f in obj.fields.values():
            value = generic_value(f, fake, 12)
            if f.type in ("id", "reference", "address", "location"):
                assert value is None
            else:
                assert value is not None, f.name
                check_value(f, value)
                seen.add(f.type)
    assert seen == set(ALL_TYPES) - {"id", "reference", "address", "location"}


def test_foreign_catalog_uses_generic_rows(tmp_path: Path) -> None:
    """Real describes: known objects seeded, unknown ones from field types; all fit."""
    for name in ("Contact", "Case", "Custom__c"):
        source = reference_path("salesforce", "describe", f"cumulusci_{name}_describe.json")
        (tmp_path / f"{name}.json").write_text(source.read_text())
    catalog = Catalog.load_dir(tmp_path)
    org = RecordingOrg(catalog)
    counts = seed_org(org, 30, seed=5, today=TODAY)
    assert counts == {"Contact": 30, "Case": 3, "Custom__c": 3}
    for name, rows in org.rows.items():
        obj = catalog.get(name)
        for row in rows:
            for key, value in row.items():
                check_value(obj.field(key), value)
    assert "External_Id__c" not in org.rows["Contact"][0]  # dropped: not in that describe
    assert org.rows["Custom__c"][0]["CustomField__c"]


class CountingOrg(RecordingOrg):
    """Consumes rows one by one and checks the generator is not materialised up front."""

    def bulk_load(self, object_name: str, rows: Iterable[dict]) -> int:
        iterator = iter(rows)
        assert iterator is rows, "rows must be an iterator (a generator), not a collection"
        return super().bulk_load(object_name, iterator)


def test_hundred_thousand_contacts_are_generated_lazily(catalog: Catalog) -> None:
    sub = Catalog([catalog.get("User"), catalog.get("Account"), catalog.get("Contact")])
    org = CountingOrg(sub, keep=False)
    counts = seed_org(org, 100_000, seed=11, today=TODAY)
    assert counts == {"User": 5, "Account": 10_000, "Contact": 100_000}
