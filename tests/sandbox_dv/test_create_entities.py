"""Table creation: `POST CreateEntities` (the PowerPlatform client's payload), `POST
EntityDefinitions`, and `DELETE EntityDefinitions(id)`; the new table is usable at once
(create, `$filter`, `?sql=`), hostile names are refused before they reach SQLite, and a
reset forgets the tables made."""

from __future__ import annotations

import uuid

import pytest

CRM = "Microsoft.Dynamics.CRM."


def label(text: str) -> dict:
    return {"LocalizedLabels": [{"Label": text, "LanguageCode": 1033}]}


def attr(schema_name: str, kind: str = "String", **extra) -> dict:
    body = {
        "@odata.type": f"{CRM}Complex{kind}AttributeMetadata",
        "SchemaName": schema_name,
        "DisplayName": label(schema_name),
        "RequiredLevel": {"Value": "None"},
    }
    if kind == "String":
        body["MaxLength"] = 200
    return {**body, **extra}


def table(schema_name: str, *columns: dict) -> dict:
    primary = attr(schema_name.split("_", 1)[0] + "_Name", IsPrimaryName=True)
    return {
        "@odata.type": f"{CRM}ComplexEntityMetadata",
        "SchemaName": schema_name,
        "DisplayName": label(schema_name),
        "DisplayCollectionName": label(schema_name + "s"),
        "OwnershipType": "UserOwned",
        "HasActivities": False,
        "HasNotes": True,
        "IsActivity": False,
        "Attributes": [primary, *columns],
    }


def create(web, *entities: dict):
    return web.post("CreateEntities", json={"Entities": list(entities)})


def unique(prefix: str = "new_T") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def stored_tables(sandbox) -> set[str]:
    with sandbox.org.read() as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_create_use_and_delete_a_table(web, sandbox):
    name = unique()
    logical = name.lower()
    columns = [
        attr("new_Code"),
        attr("new_Score", "Integer", MinValue=-10, MaxValue=10),
        attr("new_Price", "Decimal", Precision=2),
        attr(
            "new_Active",
            "Boolean",
            OptionSet={
                "TrueOption": {"Value": 1, "Label": label("Yes")},
                "FalseOption": {"Value": 0, "Label": label("No")},
            },
        ),
        attr("new_Due", "DateTime", Format="DateOnly"),
    ]
    response = create(web, table(name, *columns))
    assert response.status_code == 200, response.text
    [entity_id] = response.json()["EntityIds"]
    assert logical in stored_tables(sandbox)

    found = web.get(
        "EntityDefinitions",
        params={
            "$select": "MetadataId,LogicalName,SchemaName,EntitySetName,PrimaryNameAttribute,"
            "PrimaryIdAttribute",
            "$filter": f"LogicalName eq '{logical}'",
        },
    ).json()["value"]
    assert found == [
        {
            "MetadataId": entity_id,
            "LogicalName": logical,
            "SchemaName": name,
            "EntitySetName": logical + "s",
            "PrimaryNameAttribute": "new_name",
            "PrimaryIdAttribute": logical + "id",
        }
    ]
    attrs = web.get(f"EntityDefinitions({entity_id})/Attributes", params={"$select": "LogicalName"})
    names = {a["LogicalName"] for a in attrs.json()["value"]}
    assert {"new_code", "new_score", "new_price", "new_active", "new_due", "ownerid"} <= names

    record = {
        "new_name": "First",
        "new_code": "A-1",
        "new_score": 7,
        "new_price": 2.5,
        "new_active": True,
        "new_due": "2026-12-01",
    }
    made = web.post(f"{logical}s", json=record)
    assert made.status_code == 204, made.text
    got = web.get(f"{logical}s", params={"$filter": "new_score gt 5"}).json()["value"]
    assert [(r["new_code"], r["new_active"], r["new_due"]) for r in got] == [
        ("A-1", True, "2026-12-01")
    ]
    via_sql = web.get(f"{logical}s", params={"sql": f"SELECT new_code FROM {logical}"})
    assert [r["new_code"] for r in via_sql.json()["value"]] == ["A-1"]

    assert web.delete(f"EntityDefinitions({entity_id})").status_code == 204
    assert logical not in stored_tables(sandbox)
    assert web.get(f"{logical}s").status_code == 404
    gone = web.get(f"EntityDefinitions(LogicalName='{logical}')")
    assert gone.status_code == 404


def test_post_entity_definitions_creates_one_table(web):
    name = unique("abc_Single")
    response = web.post("EntityDefinitions", json=table(name, attr("abc_Note", "Memo")))
    assert response.status_code == 204, response.text
    url = response.headers["OData-EntityId"]
    assert "/EntityDefinitions(" in url
    body = web.get(f"EntityDefinitions(LogicalName='{name.lower()}')").json()
    assert body["IsCustomEntity"] is True and body["OwnershipType"] == "UserOwned"
    assert url.endswith(f"({body['MetadataId']})")


def test_entity_set_names_are_plural(web):
    stem = f"new_{uuid.uuid4().hex[:6]}"
    for ending, plural in (("Box", "boxes"), ("Category", "categories"), ("Day", "days")):
        create(web, table(stem + ending)).raise_for_status()
        got = web.get(f"EntityDefinitions(LogicalName='{(stem + ending).lower()}')").json()
        assert got["EntitySetName"] == stem + plural


@pytest.mark.parametrize(
    "schema_name",
    [
        'new_x"; DROP TABLE contact; --',
        "new_x') OR 1=1 --",
        "new_a b",
        "new_]x",
        "new_ümlaut",
        "nounderscore",
        "_new_lead",
        "new_" + "x" * 60,
        "",
        None,
        42,
    ],
)
def test_hostile_table_names_are_refused(web, sandbox, schema_name):
    before = stored_tables(sandbox)
    response = create(web, {**table("new_Ok"), "SchemaName": schema_name})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "0x80040203"
    assert stored_tables(sandbox) == before
    assert web.get("contacts", params={"$top": "1"}).status_code == 200


@pytest.mark.parametrize(
    "column",
    ['new_c"ol', "new_c;ol", "new_c ol", "new_col)", "new_col--", "col"],
)
def test_hostile_column_names_are_refused(web, sandbox, column):
    name = unique()
    response = create(web, table(name, attr(column)))
    assert response.status_code == 400, response.text
    assert name.lower() not in stored_tables(sandbox)


def test_unsupported_types_duplicates_and_builtins(web):
    name = unique()
    response = create(web, table(name, attr("new_Pic", "Image")))
    assert response.status_code == 400 and "Image" in response.json()["error"]["message"]
    response = create(web, table(name, attr("new_Name")))  # the primary name twice
    assert response.status_code == 400
    create(web, table(name)).raise_for_status()
    again = create(web, table(name))
    assert again.status_code == 400 and "already exists" in again.json()["error"]["message"]
    contact_id = web.get("EntityDefinitions(LogicalName='contact')").json()["MetadataId"]
    refused = web.delete(f"EntityDefinitions({contact_id})")
    assert refused.status_code == 400 and "cannot be deleted" in refused.json()["error"]["message"]
    assert web.get("contacts", params={"$top": "1"}).status_code == 200
    assert web.post("CreateEntities", json={"Entities": []}).status_code == 400


def test_reset_forgets_created_tables(tmp_path):
    from crmlink.sandbox.dynamics.app import DynamicsSandbox
    from tests.dynamics.conftest import api_client

    sandbox = DynamicsSandbox(state_dir=tmp_path, records=5, seed=3)
    sandbox.start()
    try:
        with api_client(sandbox) as web:
            create(web, table("new_Temp")).raise_for_status()
            assert web.get("new_temps").status_code == 200
            sandbox.reset()
            assert web.get("new_temps").status_code == 404
            assert "new_temp" not in stored_tables(sandbox)
            create(web, table("new_Temp")).raise_for_status()  # the name is free again
    finally:
        sandbox.stop()


def test_the_powerplatform_client_creates_uses_and_deletes(dataverse):
    name = unique()
    info = dataverse.tables.create(name, {"new_code": "string", "new_score": "int"})
    assert info["entity_set_name"] == name.lower() + "s"
    record_id = dataverse.records.create(name, {"new_name": "x", "new_code": "c", "new_score": 3})
    assert dataverse.records.retrieve(name, record_id)["new_score"] == 3
    rows = dataverse.query.sql(f"SELECT new_code FROM {name.lower()} WHERE new_score = 3")
    assert [r["new_code"] for r in rows] == ["c"]
    assert dataverse.tables.add_columns(name, {"new_note": "memo"}) == ["new_note"]
    dataverse.records.update(name, record_id, {"new_note": "added later"})
    assert dataverse.records.retrieve(name, record_id)["new_note"] == "added later"
    dataverse.tables.delete(name)
    assert dataverse.tables.get(name) is None


def test_a_column_added_to_a_created_table_is_stored(web, sandbox):
    name = unique()
    [entity_id] = create(web, table(name)).json()["EntityIds"]
    column = {
        "@odata.type": f"{CRM}MemoAttributeMetadata",
        "SchemaName": "new_Notes",
        "DisplayName": label("Notes"),
        "MaxLength": 4000,
    }
    added = web.post(f"EntityDefinitions({entity_id})/Attributes", json=column)
    assert added.status_code == 204, added.text
    assert "/Attributes(" in added.headers["OData-EntityId"]
    got = web.get(f"EntityDefinitions({entity_id})/Attributes(LogicalName='new_notes')").json()
    assert got["AttributeType"] == "Memo"
    logical = name.lower()
    web.post(f"{logical}s", json={"new_name": "n", "new_notes": "long text"}).raise_for_status()
    with sandbox.org.read() as conn:
        assert conn.execute(f'SELECT new_notes FROM "{logical}"').fetchall() == [("long text",)]
    again = web.post(f"EntityDefinitions({entity_id})/Attributes", json=column)
    assert again.status_code == 400 and "already exists" in again.json()["error"]["message"]
    hostile = {**column, "SchemaName": 'new_x" TEXT); DROP TABLE contact; --'}
    assert web.post(f"EntityDefinitions({entity_id})/Attributes", json=hostile).status_code == 400
    contact_id = web.get("EntityDefinitions(LogicalName='contact')").json()["MetadataId"]
    builtin = web.post(f"EntityDefinitions({contact_id})/Attributes", json=column)
    assert builtin.status_code == 400
    assert web.get("contacts", params={"$top": "1"}).status_code == 200
