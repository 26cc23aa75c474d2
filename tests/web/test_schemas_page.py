"""Data schema pages: the list (built-in and generated) and a schema's fields, flags,
remote names, compound parts, enumeration links and change history; viewers may read."""

from __future__ import annotations

import re

from sqlalchemy import update

from crmlink.catalog.schema_tables import schema_fields
from tests.web.test_wizard_page import run_to_end, sf_account


def _row(html: str, remote: str) -> str:
    found = re.search(
        rf'<tr class="[^"]*" data-remote="{re.escape(remote)}">(.*?)</tr>', html, re.S
    )
    assert found, f"no field row for {remote}"
    return found.group(1)


def test_the_list_shows_the_builtin_and_generated_schemas(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    run_to_end(signed_in("operator"), ["Contact"])
    listed = signed_in("viewer").get("/schemas")
    assert listed.status_code == 200
    assert '<a href="/schemas/recipient">recipient</a></td><td>builtin</td>' in listed.text
    assert '<a href="/schemas/sf_contact">sf_contact</a></td><td>generated</td>' in listed.text
    assert "<td>crm_sf_contact</td>" in listed.text


def test_a_schema_shows_types_remote_names_and_flags(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    run_to_end(signed_in("operator"), ["Contact"])
    shown = signed_in("viewer").get("/schemas/sf_contact").text
    assert "<dt>CRM table</dt><dd>Contact</dd>" in shown
    assert 'class="flags">key' in _row(shown, "Id")
    assert "modified" in _row(shown, "SystemModstamp")
    assert "formula" in _row(shown, "Full_Name__c")
    assert "external id" in _row(shown, "External_Id__c")
    assert "<td>string(80)</td>" in _row(shown, "Email")
    assert "<td>MailingAddress</td>" in _row(shown, "MailingCity")  # a compound's part
    assert "created" in shown.split("Change history")[1]


def test_the_enumeration_link_and_a_reruns_history(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    operator = signed_in("operator")
    run_to_end(operator, ["Contact"])
    with console.state.web.database.transaction() as conn:
        conn.execute(update(schema_fields).where(schema_fields.c.remote_name == "Email")
                     .values(local_type="string", length=40))  # fmt: skip
    run_to_end(operator, ["Contact"])  # the wizard widens it back
    shown = signed_in("viewer").get("/schemas/sf_contact").text
    history = shown.split("Change history")[1]
    assert "widened" in history
    with console.state.web.database.transaction() as conn:
        conn.execute(update(schema_fields).where(schema_fields.c.remote_name == "LeadSource")
                     .values(enumeration="leadSource"))  # fmt: skip
    shown = signed_in("viewer").get("/schemas/sf_contact").text
    assert '<a href="/enums/leadSource">leadSource</a>' in _row(shown, "LeadSource")


def test_the_builtin_recipient_schema(signed_in):
    shown = signed_in("viewer").get("/schemas/recipient")
    assert shown.status_code == 200
    assert "<td>email</td>" in shown.text and "(a built-in schema)" in shown.text


def test_an_unknown_schema_is_404_and_a_hostile_name_is_escaped(signed_in):
    answer = signed_in("viewer").get("/schemas/%3Cscript%3Ex")
    assert answer.status_code == 404
    assert "<script>x" not in answer.text and "&lt;script&gt;x" in answer.text


def test_signed_out_is_sent_to_sign_in(client):
    answer = client.get("/schemas", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
