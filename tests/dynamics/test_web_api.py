"""Web API behaviours over the wire: filters, upserts, concurrency, limits, faults."""

from __future__ import annotations

import ssl
import time

import httpx
import jwt

from tests.dynamics.conftest import api_client, secret_token


def test_filter_operators_and_in(dv_http):
    body = dv_http.get(
        "contacts?$select=lastname,gendercode&$filter=(startswith(lastname,'S') or "
        "endswith(lastname,'n')) and not (gendercode eq null) and "
        "Microsoft.Dynamics.CRM.In(PropertyName='gendercode',PropertyValues=['1','2'])"
    ).json()
    assert body["value"]
    for row in body["value"]:
        assert row["lastname"][0] == "S" or row["lastname"].endswith("n")
        assert row["gendercode"] in (1, 2)


def test_filter_is_bound_not_pasted(dv_http):
    evil = "x' or 1=1 --"
    body = dv_http.get(
        "contacts", params={"$filter": f"lastname eq '{evil.replace(chr(39), chr(39) * 2)}'"}
    ).json()
    assert body["value"] == []


def test_unknown_property_error(dv_http):
    response = dv_http.get("contacts?$select=nosuch")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x80060888"


def test_upsert_by_alternate_key_and_conditions(dv_http):
    key = "contacts(emailaddress1='upsert.me@example.org')"
    assert (
        dv_http.patch(key, json={"lastname": "Upserted"}, headers={"If-Match": "*"}).status_code
        == 404
    )
    created = dv_http.patch(key, json={"lastname": "Upserted"})
    assert created.status_code == 204 and "contacts(" in created.headers["OData-EntityId"]
    again = dv_http.patch(key, json={"lastname": "Again"}, headers={"If-None-Match": "*"})
    assert again.status_code == 412 and again.json()["error"]["code"] == "0x80040237"
    got = dv_http.get(key + "?$select=lastname,emailaddress1").json()
    assert got["lastname"] == "Upserted"


def test_create_return_representation_and_etag_concurrency(dv_http):
    created = dv_http.post(
        "accounts",
        json={"name": "Etag Co", "revenue": 1234.5},
        headers={"Prefer": "return=representation"},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["revenue"] == 1234.5 and body["@odata.context"].endswith("#accounts/$entity")
    url = f"accounts({body['accountid']})"
    stale = dv_http.patch(url, json={"name": "x"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "0x80060882"
    ok = dv_http.patch(url, json={"name": "Etag Co 2"}, headers={"If-Match": body["@odata.etag"]})
    assert ok.status_code == 204


def test_bind_polymorphic_lookup_and_annotations(dv_http):
    account = dv_http.post(
        "accounts", json={"name": "Parent Co"}, headers={"Prefer": "return=representation"}
    ).json()
    contact = dv_http.post(
        "contacts",
        json={
            "lastname": "Child",
            "parentcustomerid_account@odata.bind": f"/accounts({account['accountid']})",
        },
        headers={"Prefer": "return=representation"},
    ).json()
    got = dv_http.get(
        f"contacts({contact['contactid']})?$select=_parentcustomerid_value",
        headers={"Prefer": 'odata.include-annotations="*"'},
    ).json()
    assert got["_parentcustomerid_value"] == account["accountid"]
    assert got["_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"] == "Parent Co"
    assert got["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "account"
    assert got["_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"] == (
        "parentcustomerid_account"
    )


def test_invalid_option_value(dv_http):
    response = dv_http.post("contacts", json={"lastname": "X", "gendercode": 99})
    assert (
        response.status_code == 400
        and "outside the valid range" in response.json()["error"]["message"]
    )


def test_metadata_csdl(dv_http):
    response = dv_http.get("$metadata")
    assert response.status_code == 200
    assert (
        '<EntitySet Name="contacts" EntityType="Microsoft.Dynamics.CRM.contact"/>' in response.text
    )


def test_global_option_sets(dv_http):
    body = dv_http.get("GlobalOptionSetDefinitions").json()
    names = {o["Name"] for o in body["value"]}
    assert {"cr7a3_tier", "cr7a3_interests"} <= names


def _wait_until_expired(token: dict) -> None:
    """Until the token's `exp` (a whole second, at most its lifetime away) has passed."""
    expires = jwt.decode(token["access_token"], options={"verify_signature": False})["exp"]
    while time.time() < expires + 0.05:
        time.sleep(0.05)


def test_expired_token_gives_401(dv_fresh):
    dv_fresh.faults.set(dv_fresh.faults.spec.model_copy(update={"token_lifetime": 1}))
    token = secret_token(dv_fresh)
    _wait_until_expired(token)
    with api_client(dv_fresh, token) as http:
        response = http.get("WhoAmI")
    assert response.status_code == 401
    assert response.json()["error"]["code"]
    assert "WWW-Authenticate" in response.headers


def test_a_token_lives_its_whole_lifetime(dv_fresh):
    """`exp` is whole seconds, rounded up from the moment of issue: a 1 s token is good
    for at least 1 s, whatever the fraction of the second it was issued in."""
    dv_fresh.faults.set(dv_fresh.faults.spec.model_copy(update={"token_lifetime": 1}))
    for _ in range(5):
        before = time.time()
        token = secret_token(dv_fresh)
        claims = jwt.decode(token["access_token"], options={"verify_signature": False})
        assert claims["exp"] >= before + 1 and claims["exp"] <= time.time() + 2
        time.sleep(0.13)


def test_service_protection_limit(dv_fresh):
    with api_client(dv_fresh) as http:
        codes = [http.get("WhoAmI").status_code for _ in range(6)]
        assert codes[:5] == [200] * 5 and codes[5] == 429
        response = http.get("WhoAmI")
    assert response.json()["error"]["code"] == "0x80072322"
    assert int(response.headers["Retry-After"]) >= 1


def test_fault_429_and_stats(dv_fresh):
    info = dv_fresh.info()
    context = ssl.create_default_context(cafile=info["ca_bundle"])
    with httpx.Client(base_url=info["url"], verify=context) as admin:
        admin.put("/__sandbox__/faults", content="429=1,retry_after=7").raise_for_status()
        with api_client(dv_fresh, {"access_token": "x"}) as http:
            response = http.get("contacts")
        assert response.status_code == 429 and response.headers["Retry-After"] == "7"
        admin.put("/__sandbox__/faults", content="").raise_for_status()
        assert admin.get("/__sandbox__/stats").json()["by_endpoint"]["GET contacts"] >= 1


def test_late_commit(dv_fresh):
    dv_fresh.faults.set(dv_fresh.faults.spec.model_copy(update={"late_commit": 1.0}))
    with api_client(dv_fresh) as http:
        response = http.post("accounts", json={"name": "Late Co"})
        assert response.status_code == 204
        url = response.headers["OData-EntityId"].split("/v9.2/")[1]
        assert http.get(url).status_code == 404
        time.sleep(1.5)
        assert http.get(url).json()["name"] == "Late Co"


def test_late_upsert_checked_as_create_lands_as_update(dv_fresh):
    """Two upserts by one alternate key answered while late: both are checked as creates
    (the record is not there yet); the second lands after the first, as an update. Its
    recorded draws are replayed by kind: the record's id is not taken for `modifiedon`."""
    dv_fresh.faults.set(dv_fresh.faults.spec.model_copy(update={"late_commit": 1.0}))
    key = "contacts(emailaddress1='late.upsert@example.org')"
    with api_client(dv_fresh) as http:
        first = http.patch(key, json={"lastname": "First"})
        second = http.patch(key, json={"lastname": "Second"})
        assert first.status_code == second.status_code == 204
        time.sleep(1.5)
        dv_fresh.faults.set(dv_fresh.faults.spec.model_copy(update={"late_commit": 0.0}))
        got = http.get(key + "?$select=lastname,modifiedon")
        assert got.status_code == 200, got.text
        assert got.json()["lastname"] == "Second"
        assert got.json()["modifiedon"].endswith("Z")  # a timestamp, not a recorded id
