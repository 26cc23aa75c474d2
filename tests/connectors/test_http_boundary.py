"""The one HTTP boundary (`connectors/_http.py`): retries, refreshes and error classes
through `httpx.MockTransport` fed with recorded CRM answers (tests/reference), values in
URL paths and `$batch` parts encoded so they cannot add segments, headers or requests,
and a traversing object name refused end to end against both sandboxes."""

from __future__ import annotations

import email.parser
import email.policy
import ssl
import uuid

import httpx
import pytest

from crmlink.connectors._http import RetryPolicy, url
from crmlink.connectors.dynamics import paths
from crmlink.connectors.dynamics.batch import Operation, encode
from crmlink.connectors.dynamics.describe import Entity
from crmlink.connectors.dynamics.http import DataverseHttp
from crmlink.connectors.dynamics.write import Writer
from crmlink.connectors.salesforce.http import SalesforceHttp
from crmlink.errors import (
    AuthError,
    FilterError,
    NotFoundError,
    RetryableError,
    UsageError,
)
from crmlink.model import AccountSettings, FieldKind, RemoteField, RemoteTable, WriteMode
from tests.connectors.conftest import connector as sf_connector
from tests.connectors.test_dynamics_support import dv_connector, dv_writable  # noqa: F401
from tests.reference import recorded
from tests.workflow.crm.conftest import capture_activity, shared_flow  # noqa: F401

K = FieldKind
FAST = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.002, max_retry_after=600)
SF_ACCOUNT = AccountSettings(
    name="sf-unit",
    type="salesforce",
    url="https://login.example.test",
    auth="refresh-token",
    client_id="client",
    secrets={"refresh_token": "rt"},
)
DV_ACCOUNT = AccountSettings(
    name="dv-unit",
    type="dynamics",
    url="https://org.crm.example.test",
    auth="password",
    username="user@example.test",
    client_id="client",
    tenant_id="tenant",
    secrets={"password": "pw"},
)


def restforce(name: str):
    return recorded("salesforce", "restforce", name)


def salesforce(handler, sleeps: list[float] | None = None) -> SalesforceHttp:
    sleep = sleeps.append if sleeps is not None else (lambda seconds: None)
    return SalesforceHttp(SF_ACCOUNT, FAST, sleep=sleep, transport=httpx.MockTransport(handler))


def sf_api(answer):
    """A handler: the token endpoint answers the recorded login, the API `answer(request)`."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/services/oauth2/token":
            return httpx.Response(200, json=restforce("auth_success_response.json"))
        return answer(request)

    return handler, seen


# -- retries, refreshes and error classes ---------------------------------------------------
def test_an_expired_salesforce_session_is_refreshed_once_and_the_call_replayed():
    tokens = iter(["auth_success_response.json", "refresh_success_response.json"])
    bearers: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/services/oauth2/token":
            return httpx.Response(200, json=restforce(next(tokens)))
        bearers.append(request.headers["Authorization"])
        if request.headers["Authorization"] != "Bearer refreshed_access_token":
            return httpx.Response(401, json=restforce("expired_session_response.json"))
        return httpx.Response(200, json=restforce("services_data_success_response.json"))

    http = salesforce(handler)
    assert http.json("GET", http.data("limits")) == restforce("services_data_success_response.json")
    assert http.auth.logins == 2 and bearers[-1] == "Bearer refreshed_access_token"
    assert len(bearers) == 2  # the first try, then the one replay


def test_503_then_429_are_retried_waiting_their_retry_after():
    answers = iter(
        [
            httpx.Response(503, headers={"Retry-After": "7"}, json=[{"errorCode": "X"}]),
            httpx.Response(429, headers={"Retry-After": "3"}, json=[{"errorCode": "X"}]),
            httpx.Response(200, json=restforce("services_data_success_response.json")),
        ]
    )
    handler, seen = sf_api(lambda request: next(answers))
    sleeps: list[float] = []
    http = salesforce(handler, sleeps)
    assert http.json("GET", http.data("limits")) == restforce("services_data_success_response.json")
    assert sleeps == [7.0, 3.0]
    assert http.api_calls == len(seen) == 4  # the login, then three tries


def test_a_recorded_salesforce_error_body_maps_to_its_class():
    body = restforce("sobject_query_error_response.json")  # INVALID_FIELD
    handler, _ = sf_api(lambda request: httpx.Response(400, json=body))
    http = salesforce(handler)
    with pytest.raises(FilterError, match="INVALID_FIELD"):
        http.json("GET", http.data("query"), params={"q": "SELECT Nope FROM Contact"})


def dataverse(answer, sleeps: list[float] | None = None) -> DataverseHttp:
    """A Dataverse client whose token endpoint answers the recorded Azure AD token."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/v2.0/token"):
            token = recorded("dynamics", "azure-ad-oauth", "v2_client_credentials_success.json")
            return httpx.Response(200, json=token)
        return answer(request)

    sleep = sleeps.append if sleeps is not None else (lambda seconds: None)
    return DataverseHttp(DV_ACCOUNT, FAST, sleep=sleep, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (404, "0x80040217", NotFoundError),  # record does not exist
        (400, "0x80060888", FilterError),  # unknown property in $select/$filter
        (403, "0x80040220", AuthError),  # caller lacks a privilege
    ],
)
def test_a_dataverse_error_envelope_maps_to_its_class(status, code, error):
    # The Web API's documented envelope (tests/reference holds no recorded error body).
    envelope = {"error": {"code": code, "message": "the service's own sentence"}}
    http = dataverse(lambda request: httpx.Response(status, json=envelope))
    with pytest.raises(error, match=code):
        http.json("GET", "contacts")


def test_a_recorded_azure_ad_refusal_is_an_auth_error_naming_the_secret():
    refusal = recorded("dynamics", "azure-ad-oauth", "v1_invalid_client_secret_401.json")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json=refusal)

    http = DataverseHttp(DV_ACCOUNT, FAST, transport=httpx.MockTransport(handler))
    with pytest.raises(AuthError, match="client secret"):
        http.json("GET", "WhoAmI")


def test_a_tls_verification_failure_is_a_usage_error_at_once():
    tries: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        failure = ssl.SSLCertVerificationError(1, "certificate verify failed")
        failure.verify_message = "self-signed certificate in certificate chain"
        raise httpx.ConnectError("TLS handshake failed", request=request) from failure

    sleeps: list[float] = []
    http = dataverse(handler, sleeps)
    with pytest.raises(UsageError, match="--ca-bundle") as caught:
        http.json("GET", "WhoAmI")
    assert "self-signed certificate" in str(caught.value)
    assert (len(tries), sleeps) == (1, [])


def test_a_connect_error_is_retried_then_a_retryable_error():
    tries: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    sleeps: list[float] = []
    http = dataverse(handler, sleeps)
    with pytest.raises(RetryableError, match="connection to Dataverse failed"):
        http.json("GET", "WhoAmI")
    assert len(tries) == FAST.attempts and len(sleeps) == FAST.attempts - 1


def test_a_broken_call_that_is_not_safe_to_repeat_is_in_doubt_and_not_resent():
    tries: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        raise httpx.RemoteProtocolError("peer closed the connection", request=request)

    http = dataverse(handler)
    with pytest.raises(RetryableError, match="outcome is unknown"):
        http.request("POST", "$batch", idempotent=False, content=b"")
    assert len(tries) == 1


# -- path segments -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("Contact/../Lead", "Contact%2F..%2FLead"),
        ("a b", "a%20b"),
        ("%2F", "%252F"),
        ("Kontakt_ü", "Kontakt_%C3%BC"),
        ("x?y#z", "x%3Fy%23z"),
    ],
)
def test_a_value_becomes_one_encoded_path_segment(value, encoded):
    assert url("/services/data/v59.0/sobjects", value, "describe") == (
        f"/services/data/v59.0/sobjects/{encoded}/describe"
    )


@pytest.mark.parametrize("value", ["", ".", "..", "Contact\r\nX-Injected: 1", "a\x00b"])
def test_dot_empty_and_control_character_segments_are_refused(value):
    with pytest.raises(UsageError):
        url("/services/data/v59.0/sobjects", value)


def test_the_encoded_segment_reaches_the_server_as_one_segment():
    handler, seen = sf_api(lambda request: httpx.Response(200, json={}))
    http = salesforce(handler)
    http.json("GET", http.data("sobjects", "Contact/../Lead", "describe"))
    assert seen[-1].url.raw_path == b"/services/data/v59.0/sobjects/Contact%2F..%2FLead/describe"


# -- OData keys and $batch ---------------------------------------------------------------
def test_an_odata_string_key_doubles_quotes_and_encodes_the_rest():
    assert paths.key_segment("contacts", "O'Brien/x", K.STRING, "lastname") == (
        "contacts(lastname='O''Brien%2Fx')"
    )


def test_an_odata_key_with_line_breaks_is_percent_encoded():
    segment = paths.key_segment("contacts", "a@b.c\r\nX-Injected: 1", K.EMAIL, "emailaddress1")
    assert segment == "contacts(emailaddress1='a@b.c%0D%0AX-Injected:%201')"


def test_an_odata_id_key_must_be_a_guid():
    assert paths.key_segment("accounts", "{0CBA34E3-5857-4717-B7FE-65FD12B9BF10}", K.ID) == (
        "accounts(0cba34e3-5857-4717-b7fe-65fd12b9bf10)"
    )
    with pytest.raises(FilterError, match="not a GUID"):
        paths.key_segment("accounts", "0cba34e3) or (1", K.ID)


@pytest.mark.parametrize("entity_set", ["contacts/../leads", "contacts(x)", ""])
def test_an_entity_set_that_is_not_an_identifier_is_refused(entity_set):
    with pytest.raises(UsageError):
        paths.key_segment(entity_set, "0cba34e3-5857-4717-b7fe-65fd12b9bf10", K.ID)


def batch_requests(content_type: str, body: bytes) -> list[list[str]]:
    """The lines (request line, headers) of each part of a `$batch` body, parsed as MIME."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = []
    for part in message.iter_parts():
        http = part.get_payload(decode=True).decode()
        head = http.replace("\r\n", "\n").split("\n\n", 1)[0]
        parts.append(head.split("\n"))
    return parts


CONTACT = Entity(
    RemoteTable(
        name="contact",
        label="Contact",
        custom=False,
        key_field="contactid",
        modified_field=None,
        fields=(
            RemoteField("contactid", "Contact", "UniqueidentifierType", K.ID),
            RemoteField("emailaddress1", "Email", "StringType", K.EMAIL, external_id=True),
            RemoteField("lastname", "Last Name", "StringType", K.STRING),
        ),
    ),
    "contacts",
)


def test_a_batch_for_a_key_with_an_injected_header_holds_one_request_and_no_such_header():
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, headers={"Content-Type": "multipart/mixed; boundary=b"})

    row = {"emailaddress1": "a@b.c\r\nX-Injected: 1", "lastname": "x"}
    list(Writer(dataverse(answer)).write(CONTACT, [row], WriteMode.UPSERT, "emailaddress1"))
    requests = batch_requests(sent[0].headers["Content-Type"], sent[0].content)
    assert len(requests) == 1
    request_line, *headers = requests[0]
    assert request_line.startswith("PATCH /api/data/v9.2/contacts(emailaddress1='a@b.c%0D%0A")
    assert not [h for h in headers if h.lower().startswith("x-injected")]


def test_a_batch_part_whose_header_holds_a_line_break_is_refused():
    operation = Operation("PATCH", "contacts(x)", {}, {"If-Match": "*\r\nX-Injected: 1"})
    with pytest.raises(UsageError, match="line break"):
        encode([operation], "/api/data/v9.2/")


# -- end to end: a traversing object name imports nothing ---------------------------------
TRAVERSAL = "Contact/../Lead"


def test_salesforce_refuses_a_traversing_object_name(sf_sandbox):
    with sf_connector(sf_sandbox) as opened, pytest.raises(UsageError, match=r"Contact/\.\./Lead"):
        list(opened.read(TRAVERSAL, ["Id"]))


def test_dynamics_refuses_a_traversing_table_name(dv_writable):  # noqa: F811
    with dv_connector(dv_writable) as opened, pytest.raises(UsageError, match=r"Contact/\.\./Lead"):
        list(opened.read(TRAVERSAL, ["lastname"]))


def test_a_workflow_importing_a_traversing_object_is_refused_and_imports_nothing(shared_flow):  # noqa: F811
    key = f"traversal-{uuid.uuid4().hex[:8]}"
    workflow = f"""
        name: traversal
        activities:
          read:
            type: crm
            operation: import
            account: sfdc
            object: "{TRAVERSAL}"
            fields: [Id]
            next: keep
          keep: {{type: capture, key: {key}}}
        """
    with pytest.raises(UsageError, match=r"no object 'Contact/\.\./Lead'"):
        shared_flow.run(workflow)
    assert shared_flow.rows(key) == []


def test_the_metadata_path_of_a_traversing_table_name_stays_one_segment():
    assert (
        paths.entity_definition(TRAVERSAL) == "EntityDefinitions(LogicalName='contact%2F..%2Flead')"
    )
