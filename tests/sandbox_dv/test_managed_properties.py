"""EntityDefinitions and Attributes answer every property real orgs answer, with the same
JSON types: managed properties are `{"Value", "CanBeChanged", "ManagedPropertyLogicalName"}`
objects, never null.

The recorded bodies: `EntityDefinitions(LogicalName=…)` of contact, account (with its
relationships expanded), businessunit and mailbox from the terraform provider's fixtures;
the attributes of account and opportunity from dataverse-gen's RetrieveMetadataChanges
dumps (whose unrequested properties are null, so only their non-null values fix a type).
"""

from __future__ import annotations

import pytest

from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.dynamics.conftest import api_client
from tests.dynamics.refs import load
from tests.reference import reference_path

TF = "terraform-provider-power-platform/"
ENTITY_FILES = {
    "contact": TF + "data_record__get_entitydefinition_account.json",  # holds contact
    "account": TF + "data_record__Validate_Create__get_entitydefinition_account.json",
    "businessunit": TF
    + "data_record__Validate_Disable_On_Delete__get_entitydefinition_businessunit.json",  # noqa: E501
    "mailbox": TF + "data_record__Validate_Disable_On_Delete__get_entitydefinition_mailbox.json",
}
RELATIONSHIP_LISTS = {"OneToManyRelationships", "ManyToOneRelationships", "ManyToManyRelationships"}
# The one property whose type follows the table's data: the sandbox's contact and account
# have no image column, so their PrimaryImageAttribute is null where the real ones name one.
DATA_DEPENDENT = {"PrimaryImageAttribute"}
# Answered by the newer orgs (businessunit, mailbox and the RetrieveMetadataChanges dumps)
# and not yet by the contact and account recordings.
NEWER = {"ClusterMode"}
ATTRIBUTE_MANAGED = (
    "IsAuditEnabled",
    "IsGlobalFilterEnabled",
    "IsSortableEnabled",
    "IsCustomizable",
    "IsRenameable",
    "IsValidForAdvancedFind",
    "CanModifyAdditionalSettings",
    "RequiredLevel",
)


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__  # str, dict (object), list (array)


def recorded_entity(name: str) -> dict:
    body = dict(load(ENTITY_FILES[name]))
    assert body.pop("@odata.context").endswith("/$entity")
    assert body["LogicalName"] == name
    return {k: v for k, v in body.items() if k not in RELATIONSHIP_LISTS}


def is_managed(value) -> bool:
    return isinstance(value, dict) and "ManagedPropertyLogicalName" in value


@pytest.mark.parametrize("name", sorted(ENTITY_FILES))
def test_entity_definition_has_every_recorded_property(web, name):
    """The property set is the same for every entity: each recorded one, ours alike."""
    real = recorded_entity(name)
    for ours_name in ("contact", "account", "cr7a3_loyaltycard"):
        ours = web.get(f"EntityDefinitions(LogicalName='{ours_name}')").json()
        ours.pop("@odata.context")
        assert set(ours) == set(real) | NEWER, (ours_name, set(ours) ^ set(real))


@pytest.mark.parametrize("name", ["contact", "account"])
def test_entity_definition_property_types_match_the_same_entity(web, name):
    real = recorded_entity(name)
    ours = web.get(f"EntityDefinitions(LogicalName='{name}')").json()
    wrong = {
        key: (json_type(real[key]), json_type(ours[key]))
        for key in real
        if key not in DATA_DEPENDENT and json_type(real[key]) != json_type(ours[key])
    }
    assert wrong == {}
    assert json_type(ours["ClusterMode"]) == json_type(recorded_entity("mailbox")["ClusterMode"])


@pytest.mark.parametrize("name", sorted(ENTITY_FILES))
def test_managed_properties_are_objects_with_the_recorded_logical_names(web, name):
    real = recorded_entity(name)
    ours = web.get("EntityDefinitions(LogicalName='contact')").json()
    managed = {k: v for k, v in real.items() if is_managed(v)}
    assert len(managed) >= 24
    for key, value in managed.items():
        assert is_managed(ours[key]), key
        assert ours[key]["ManagedPropertyLogicalName"] == value["ManagedPropertyLogicalName"]
        assert isinstance(ours[key]["Value"], bool) and isinstance(ours[key]["CanBeChanged"], bool)


def test_selected_managed_properties_are_not_null(web):
    """The discovery call that failed: `$select` of managed properties on the list."""
    select = "LogicalName,CanChangeTrackingBeEnabled,IsAuditEnabled,IsCustomizable,IsRenameable"
    select += ",CanCreateAttributes,IsValidForQueue"
    tables = web.get("EntityDefinitions", params={"$select": select}).json()["value"]
    assert len(tables) >= 7
    for table in tables:
        for key in select.split(",")[1:]:
            assert is_managed(table[key]), (table["LogicalName"], key)
    contact = next(t for t in tables if t["LogicalName"] == "contact")
    assert contact["CanChangeTrackingBeEnabled"]["Value"] is True


def recorded_attributes(entity: str) -> list[dict]:
    dump = load(f"dataverse-gen/RetrieveMetadataChanges_{entity}.json")
    (metadata,) = dump["EntityMetadata"]
    assert metadata["LogicalName"] == entity
    return metadata["Attributes"]


@pytest.mark.parametrize("entity", ["account", "opportunity"])
def test_attributes_have_the_recorded_properties_and_types(web, entity):
    ours = {
        a["LogicalName"]: a
        for a in web.get(f"EntityDefinitions(LogicalName='{entity}')/Attributes").json()["value"]
    }
    compared = 0
    for real in recorded_attributes(entity):
        mine = ours.get(real["LogicalName"])
        if mine is None:
            continue
        compared += 1
        where = f"{entity}.{real['LogicalName']}"
        real_type = real.get("@odata.type", "").replace("CRM.Complex", "CRM.")
        assert mine.get("@odata.type", "") == real_type, where
        assert set(mine) == set(real) - {"OptionSet"}, (where, set(mine) ^ set(real))
        assert mine["AttributeType"] == real["AttributeType"], where
        for key, value in real.items():
            if value is not None and key != "OptionSet":
                assert json_type(mine[key]) == json_type(value), (where, key, value, mine[key])
    assert compared >= 20


@pytest.mark.parametrize("entity", ["account", "contact", "cr7a3_loyaltycard"])
def test_attribute_managed_properties_are_objects(web, entity):
    attrs = web.get(f"EntityDefinitions(LogicalName='{entity}')/Attributes").json()["value"]
    real = recorded_attributes("account")[0]
    for attr in attrs:
        for key in ATTRIBUTE_MANAGED:
            assert is_managed(attr[key]), (attr["LogicalName"], key)
        required = attr["RequiredLevel"]["ManagedPropertyLogicalName"]
        assert required == real["RequiredLevel"]["ManagedPropertyLogicalName"]


def test_loaded_dump_gets_its_null_managed_properties_filled(tmp_path):
    """A RetrieveMetadataChanges dump answers managed properties null unless asked for;
    served through EntityDefinitions they are objects, the dump's own values kept."""
    folder = reference_path("dynamics", "dataverse-gen")
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=0, metadata_dir=folder)
    sandbox.start()
    try:
        with api_client(sandbox) as web:
            account = web.get("EntityDefinitions(LogicalName='account')").json()
            name = web.get(
                "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')"
            ).json()
    finally:
        sandbox.stop()
    assert recorded_entity_dump_is_null("IsAuditEnabled")
    assert is_managed(account["IsAuditEnabled"]) and is_managed(account["CanCreateAttributes"])
    assert is_managed(name["IsAuditEnabled"]) and is_managed(name["IsCustomizable"])
    assert name["RequiredLevel"]["Value"] == "ApplicationRequired"  # the dump's own value


def recorded_entity_dump_is_null(key: str) -> bool:
    (metadata,) = load("dataverse-gen/RetrieveMetadataChanges_account.json")["EntityMetadata"]
    return metadata[key] is None and metadata["Attributes"][0][key] is None


def test_filter_on_a_managed_property_value(web):
    """`$filter` follows the managed property's path (`IsCustomizable/Value`)."""
    params = {"$select": "LogicalName", "$filter": "IsCustomizable/Value eq true"}
    found = {t["LogicalName"] for t in web.get("EntityDefinitions", params=params).json()["value"]}
    assert {"account", "contact", "cr7a3_loyaltycard"} <= found
    params["$filter"] = "IsCustomizable/Value eq false"
    assert web.get("EntityDefinitions", params=params).json()["value"] == []
