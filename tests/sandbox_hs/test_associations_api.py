"""Associations v4 over real TLS: labelled and default links, unlinking, paging, the batch
calls (create / associate default / read / archive / labels archive, 207 per-input errors),
the pair's labels, archived records, and the seeded links of the shared sandbox."""

from __future__ import annotations

import pytest

from crmlink.sandbox.hubspot.app import HubSpotSandbox
from tests.sandbox_hs.conftest import hs_client

PRIMARY = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    sandbox = HubSpotSandbox(state_dir=tmp_path_factory.mktemp("hs-assoc"), records=0)
    sandbox.start()
    with hs_client(sandbox) as c:
        yield c
    sandbox.stop()


def make(client, object_type: str, **props: str) -> int:
    answer = client.post(f"/crm/v3/objects/{object_type}", json={"properties": props})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def linked(client, from_type: str, from_id: int, to_type: str) -> dict[int, list[int]]:
    answer = client.get(f"/crm/v4/objects/{from_type}/{from_id}/associations/{to_type}")
    assert answer.status_code == 200, answer.text
    return {
        r["toObjectId"]: sorted(t["typeId"] for t in r["associationTypes"])
        for r in answer.json()["results"]
    }


def test_labelled_link_both_ways_then_unlink(client):
    contact, company = make(client, "contacts", email="a@x.io"), make(client, "companies", name="X")
    put = client.put(
        f"/crm/v4/objects/contacts/{contact}/associations/companies/{company}", json=PRIMARY
    )
    assert put.status_code == 201
    assert put.json() == {
        "fromObjectTypeId": "0-1",
        "fromObjectId": contact,
        "toObjectTypeId": "0-2",
        "toObjectId": company,
        "labels": ["Primary"],
    }
    assert linked(client, "contacts", contact, "companies") == {company: [1, 279]}
    assert linked(client, "companies", company, "contacts") == {contact: [2, 280]}
    answer = client.get(f"/crm/v4/objects/0-1/{contact}/associations/0-2").json()
    assert answer["results"][0]["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
        {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
    ]
    gone = client.delete(f"/crm/v4/objects/companies/{company}/associations/contacts/{contact}")
    assert gone.status_code == 204
    assert linked(client, "contacts", contact, "companies") == {}


def test_default_link_answers_both_directions(client):
    deal, contact = make(client, "deals", dealname="D"), make(client, "contacts", email="d@x.io")
    answer = client.put(f"/crm/v4/objects/deals/{deal}/associations/default/contacts/{contact}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "COMPLETE" and body["startedAt"] and body["completedAt"]
    assert [
        (r["from"]["id"], r["to"]["id"], r["associationSpec"]["associationTypeId"])
        for r in body["results"]
    ] == [(str(deal), str(contact), 3), (str(contact), str(deal), 4)]
    assert linked(client, "contacts", contact, "deals") == {deal: [4]}


def test_a_new_primary_company_replaces_the_old(client):
    contact = make(client, "contacts", email="p@x.io")
    first, second = make(client, "companies", name="P1"), make(client, "companies", name="P2")
    for company in (first, second):
        path = f"/crm/v4/objects/contacts/{contact}/associations/companies/{company}"
        assert client.put(path, json=PRIMARY).status_code == 201
    assert linked(client, "contacts", contact, "companies") == {first: [279], second: [1, 279]}


def test_refusals(client):
    contact, company = make(client, "contacts", email="r@x.io"), make(client, "companies", name="R")
    base = f"/crm/v4/objects/contacts/{contact}/associations/companies"
    missing = client.put(f"{base}/999999", json=PRIMARY)
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
    wrong = client.put(
        f"{base}/{company}",
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
    )
    assert wrong.status_code == 400 and wrong.json()["category"] == "VALIDATION_ERROR"
    pair = client.put(
        f"/crm/v4/objects/companies/{company}/associations/default/companies/{company}"
    )
    assert pair.status_code == 400
    assert client.put(f"{base}/{company}", json=[]).status_code == 400
    assert client.get(f"/crm/v4/objects/contacts/{contact}/associations/widgets").status_code == 404


def test_paging_of_one_records_associations(client):
    company = make(client, "companies", name="Many")
    contacts = [make(client, "contacts", email=f"m{i}@x.io") for i in range(5)]
    for contact in contacts:
        path = f"/crm/v4/objects/companies/{company}/associations/default/contacts/{contact}"
        assert client.put(path).status_code == 200
    seen, url = [], f"/crm/v4/objects/companies/{company}/associations/contacts?limit=2"
    while url:
        page = client.get(url).json()
        seen += [r["toObjectId"] for r in page["results"]]
        nxt = page.get("paging", {}).get("next")
        url = nxt and nxt["link"]
        if nxt:
            assert nxt["link"].endswith(f"after={nxt['after']}") and "limit=2" in nxt["link"]
    assert seen == contacts


def test_archived_records_are_not_read(client):
    contact, company = make(client, "contacts", email="z@x.io"), make(client, "companies", name="Z")
    path = f"/crm/v4/objects/contacts/{contact}/associations/companies/{company}"
    assert client.put(path, json=PRIMARY).status_code == 201
    assert client.delete(f"/crm/v3/objects/companies/{company}").status_code == 204
    assert linked(client, "contacts", contact, "companies") == {}


def test_batch_create_read_and_archive(client):
    deal = make(client, "deals", dealname="B")
    contacts = [make(client, "contacts", email=f"b{i}@x.io") for i in range(3)]
    types = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]
    inputs = [{"from": {"id": str(deal)}, "to": {"id": str(c)}, "types": types} for c in contacts]
    created = client.post(
        "/crm/v4/associations/deals/contacts/batch/create",
        json={
            "inputs": [*inputs, {"from": {"id": str(deal)}, "to": {"id": "999999"}, "types": types}]
        },
    )
    assert created.status_code == 207
    body = created.json()
    assert body["numErrors"] == 1
    assert body["errors"][0]["context"] == {"toObjectId": ["999999"]}
    assert [r["toObjectId"] for r in body["results"]] == contacts
    assert (
        client.post(
            "/crm/v4/associations/deals/contacts/batch/create", json={"inputs": inputs[:1]}
        ).status_code
        == 201
    )

    lonely = make(client, "contacts", email="lonely@x.io")
    read = client.post(
        "/crm/v4/associations/contacts/deals/batch/read",
        json={"inputs": [{"id": str(contacts[0])}, {"id": str(lonely)}]},
    )
    assert read.status_code == 207
    body = read.json()
    assert body["results"] == [
        {
            "from": {"id": str(contacts[0])},
            "to": [
                {
                    "toObjectId": deal,
                    "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": 4, "label": None}
                    ],
                }
            ],
        }
    ]
    assert body["errors"][0]["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert body["errors"][0]["context"] == {"fromObjectId": [str(lonely)]}

    archived = client.post(
        "/crm/v4/associations/deals/contacts/batch/archive",
        json={
            "inputs": [{"from": {"id": str(deal)}, "to": [{"id": str(c)} for c in contacts[:2]]}]
        },
    )
    assert archived.status_code == 204
    assert linked(client, "deals", deal, "contacts") == {contacts[2]: [3]}


def test_batch_default_and_label_archive(client):
    contact, company = make(client, "contacts", email="l@x.io"), make(client, "companies", name="L")
    pair = {"from": {"id": str(contact)}, "to": {"id": str(company)}}
    default = client.post(
        "/crm/v4/associations/contacts/companies/batch/associate/default", json={"inputs": [pair]}
    )
    assert default.status_code == 200
    assert default.json()["results"][0]["associationSpec"]["associationTypeId"] == 279
    assert (
        client.put(
            f"/crm/v4/objects/contacts/{contact}/associations/companies/{company}", json=PRIMARY
        ).status_code
        == 201
    )
    dropped = client.post(
        "/crm/v4/associations/contacts/companies/batch/labels/archive",
        json={"inputs": [{**pair, "types": PRIMARY}]},
    )
    assert dropped.status_code == 204
    assert linked(client, "contacts", contact, "companies") == {company: [279]}
    too_many = client.post(
        "/crm/v4/associations/contacts/companies/batch/read",
        json={"inputs": [{"id": str(contact)}] * 1001},
    )
    assert too_many.status_code == 400


def test_labels_of_a_pair(client):
    answer = client.get("/crm/v4/associations/contacts/companies/labels")
    assert answer.status_code == 200
    assert answer.json()["results"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
        {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
    ]
    deals = client.get("/crm/v4/associations/deals/contacts/labels").json()["results"]
    assert deals == [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}]


def test_the_seeded_portal_links_contacts_companies_and_deals(hs_sandbox):
    with hs_client(hs_sandbox) as c:
        contacts = c.get("/crm/v3/objects/contacts", params={"limit": 20}).json()["results"]
        for contact in contacts:
            companies = linked(c, "contacts", int(contact["id"]), "companies")
            assert len(companies) == 1 and list(companies.values()) == [[1, 279]]
        deals = c.get("/crm/v3/objects/deals", params={"limit": 20}).json()["results"]
        assert deals
        for deal in deals:
            assert 1 <= len(linked(c, "deals", int(deal["id"]), "contacts")) <= 3
