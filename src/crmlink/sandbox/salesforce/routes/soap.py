"""SOAP `login()` of the partner API, as Adobe Campaign's external account uses it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

NS = {"env": "http://schemas.xmlsoap.org/soap/envelope/", "p": "urn:partner.soap.sforce.com"}


class SoapRequestError(ValueError):
    """The request body is not a SOAP login envelope."""


def parse_login(body: bytes) -> tuple[str, str]:
    """(username, password) from a login envelope; the password includes the token."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise SoapRequestError("DTDs are not allowed")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SoapRequestError(str(exc)) from None
    login = root.find(".//{urn:partner.soap.sforce.com}login")
    if login is None:
        raise SoapRequestError("no login element")
    username = login.findtext("{urn:partner.soap.sforce.com}username") or ""
    password = login.findtext("{urn:partner.soap.sforce.com}password") or ""
    return username, password


def login_response(
    instance_url: str, version: str, session_id: str, org_id: str, user_id: str, username: str
) -> str:
    server = f"{instance_url}/services/Soap/u/{version}/{org_id[:15]}"
    meta = f"{instance_url}/services/Soap/m/{version}/{org_id[:15]}"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<soapenv:Body><loginResponse><result>\
<metadataServerUrl>{escape(meta)}</metadataServerUrl>\
<passwordExpired>false</passwordExpired>\
<sandbox>true</sandbox>\
<serverUrl>{escape(server)}</serverUrl>\
<sessionId>{escape(session_id)}</sessionId>\
<userId>{escape(user_id)}</userId>\
<userInfo><accessibilityMode>false</accessibilityMode>\
<currencySymbol>$</currencySymbol>\
<orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>\
<organizationId>{escape(org_id)}</organizationId>\
<organizationName>crmlink sandbox</organizationName>\
<sessionSecondsValid>7200</sessionSecondsValid>\
<userEmail>{escape(username)}</userEmail>\
<userFullName>Sandbox Admin</userFullName>\
<userId>{escape(user_id)}</userId>\
<userName>{escape(username)}</userName>\
<userTimeZone>Etc/UTC</userTimeZone>\
</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"""


def fault(code: str, message: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<soapenv:Body><soapenv:Fault><faultcode>sf:{escape(code)}</faultcode>\
<faultstring>{escape(code)}: {escape(message)}</faultstring>\
<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{escape(code)}</sf:exceptionCode>\
<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault></detail>\
</soapenv:Fault></soapenv:Body></soapenv:Envelope>"""
