"""HubSpot's official Python SDK (`hubspot-api-client` 12.0.0), unchanged, against the
sandbox: configured only with the sandbox's URL as `host` and its CA as `ssl_ca_cert`
(`Client.create` hands both to every API's `Configuration`). Basic, batch, properties,
schemas and OAuth; search and associations are in `test_official_sdk_search.py`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import hubspot
import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.properties import PropertyCreate
from hubspot.oauth import ApiException as OAuthApiException

from tests.sandbox_hs.conftest import hs_client


def _client(sandbox, token: str | None = None) -> hubspot.Client:
    info = sandbox.info()
    return hubspot.Client.create(
        access_token=token or info["access_token"], host=info["url"], ssl_ca_cert=info["ca_bundle"]
    )


@pytest.fixture
def sdk(hs_sandbox) -> hubspot.Client:
    return _client(hs_sandbox)


def test_basic_create_get_update_archive_and_pages(sdk):
    made = sdk.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "sdk.basic@example.com", "firstname": "Sdk"}
        )
    )
    assert made.properties["email"] == "sdk.basic@example.com" and made.archived is False
    got = sdk.crm.contacts.basic_api.get_by_id(made.id, properties=["firstname"])
    assert got.properties["firstname"] == "Sdk" and got.created_at.year >= 2024
    by_email = sdk.crm.contacts.basic_api.get_by_id(
        "SDK.basic@example.com", id_property="email", properties=["email"]
    )
    assert by_email.id == made.id
    updated = sdk.crm.contacts.basic_api.update(
        made.id, SimplePublicObjectInput(properties={"lastname": "Client"})
    )
    assert updated.properties["lastname"] == "Client" and updated.updated_at >= got.updated_at
    sdk.crm.contacts.basic_api.archive(made.id)
    with pytest.raises(ApiException) as missing:
        sdk.crm.contacts.basic_api.get_by_id(made.id)
    assert missing.value.status == 404
    page = sdk.crm.contacts.basic_api.get_page(limit=50, properties=["email", "city"])
    assert len(page.results) == 50 and page.paging.next.after
    following = sdk.crm.contacts.basic_api.get_page(limit=50, after=page.paging.next.after)
    assert not {r.id for r in page.results} & {r.id for r in following.results}
    archived = sdk.crm.contacts.basic_api.get_page(limit=100, archived=True)
    assert archived.results and all(r.archived and r.archived_at for r in archived.results)
    gone = sdk.crm.contacts.basic_api.get_by_id(made.id, archived=True)
    assert gone.archived is True and gone.archived_at >= updated.updated_at
    cards = sdk.crm.objects.basic_api.get_page("loyalty_card", limit=3, properties=["card_number"])
    assert all(r.properties["card_number"].startswith("LC-") for r in cards.results)


def test_errors_reach_the_sdk_as_hubspot_sends_them(sdk):
    sdk.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "dup.sdk@example.com"})
    )
    with pytest.raises(ApiException) as conflict:
        sdk.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "dup.sdk@example.com"})
        )
    assert conflict.value.status == 409 and "Contact already exists" in conflict.value.body
    with pytest.raises(ApiException) as invalid:
        sdk.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"nope": "1"})
        )
    assert invalid.value.status == 400 and "PROPERTY_DOESNT_EXIST" in invalid.value.body


def test_batch_create_read_update_upsert_archive(sdk):
    emails = [f"sdk.batch{i}@example.com" for i in range(5)]
    created = sdk.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                SimplePublicObjectBatchInputForCreate(
                    properties={"email": e}, object_write_trace_id=e
                )
                for e in emails
            ]
        )
    )
    assert created.status == "COMPLETE" and len(created.results) == 5
    ids = [r.id for r in created.results]
    read = sdk.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=e) for e in emails],
            id_property="email",
            properties=["email"],
            properties_with_history=[],
        )
    )
    assert sorted(r.id for r in read.results) == sorted(ids)
    updated = sdk.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(id=i, properties={"lastname": "Batch"}) for i in ids
            ]
        )
    )
    assert {r.properties["lastname"] for r in updated.results} == {"Batch"}
    upserted = sdk.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id=emails[0], id_property="email", properties={"firstname": "Old"}
                ),
                SimplePublicObjectBatchInputUpsert(
                    id="sdk.upsert.new@example.com",
                    id_property="email",
                    properties={"firstname": "New"},
                ),
            ]
        )
    )
    assert sorted((r.properties["firstname"], r.new) for r in upserted.results) == [
        ("New", True),
        ("Old", False),
    ]
    sdk.crm.contacts.batch_api.archive(
        BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=i) for i in ids])
    )
    left = sdk.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=ids[0])], properties=[], properties_with_history=[]
        )
    )
    assert left.results == [] and left.num_errors == 1  # 207: the SDK's "with errors" model


def test_properties_get_all_and_create(sdk):
    props = {p.name: p for p in sdk.crm.properties.core_api.get_all("contacts").results}
    assert props["lifecyclestage"].field_type == "radio"
    assert [o.value for o in props["interests"].options][:2] == ["newsletter", "product_updates"]
    assert props["email"].has_unique_value is True
    made = sdk.crm.properties.core_api.create(
        "deals",
        PropertyCreate(
            name="sdk_flag",
            label="SDK flag",
            type="bool",
            field_type="booleancheckbox",
            group_name="dealinformation",
        ),
    )
    assert made.name == "sdk_flag" and made.type == "bool"
    assert sdk.crm.properties.core_api.get_by_name("deals", "sdk_flag").label == "SDK flag"


def test_schemas_get_all(sdk, hs_sandbox):
    schemas = sdk.crm.schemas.core_api.get_all().results
    card = next(s for s in schemas if s.name == "loyalty_card")
    assert card.fully_qualified_name == f"p{hs_sandbox.portal.portal_id}_loyalty_card"
    assert card.labels.singular == "Loyalty card" and card.object_type_id.startswith("2-")
    assert "card_number" in {p.name for p in card.properties}


def test_oauth_tokens_and_introspection(hs_sandbox):
    info = hs_sandbox.info()
    sdk = _client(hs_sandbox)
    redirect = "http://localhost:8976/callback"
    with hs_client(hs_sandbox, token="") as browser:
        consent = browser.get(
            "/oauth/authorize",
            params={"client_id": info["client_id"], "redirect_uri": redirect, "scope": "oauth"},
        )
    code = parse_qs(urlsplit(consent.headers["Location"]).query)["code"][0]
    tokens = sdk.oauth.tokens_api.create(
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect,
        client_id=info["client_id"],
        client_secret=info["client_secret"],
    )
    assert tokens.token_type == "bearer" and tokens.expires_in == 1800
    refreshed = sdk.oauth.tokens_api.create(
        grant_type="refresh_token",
        refresh_token=tokens.refresh_token,
        client_id=info["client_id"],
        client_secret=info["client_secret"],
    )
    about = sdk.oauth.access_tokens_api.get(refreshed.access_token)
    assert about.hub_id == info["portal_id"] and about.token == refreshed.access_token
    assert about.scopes == ["oauth"] and about.token_type == "access"
    assert sdk.oauth.refresh_tokens_api.get(tokens.refresh_token).client_id == info["client_id"]
    with_oauth = _client(hs_sandbox, token=refreshed.access_token)
    assert with_oauth.crm.deals.basic_api.get_page(limit=2).results
    sdk.oauth.refresh_tokens_api.archive(tokens.refresh_token)
    with pytest.raises(OAuthApiException) as gone:
        sdk.oauth.refresh_tokens_api.get(tokens.refresh_token)
    assert gone.value.status == 404
