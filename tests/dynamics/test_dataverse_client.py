"""Microsoft's PowerPlatform-Dataverse-Client, unchanged, against the sandbox."""

from __future__ import annotations


def test_create_get_update_delete(dataverse):
    record_id = dataverse.records.create(
        "contact", {"firstname": "Ada", "lastname": "Lovelace", "emailaddress1": "ada@example.org"}
    )
    got = dataverse.records.retrieve("contact", record_id, select=["fullname", "emailaddress1"])
    assert got["fullname"] == "Ada Lovelace"
    dataverse.records.update("contact", record_id, {"jobtitle": "Analyst"})
    assert (
        dataverse.records.retrieve("contact", record_id, select=["jobtitle"])["jobtitle"]
        == "Analyst"
    )
    dataverse.records.delete("contact", record_id)
    assert dataverse.records.retrieve("contact", record_id) is None


def test_query_with_paging(dataverse):
    pages = [
        list(page)
        for page in dataverse.records.list_pages(
            "contact", select=["fullname"], filter="statecode eq 0", page_size=50
        )
    ]
    assert len(pages) >= 6
    assert all(len(p) <= 50 for p in pages)
    ids = [r["contactid"] for page in pages for r in page]
    assert len(ids) == len(set(ids)) >= 300


def test_create_many_and_picklist_label(dataverse):
    ids = dataverse.records.create(
        "contact",
        [{"lastname": f"Batch{i}", "gendercode": "Female"} for i in range(3)],
    )
    assert len(ids) == 3
    got = dataverse.records.retrieve("contact", ids[0], select=["gendercode"])
    assert got["gendercode"] == 2


def test_table_metadata(dataverse):
    info = dataverse.tables.get("contact")
    assert info["entity_set_name"] == "contacts"
    assert info["primary_id_attribute"] == "contactid"
    assert dataverse.tables.get("cr7a3_loyaltycard")["entity_set_name"] == "cr7a3_loyaltycards"
    assert dataverse.tables.get("nosuchtable") is None
