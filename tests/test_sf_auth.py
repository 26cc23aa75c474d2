"""Logins against the Salesforce sandbox: every OAuth grant, SOAP login, expiry, quota."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceRefusedRequest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.conftest import password_token, sf_client, tls


def _token(sandbox, **form) -> httpx.Response:
    info = sandbox.info()
    return httpx.post(f"{info['url']}/services/oauth2/token", data=form, verify=tls(sandbox))


def _assertion(sandbox, key_pem: bytes | None = None, **claims) -> str:
    info = sandbox.info()
    key_pem = key_pem or Path(info["private_key"]).read_bytes()
    body = {
        "iss": info["client_id"],
        "sub": info["username"],
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
        **claims,
    }
    return jwt.encode(body, key_pem, algorithm="RS256")


def _works(sandbox, token: dict) -> None:
    """The token opens a session simple-salesforce can use."""
    sf = sf_client(sandbox, token)
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == sandbox.org.count("Contact")


def test_password_grant_with_security_token(sf_sandbox):
    token = password_token(sf_sandbox)
    assert token["instance_url"] == sf_sandbox.url
    assert token["token_type"] == "Bearer"
    assert token["access_token"].startswith("00D")
    _works(sf_sandbox, token)


def test_password_without_security_token_is_refused(sf_sandbox):
    info = sf_sandbox.info()
    response = _token(
        sf_sandbox,
        grant_type="password",
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        username=info["username"],
        password=info["password"],
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "authentication failure",
    }


def test_client_credentials_grant(sf_sandbox):
    info = sf_sandbox.info()
    response = _token(
        sf_sandbox,
        grant_type="client_credentials",
        client_id=info["client_id"],
        client_secret=info["client_secret"],
    )
    assert response.status_code == 200
    _works(sf_sandbox, response.json())


def test_client_credentials_with_wrong_secret(sf_sandbox):
    info = sf_sandbox.info()
    response = _token(
        sf_sandbox, grant_type="client_credentials", client_id=info["client_id"], client_secret="x"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_jwt_bearer_signed_with_printed_key(sf_sandbox):
    response = _token(
        sf_sandbox,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(sf_sandbox),
    )
    assert response.status_code == 200, response.text
    _works(sf_sandbox, response.json())


def test_jwt_bearer_signed_with_another_key_is_refused(sf_sandbox):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    response = _token(
        sf_sandbox,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(sf_sandbox, key_pem=pem),
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_jwt_bearer_expired_assertion(sf_sandbox):
    response = _token(
        sf_sandbox,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(sf_sandbox, exp=int(time.time()) - 600),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_refresh_token_grant(sf_sandbox):
    info = sf_sandbox.info()
    response = _token(
        sf_sandbox,
        grant_type="refresh_token",
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        refresh_token=info["refresh_token"],
    )
    assert response.status_code == 200
    _works(sf_sandbox, response.json())
    bad = _token(
        sf_sandbox, grant_type="refresh_token", client_id=info["client_id"], refresh_token="nope"
    )
    assert bad.json() == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }


def test_unknown_grant_type(sf_sandbox):
    response = _token(sf_sandbox, grant_type="magic")
    assert response.json()["error"] == "unsupported_grant_type"


SOAP_LOGIN = """<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:urn="urn:partner.soap.sforce.com">
  <env:Body><urn:login><urn:username>{username}</urn:username>
  <urn:password>{password}</urn:password></urn:login></env:Body></env:Envelope>"""


def _soap_login(sandbox, username: str, password: str) -> httpx.Response:
    info = sandbox.info()
    return httpx.post(
        f"{info['url']}/services/Soap/u/59.0",
        content=SOAP_LOGIN.format(username=username, password=password),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"},
        verify=tls(sandbox),
    )


def test_soap_login_with_security_token(sf_sandbox):
    import xml.etree.ElementTree as ET

    info = sf_sandbox.info()
    response = _soap_login(sf_sandbox, info["username"], info["password"] + info["security_token"])
    assert response.status_code == 200
    ns = "{urn:partner.soap.sforce.com}"
    root = ET.fromstring(response.content)
    session = root.find(f".//{ns}sessionId").text
    server = root.find(f".//{ns}serverUrl").text
    assert server.startswith(f"{sf_sandbox.url}/services/Soap/u/59.0/")
    _works(sf_sandbox, {"access_token": session, "instance_url": sf_sandbox.url})


def test_soap_login_fault(sf_sandbox):
    response = _soap_login(sf_sandbox, sf_sandbox.info()["username"], "wrong")
    assert response.status_code == 500
    assert "<faultcode>sf:INVALID_LOGIN</faultcode>" in response.text
    assert "Invalid username, password, security token; or user locked out." in response.text


def test_soap_login_refuses_entities(sf_sandbox):
    body = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    info = sf_sandbox.info()
    response = httpx.post(
        f"{info['url']}/services/Soap/u/59.0", content=body, verify=tls(sf_sandbox)
    )
    assert response.status_code == 500
    assert "INVALID_REQUEST" in response.text


def test_expired_token_is_invalid_session_id(tmp_path):
    with SalesforceSandbox(state_dir=tmp_path, records=5, faults="token_lifetime=1") as sandbox:
        sf = sf_client(sandbox)
        sf.query("SELECT Id FROM Contact")
        time.sleep(1.2)
        with pytest.raises(SalesforceExpiredSession) as caught:
            sf.query("SELECT Id FROM Contact")
        assert caught.value.status == 401
        assert caught.value.content == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
        ]


def test_missing_token_is_invalid_session_id(sf_sandbox):
    response = httpx.get(f"{sf_sandbox.url}/services/data/v59.0/sobjects", verify=tls(sf_sandbox))
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_daily_quota_is_spent_then_refused(tmp_path):
    with SalesforceSandbox(state_dir=tmp_path, records=5, api_limit=3) as sandbox:
        sf = sf_client(sandbox)
        for _ in range(3):
            sf.query("SELECT Id FROM Contact")
        with pytest.raises(SalesforceRefusedRequest) as caught:
            sf.query("SELECT Id FROM Contact")
        assert caught.value.status == 403
        assert caught.value.content == [
            {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
        ]


def test_limit_info_header_counts_calls(sf_http):
    first = sf_http.get("/services/data/v59.0/limits")
    second = sf_http.get("/services/data/v59.0/limits")
    used_1 = int(first.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])
    used_2 = int(second.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])
    assert used_2 == used_1 + 1
    limits = second.json()["DailyApiRequests"]
    assert limits["Max"] - limits["Remaining"] == used_2


def test_credentials_survive_restart_with_state_dir(tmp_path):
    with SalesforceSandbox(state_dir=tmp_path, records=5) as first:
        info = first.info()
    with SalesforceSandbox(state_dir=tmp_path, records=5) as second:
        again = second.info()
        assert again["password"] == info["password"]
        assert again["ca_bundle"] == info["ca_bundle"]
        assert sf_client(second).query("SELECT COUNT() FROM Contact")["totalSize"] == 5
