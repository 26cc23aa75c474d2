"""Error mapping and type mapping, through httpx MockTransport fed with recorded
Salesforce responses (reference/salesforce/restforce, reference/salesforce/describe)."""

from __future__ import annotations

import json

import httpx
import pytest

from crmlink.connectors.salesforce import RetryPolicy, SalesforceConnector
from crmlink.connectors.salesforce import errors as sf_errors
from crmlink.connectors.salesforce.describe import TYPE_MAP, remote_table
from crmlink.errors import AuthError, FilterError, NotFoundError, QuotaExhausted, RetryableError
from crmlink.model import AccountSettings, FieldKind
from tests.reference import recorded, reference_path

TOKEN = {
    "access_token": "00Dx!token",
    "instance_url": "https://org.example.com",
    "id": "https://org.example.com/id/00Dx0000000001AAA/005x0000000001AAA",
    "token_type": "Bearer",
}


def _recorded(name: str) -> bytes:
    return reference_path("salesforce", "restforce", name).read_bytes()


def _connector(handler) -> SalesforceConnector:
    account = AccountSettings(
        name="mock",
        type="salesforce",
        url="https://login.example.com",
        auth="password",
        username="u@example.com",
        client_id="cid",
        secrets={"password": "pw-SECRET", "security_token": "TOK", "client_secret": "cs"},
    )
    opened = SalesforceConnector(
        account, retry=RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002)
    )
    opened.http.client._transport = httpx.MockTransport(handler)
    opened.http.sleep = lambda seconds: None
    return opened


def _answer(token=TOKEN, **paths):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/services/oauth2/token":
            return (
                httpx.Response(200, json=token)
                if token
                else httpx.Response(400, content=_recorded("auth_error_response.json"))
            )
        status, body = paths[request.url.path.rsplit("/", 1)[-1]]
        return httpx.Response(status, content=body)

    return handler


def test_recorded_invalid_grant_is_an_auth_error():
    opened = _connector(_answer(token=None))
    with pytest.raises(AuthError) as caught:
        opened.list_tables()
    assert "refused the login (authentication failure - Invalid Password)" in caught.value.message
    assert "SECRET" not in caught.value.message and "TOK" not in caught.value.message


def test_recorded_expired_session_relogs_in_then_gives_up():
    logins = []

    def handler(request):
        if request.url.path == "/services/oauth2/token":
            logins.append(1)
            return httpx.Response(200, json=TOKEN)
        return httpx.Response(401, content=_recorded("expired_session_response.json"))

    opened = _connector(handler)
    with pytest.raises(AuthError, match="INVALID_SESSION_ID"):
        opened.list_tables()
    assert len(logins) == 2  # the first login, and the one re-login


def test_recorded_query_error_is_a_filter_error():
    opened = _connector(_answer(query=(400, _recorded("sobject_query_error_response.json"))))
    with pytest.raises(FilterError, match="INVALID_FIELD"):
        opened.rest.pages("query", "SELECT Nope FROM Contact", dict).__next__()


def test_recorded_not_found():
    body = _recorded("sobject_delete_error_response.json")
    opened = _connector(_answer(sobjects=(404, body)))
    with pytest.raises(NotFoundError):
        opened.list_tables()


def test_503_is_retried_then_reported():
    seen = []

    def handler(request):
        if request.url.path == "/services/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        seen.append(1)
        body = [{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}]
        return httpx.Response(503, json=body, headers={"Retry-After": "0"})

    with pytest.raises(RetryableError) as caught:
        _connector(handler).list_tables()
    assert len(seen) == 3 and caught.value.retry_after == 0


def test_quota_message_uses_the_last_seen_usage():
    answers = iter(
        [
            httpx.Response(
                200, json={"sobjects": []}, headers={"Sforce-Limit-Info": "api-usage=9/10"}
            ),
            httpx.Response(403, json=[{"message": "x", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]),
        ]
    )

    def handler(request):
        if request.url.path == "/services/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        return next(answers)

    opened = _connector(handler)
    opened.list_tables()
    with pytest.raises(QuotaExhausted) as caught:
        opened.list_tables()
    assert caught.value.message == (
        "the org's daily API quota is spent: 9/10 calls; rerun after it resets or raise the limit"
    )


def test_recorded_composite_errors_become_rejects():
    body = json.loads(_recorded("sobject_composite_sobjects_success_response.json"))
    assert isinstance(body, list)
    failures = [r for r in body if not r.get("success")] or [
        {"errors": [{"statusCode": "X", "message": "m", "fields": ["F"]}]}
    ]
    reject = sf_errors.reject(failures[0]["errors"][0])
    assert reject.code and isinstance(reject.fields, tuple)


def test_bulk_error_text_is_parsed():
    reject = sf_errors.bulk_reject(
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    assert reject.code == "REQUIRED_FIELD_MISSING"
    assert reject.message == "Required fields are missing: [LastName]"
    assert reject.fields == ("LastName",)


@pytest.mark.parametrize(
    "name", ["cumulusci_Account_describe.json", "cumulusci_Event_describe.json"]
)
def test_recorded_describes_map_every_field(name):
    table = remote_table(recorded("salesforce", "describe", name))
    assert table.key_field == "Id" and table.modified_field == "SystemModstamp"
    for field in table.fields:
        assert field.kind == TYPE_MAP.get(field.remote_type, FieldKind.UNSUPPORTED)
    kinds = {f.remote_type: f.kind for f in table.fields}
    if "address" in kinds:
        assert kinds["address"] == FieldKind.COMPOUND
    combos = [f for f in table.fields if f.remote_type == "combobox"]
    assert all(f.kind == FieldKind.PICKLIST and not f.restricted for f in combos)


def test_type_mapping_table():
    assert TYPE_MAP["currency"] == FieldKind.DECIMAL
    assert TYPE_MAP["long"] == FieldKind.BIGINT
    assert TYPE_MAP["percent"] == FieldKind.DOUBLE
    assert TYPE_MAP["base64"] == FieldKind.BINARY
    assert TYPE_MAP["anyType"] == FieldKind.UNSUPPORTED
