"""`POST /crm/v3/objects/{objectType}/search` over real TLS: HubSpot's answer shape, typed
filters through the wire, groups, paging, archived records, fresh writes, the 400s in
HubSpot's envelope, and the secondly limit (429, policy SECONDLY).

The module's own sandbox starts empty with a high search limit (the semantics tests search
many times a second); the rate-limit test has its own sandbox at HubSpot's 5 per second."""

from __future__ import annotations

import datetime as dt

import pytest

from crmlink.sandbox.hubspot.app import HubSpotSandbox
from tests.sandbox_hs.conftest import hs_client

SEARCH = "/crm/v3/objects/contacts/search"
PEOPLE = [
    # email, firstname, loyalty_points, date_of_birth, interests, hs_lead_status
    ("alice@example.com", "Alice", "10", "1990-01-02", "events;webinars", "NEW"),
    ("bob@hubspot.com", "bob", "9.5", "1985-06-30", "newsletter", "OPEN"),
    ("alice2@hubspot.com", "ALICE", "100", None, None, "NEW"),
    ("carol@example.org", "Carol Ann", "-3", None, None, None),
    ("dan@example.org", "Dan", None, None, None, None),
]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    started = HubSpotSandbox(
        state_dir=tmp_path_factory.mktemp("hs-search"), records=0, search_per_second=100_000
    )
    started.start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(sandbox):
    with hs_client(sandbox) as c:
        yield c


@pytest.fixture(scope="module")
def people(client) -> dict[str, str]:
    """email → id of the contacts made for this module."""
    made = {}
    for email, first, points, birthday, interests, status in PEOPLE:
        props = {
            "email": email,
            "firstname": first,
            "loyalty_points": points,
            "date_of_birth": birthday,
            "interests": interests,
            "hs_lead_status": status,
        }
        answer = client.post(
            "/crm/v3/objects/contacts",
            json={"properties": {k: v for k, v in props.items() if v is not None}},
        )
        assert answer.status_code == 201, answer.text
        made[email] = answer.json()["id"]
    return made


def search(client, body: dict, status: int = 200) -> dict:
    answer = client.post(SEARCH, json=body)
    assert answer.status_code == status, answer.text
    return answer.json()


def emails(client, body: dict) -> list[str]:
    return [r["properties"]["email"] for r in search(client, body)["results"]]


def one(prop: str, operator: str, **kw) -> dict:
    return {
        "filterGroups": [{"filters": [{"propertyName": prop, "operator": operator, **kw}]}],
        "properties": ["email"],
    }


def test_an_empty_body_lists_with_default_properties(client, people):
    body = search(client, {})
    assert body["total"] == len(PEOPLE)
    assert len(body["results"]) == len(PEOPLE)  # default page: 10
    first = body["results"][0]
    assert set(first) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert set(first["properties"]) == {
        "firstname",
        "lastname",
        "email",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
    }
    assert first["id"] == first["properties"]["hs_object_id"] == people["alice@example.com"]
    assert first["archived"] is False
    assert "paging" not in body


def test_requested_properties_come_with_the_server_kept_ones(client, people):
    result = search(client, {"properties": ["loyalty_points"], "limit": 1})["results"][0]
    assert set(result["properties"]) == {
        "loyalty_points",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
    }
    assert result["properties"]["loyalty_points"] == "10"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (one("firstname", "EQ", value="ALICE"), ["alice@example.com", "alice2@hubspot.com"]),
        (one("firstname", "IN", values=["alice"]), ["alice@example.com", "alice2@hubspot.com"]),
        (one("firstname", "IN", values=["Alice"]), []),
        (one("hs_lead_status", "EQ", value="NEW"), ["alice@example.com", "alice2@hubspot.com"]),
        (one("hs_lead_status", "EQ", value="new"), []),
        (one("loyalty_points", "GT", value="9.5"), ["alice@example.com", "alice2@hubspot.com"]),
        (
            one(
                "date_of_birth",
                "LT",
                value=str(int(dt.datetime(1989, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)),
            ),
            ["bob@hubspot.com"],
        ),
        (one("interests", "EQ", value="webinars"), ["alice@example.com"]),
        (
            one("email", "CONTAINS_TOKEN", value="*@hubspot.com"),
            ["bob@hubspot.com", "alice2@hubspot.com"],
        ),
        (one("loyalty_points", "NOT_HAS_PROPERTY"), ["dan@example.org"]),
    ],
)
def test_filters_by_property_type(client, people, body, expected):
    assert emails(client, body) == expected


def test_filter_groups_or_and(client, people):
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "firstname", "operator": "EQ", "value": "alice"},
                    {"propertyName": "loyalty_points", "operator": "LT", "value": "50"},
                ]
            },
            {"filters": [{"propertyName": "email", "operator": "EQ", "value": "DAN@example.org"}]},
        ],
        "properties": ["email"],
    }
    assert emails(client, body) == ["alice@example.com", "dan@example.org"]


def test_query_text(client, people):
    assert emails(client, {"query": "carol", "properties": ["email"]}) == ["carol@example.org"]


def test_paging_walks_every_result_once_with_the_total(client, people):
    seen, after, pages = [], None, 0
    while True:
        body = {
            "limit": 2,
            "sorts": [{"propertyName": "email", "direction": "DESCENDING"}],
            "properties": ["email"],
        }
        if after is not None:
            body["after"] = after
        page = search(client, body)
        assert page["total"] == len(PEOPLE)
        seen += [r["properties"]["email"] for r in page["results"]]
        pages += 1
        after = page.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break
        assert after == str(len(seen))  # HubSpot's cursor is the offset
    assert pages == 3
    assert seen == sorted((p[0] for p in PEOPLE), reverse=True)


def test_sdk_string_sorts(client, people):
    by_points = emails(client, {"sorts": ["-loyalty_points"], "properties": ["email"]})
    assert by_points == [
        "alice2@hubspot.com",
        "alice@example.com",
        "bob@hubspot.com",
        "carol@example.org",
        "dan@example.org",  # no value: last
    ]


def test_new_writes_are_found_at_once_and_archived_records_never(client, people):
    made = client.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "fresh@example.net", "firstname": "Fresh"}},
    )
    assert made.status_code == 201
    new_id = made.json()["id"]
    assert emails(client, one("firstname", "EQ", value="fresh")) == ["fresh@example.net"]
    stamp = made.json()["properties"]["lastmodifieddate"]
    window = one("hs_lastmodifieddate", "GTE", value=stamp)
    assert new_id in [r["id"] for r in search(client, window)["results"]]
    assert client.delete(f"/crm/v3/objects/contacts/{new_id}").status_code == 204
    assert emails(client, one("firstname", "EQ", value="fresh")) == []
    assert search(client, {})["total"] == len(PEOPLE)


@pytest.mark.parametrize(
    "body",
    [
        {
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}]
            * 6
        },
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 7}
            ]
        },
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 5}
            ]
            * 4
        },
        {"limit": 201},
        {"after": "10000"},
        {"sorts": ["email", "firstname"]},
        one("no_such_property", "EQ", value="x"),
        one("email", "SOUNDS_LIKE", value="x"),
    ],
)
def test_refusals_are_hubspot_400s(client, body):
    error = search(client, body, status=400)
    assert error["status"] == "error"
    assert error["category"] == "VALIDATION_ERROR"
    assert error["correlationId"] and error["message"]


def test_unknown_object_type_token_and_body(sandbox, client):
    missing = client.post("/crm/v3/objects/no_such_things/search", json={})
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    with hs_client(sandbox, token="pat-na1-not-a-token") as stranger:
        refused = stranger.post(SEARCH, json={})
    assert refused.status_code == 401
    assert refused.json()["category"] == "INVALID_AUTHENTICATION"
    broken = client.post(SEARCH, content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400


def test_other_object_types_and_the_custom_object(client):
    made = client.post("/crm/v3/objects/companies", json={"properties": {"name": "Acme Tools"}})
    assert made.status_code == 201
    found = client.post(
        "/crm/v3/objects/companies/search",
        json={
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": "acme"}
                    ]
                }
            ]
        },
    )
    assert found.status_code == 200
    assert [r["id"] for r in found.json()["results"]] == [made.json()["id"]]
    assert set(found.json()["results"][0]["properties"]) == {
        "name",
        "domain",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    }
    cards = client.post("/crm/v3/objects/loyalty_card/search", json={})
    assert cards.status_code == 200 and cards.json()["total"] == 0


def test_associations_pseudo_property(client, people):
    company = client.post("/crm/v3/objects/companies", json={"properties": {"name": "Linked"}})
    company_id = company.json()["id"]
    for email in ("bob@hubspot.com", "dan@example.org"):
        path = (
            f"/crm/v4/objects/contacts/{people[email]}/associations/default/companies/{company_id}"
        )
        assert client.put(path).status_code == 200
    by_company = one("associations.company", "EQ", value=company_id)
    assert emails(client, by_company) == ["bob@hubspot.com", "dan@example.org"]
    companies = client.post(
        "/crm/v3/objects/companies/search",
        json={
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "associations.contact",
                            "operator": "IN",
                            "values": [people["dan@example.org"]],
                        }
                    ]
                }
            ]
        },
    )
    assert [r["id"] for r in companies.json()["results"]] == [company_id]
    search(client, one("associations.company", "GT", value=company_id), status=400)
    search(client, one("associations.widget", "EQ", value="1"), status=400)


def test_search_answers_carry_no_rate_limit_headers(client):
    answer = client.post(SEARCH, json={})
    assert not [h for h in answer.headers if h.lower().startswith("x-hubspot-ratelimit")]


def test_five_searches_a_second_then_429_secondly(tmp_path):
    limited = HubSpotSandbox(state_dir=tmp_path, records=0)
    limited.start()
    try:
        with hs_client(limited) as c:
            answers = [c.post(SEARCH, json={}) for _ in range(6)]
            # other calls are not counted against the search bucket, nor it against them
            assert c.get("/crm/v3/objects/contacts").status_code == 200
            statuses = [a.status_code for a in answers]
            assert statuses[:5] == [200] * 5, statuses
            assert statuses[5] == 429
            body = answers[5].json()
            assert body["policyName"] == "SECONDLY"
            assert body["errorType"] == "RATE_LIMIT"
            assert body["message"] == "You have reached your secondly limit."
            assert c.post("/__sandbox__/clock?advance=1.5").status_code == 200
            assert c.post(SEARCH, json={}).status_code == 200
    finally:
        limited.stop()
