"""HubSpot's official Python SDK (`hubspot-api-client`), unpatched, configured only with the
sandbox's host and CA, driving search (`crm.contacts.search_api.do_search`, paging, a 400)
and associations v4 (`basic_api`, `batch_api`, the labels in `schema.definitions_api`)."""

from __future__ import annotations

import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiArchive,
    PublicAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
    PublicObjectId,
)
from hubspot.crm.contacts import (
    ApiException,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectInputForCreate,
)

from crmlink.sandbox.hubspot.app import HubSpotSandbox

EMAILS = [f"sdk{i}@{'hubspot.com' if i % 2 else 'example.com'}" for i in range(7)]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    started = HubSpotSandbox(
        state_dir=tmp_path_factory.mktemp("hs-sdk"), records=0, search_per_second=100_000
    )
    started.start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def api(sandbox) -> HubSpot:
    info = sandbox.info()
    return HubSpot(
        access_token=info["access_token"], host=info["url"], ssl_ca_cert=info["ca_bundle"]
    )


@pytest.fixture(scope="module")
def contacts(api) -> list[str]:
    made = []
    for i, email in enumerate(EMAILS):
        props = {"email": email, "firstname": f"Sdk{i}", "loyalty_points": str(i * 10)}
        created = api.crm.contacts.basic_api.create(
            simple_public_object_input_for_create=SimplePublicObjectInputForCreate(properties=props)
        )
        made.append(created.id)
    return made


def test_do_search_filters_sorts_and_pages(api, contacts):
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(property_name="email", operator="CONTAINS_TOKEN", value="*@hubspot.com")
                ]
            )
        ],
        sorts=["-loyalty_points"],
        properties=["email", "loyalty_points"],
        limit=2,
    )
    found, pages = [], 0
    while True:
        page = api.crm.contacts.search_api.do_search(public_object_search_request=request)
        assert page.total == 3
        found += [(r.id, r.properties["loyalty_points"]) for r in page.results]
        pages += 1
        if page.paging is None:
            break
        request.after = page.paging.next.after
    assert pages == 2
    assert found == [(contacts[5], "50"), (contacts[3], "30"), (contacts[1], "10")]


def test_do_search_groups_and_between(api, contacts):
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(
                        property_name="loyalty_points",
                        operator="BETWEEN",
                        value="20",
                        high_value="40",
                    )
                ]
            ),
            FilterGroup(filters=[Filter(property_name="firstname", operator="EQ", value="SDK0")]),
        ],
    )
    page = api.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert [r.id for r in page.results] == [contacts[0], contacts[2], contacts[3], contacts[4]]
    assert page.results[0].properties["email"] == EMAILS[0]  # default properties


def test_do_search_past_the_cap_is_an_api_exception(api):
    request = PublicObjectSearchRequest(after="10000")
    with pytest.raises(ApiException) as raised:
        api.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert raised.value.status == 400
    assert '"category":"VALIDATION_ERROR"' in raised.value.body


def test_associations_v4_basic(api, contacts):
    company = api.crm.companies.basic_api.create(
        simple_public_object_input_for_create={"properties": {"name": "SDK Co"}}
    ).id
    v4 = api.crm.associations.v4
    made = v4.basic_api.create(
        "contacts",
        contacts[0],
        "companies",
        company,
        association_spec=[
            AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)
        ],
    )
    assert (made.from_object_id, made.to_object_id, made.labels) == (
        contacts[0],
        company,
        ["Primary"],
    )
    default = v4.basic_api.create_default("contacts", contacts[1], "companies", company)
    assert default.status == "COMPLETE"
    assert [r.association_spec.association_type_id for r in default.results] == [279, 280]
    page = v4.basic_api.get_page("companies", company, "contacts", limit=1)
    assert [r.to_object_id for r in page.results] == [contacts[0]]
    assert sorted(t.type_id for t in page.results[0].association_types) == [2, 280]
    rest = v4.basic_api.get_page("companies", company, "contacts", after=page.paging.next.after)
    assert [r.to_object_id for r in rest.results] == [contacts[1]]
    v4.basic_api.archive("contacts", contacts[1], "companies", company)
    left = v4.basic_api.get_page("companies", company, "contacts")
    assert [r.to_object_id for r in left.results] == [contacts[0]]
    labels = v4.schema.definitions_api.get_all("contacts", "companies")
    assert {(t.type_id, t.label) for t in labels.results} == {(279, None), (1, "Primary")}


def test_associations_v4_batch(api, contacts):
    deal = api.crm.deals.basic_api.create(
        simple_public_object_input_for_create={"properties": {"dealname": "SDK deal"}}
    ).id
    v4 = api.crm.associations.v4
    spec = [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=3)]
    created = v4.batch_api.create(
        "deals",
        "contacts",
        batch_input_public_association_multi_post=BatchInputPublicAssociationMultiPost(
            inputs=[
                PublicAssociationMultiPost(
                    _from=PublicObjectId(id=deal), to=PublicObjectId(id=c), types=spec
                )
                for c in contacts[2:5]
            ]
        ),
    )
    assert created.status == "COMPLETE" and len(created.results) == 3
    read = v4.batch_api.get_page(
        "deals",
        "contacts",
        batch_input_public_fetch_associations_batch_request=BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=deal)]
        ),
    )
    assert [t.to_object_id for t in read.results[0].to] == contacts[2:5]
    v4.batch_api.archive(
        "deals",
        "contacts",
        batch_input_public_association_multi_archive=BatchInputPublicAssociationMultiArchive(
            inputs=[
                PublicAssociationMultiArchive(
                    _from=PublicObjectId(id=deal), to=[PublicObjectId(id=contacts[2])]
                )
            ]
        ),
    )
    page = v4.basic_api.get_page("deals", deal, "contacts")
    assert [r.to_object_id for r in page.results] == contacts[3:5]
