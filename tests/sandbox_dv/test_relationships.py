"""Relationship metadata derived from the lookup columns, in the recorded shapes:
`EntityDefinitions(…)/OneToManyRelationships`, `ManyToOneRelationships`,
`ManyToManyRelationships`, the same lists as `$expand`, and `RelationshipDefinitions`."""

from __future__ import annotations

import pytest

from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.dynamics.conftest import api_client
from tests.dynamics.refs import load
from tests.reference import reference_path

ACCOUNT = "terraform-provider-power-platform/data_record__Validate_Create__get_entitydefinition_account.json"  # noqa: E501


def recorded(kind: str) -> dict:
    return load(ACCOUNT)[kind][0]


def json_types(body: dict) -> dict:
    def kind(value):
        if value is None:
            return "null"
        return {bool: "bool", int: "number", float: "number"}.get(type(value), type(value).__name__)

    return {k: kind(v) for k, v in body.items()}


@pytest.mark.parametrize("kind", ["OneToManyRelationships", "ManyToOneRelationships"])
def test_one_to_many_shape_matches_recorded(web, kind):
    real = recorded(kind)
    body = web.get(f"EntityDefinitions(LogicalName='account')/{kind}").json()
    assert body["@odata.context"].endswith(f"EntityDefinitions('account')/{kind}")
    assert body["value"], kind
    for rel in body["value"]:
        assert set(rel) == set(real), set(rel) ^ set(real)
        ours, theirs = json_types(rel), json_types(real)
        nullable = {k for k, v in real.items() if v is None}  # EntityKey, Order, …
        assert {k: t for k, t in ours.items() if k not in nullable} == {
            k: t for k, t in theirs.items() if k not in nullable
        }
        assert set(rel["CascadeConfiguration"]) == set(real["CascadeConfiguration"])
        assert set(rel["AssociatedMenuConfiguration"]) == set(real["AssociatedMenuConfiguration"])
        assert rel["RelationshipType"] == "OneToManyRelationship"


def test_account_one_to_many_comes_from_the_contact_lookup(web):
    rels = web.get("EntityDefinitions(LogicalName='account')/OneToManyRelationships").json()
    found = {r["SchemaName"]: r for r in rels["value"]}
    customer = found["contact_customer_accounts"]  # the real platform's name for it
    assert customer["ReferencedEntity"] == "account"
    assert customer["ReferencedAttribute"] == "accountid"
    assert customer["ReferencingEntity"] == "contact"
    assert customer["ReferencingAttribute"] == "parentcustomerid"
    assert customer["ReferencingEntityNavigationPropertyName"] == "parentcustomerid_account"
    assert customer["CascadeConfiguration"]["Delete"] == "Cascade"
    assert {r["ReferencingEntity"] for r in rels["value"]} >= {"contact", "lead", "opportunity"}


def test_many_to_one_lists_the_tables_lookups(web):
    rels = web.get("EntityDefinitions(LogicalName='contact')/ManyToOneRelationships").json()
    pairs = {(r["ReferencingAttribute"], r["ReferencedEntity"]) for r in rels["value"]}
    assert ("parentcustomerid", "account") in pairs and ("parentcustomerid", "contact") in pairs
    assert ("cr7a3_loyaltycardid", "cr7a3_loyaltycard") in pairs
    assert all(r["ReferencingEntity"] == "contact" for r in rels["value"])


def test_navigation_name_is_the_one_odata_bind_takes(web):
    """The many-to-one navigation property a client reads is the one it can bind with."""
    rels = web.get(
        "EntityDefinitions(LogicalName='contact')/ManyToOneRelationships",
        params={"$filter": "ReferencedEntity eq 'account'"},
    ).json()["value"]
    nav = next(r for r in rels if r["ReferencingAttribute"] == "parentcustomerid")
    account = web.get("accounts?$top=1&$select=name").json()["value"][0]
    bind = {
        "lastname": "Bound",
        f"{nav['ReferencingEntityNavigationPropertyName']}@odata.bind": (
            f"accounts({account['accountid']})"
        ),
    }
    response = web.post("contacts", json=bind)
    assert response.status_code == 204, response.text


def test_select_and_filter_as_the_powerplatform_client_sends(web):
    """PowerPlatform-Dataverse-Client lists with `$select`/`$filter` on each list."""
    metadata_id = web.get("EntityDefinitions(LogicalName='account')?$select=MetadataId").json()[
        "MetadataId"
    ]
    params = {
        "$select": "SchemaName,ReferencedEntity,ReferencingEntity",
        "$filter": "ReferencingEntity eq 'contact'",
    }
    rels = web.get(f"EntityDefinitions({metadata_id})/OneToManyRelationships", params=params)
    assert rels.status_code == 200
    for rel in rels.json()["value"]:
        assert set(rel) == {"SchemaName", "ReferencedEntity", "ReferencingEntity", "MetadataId"}
        assert rel["ReferencingEntity"] == "contact"


def test_many_to_many_is_empty_and_refuses_one_to_many_properties(web):
    url = "EntityDefinitions(LogicalName='account')/ManyToManyRelationships"
    body = web.get(url).json()
    assert body["value"] == [] and body["@odata.context"].endswith("/ManyToManyRelationships")
    refused = web.get(url, params={"$select": "SchemaName,ReferencedEntity"})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "Could not find a property named 'ReferencedEntity' on type "
        "'Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata'."
    )


def test_expand_on_entity_definition_like_recorded(web):
    real = load(ACCOUNT)
    expand = "OneToManyRelationships,ManyToManyRelationships,ManyToOneRelationships"
    ours = web.get("EntityDefinitions(LogicalName='account')", params={"$expand": expand}).json()
    for kind in ("OneToManyRelationships", "ManyToOneRelationships", "ManyToManyRelationships"):
        assert isinstance(ours[kind], list) and isinstance(real[kind], list)
    direct = web.get("EntityDefinitions(LogicalName='account')/OneToManyRelationships").json()
    assert ours["OneToManyRelationships"] == direct["value"]


def test_one_relationship_by_schema_name_and_in_relationship_definitions(web):
    one = web.get(
        "EntityDefinitions(LogicalName='account')/OneToManyRelationships"
        "(SchemaName='contact_customer_accounts')"
    ).json()
    assert one["ReferencingAttribute"] == "parentcustomerid"
    found = web.get(
        "RelationshipDefinitions", params={"$filter": "SchemaName eq 'contact_customer_accounts'"}
    ).json()["value"]
    assert [r["@odata.type"] for r in found] == [
        "#Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata"
    ]
    by_id = web.get(f"RelationshipDefinitions({one['MetadataId']})").json()
    assert by_id["SchemaName"] == "contact_customer_accounts"
    assert web.get("RelationshipDefinitions(SchemaName='nosuch')").status_code == 404


def test_powerplatform_client_lists_a_tables_relationships(dataverse):
    """PowerPlatform-Dataverse-Client's `list_table_relationships`, unchanged: it finds
    the table by `EntityDefinitions?$filter`, then asks the three lists by MetadataId."""
    rels = dataverse.tables.list_table_relationships(
        "account", select=["SchemaName", "ReferencedEntity", "ReferencingEntity"]
    )
    names = {r["SchemaName"] for r in rels}
    assert {"contact_customer_accounts", "account_primary_contact"} <= names
    assert all(
        r["ReferencedEntity"] == "account" or r["ReferencingEntity"] == "account" for r in rels
    )


def test_powerplatform_client_filters_relationships_by_type(dataverse):
    """Its documented filter compares with an enum member literal."""
    rels = dataverse.tables.list_relationships(
        filter="RelationshipType eq Microsoft.Dynamics.CRM.RelationshipType'OneToManyRelationship'"
    )
    assert rels and all(r["RelationshipType"] == "OneToManyRelationship" for r in rels)
    none = dataverse.tables.list_relationships(
        filter="RelationshipType eq Microsoft.Dynamics.CRM.RelationshipType'ManyToManyRelationship'"
    )
    assert none == []


def test_loaded_dump_without_relationships_gets_them_derived(tmp_path):
    """dataverse-gen's dumps answer `[]` for the unrequested relationship lists: the
    sandbox derives them from the dump's lookups (account ↔ opportunity here)."""
    (account,) = load("dataverse-gen/RetrieveMetadataChanges_account.json")["EntityMetadata"]
    assert account["OneToManyRelationships"] == []
    folder = reference_path("dynamics", "dataverse-gen")
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=0, metadata_dir=folder)
    sandbox.start()
    try:
        with api_client(sandbox) as web:
            rels = web.get("EntityDefinitions(LogicalName='account')/OneToManyRelationships")
            missing = web.get(f"accounts({'0' * 8}-0000-0000-0000-{'0' * 12})/nosuchnav/$ref")
    finally:
        sandbox.stop()
    pairs = {(r["ReferencingEntity"], r["ReferencingAttribute"]) for r in rels.json()["value"]}
    assert ("opportunity", "parentaccountid") in pairs
    assert missing.status_code == 404


def test_relationship_definitions_type_cast(web):
    cast = "Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata"
    body = web.get(f"RelationshipDefinitions/{cast}", params={"$select": "SchemaName"}).json()
    assert body["@odata.context"].endswith(f"RelationshipDefinitions/{cast}")
    assert "contact_customer_accounts" in {r["SchemaName"] for r in body["value"]}
    many = web.get("RelationshipDefinitions/Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata")
    assert many.json()["value"] == []
    wrong = web.get("RelationshipDefinitions/Microsoft.Dynamics.CRM.NoSuchMetadata")
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "0x8006088a"
