"""Enumeration pages: list and values (inactive ones marked), and the sync dialog (CRM
enumeration | campaign enumeration | Replace) against the Salesforce sandbox: Start and
the result per enumeration; viewers may read but not sync; CSRF on the form."""

from __future__ import annotations

import re

from crmlink.catalog.enums import EnumStore, EnumValue
from crmlink.catalog.schemas import SchemaStore
from tests.web.conftest import page_csrf
from tests.web.test_wizard_page import run_to_end, sf_account

LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other",
                "Trade Show 2019"]  # fmt: skip


def _generated(signed_in, console, sandbox):
    sf_account(console, sandbox)
    operator = signed_in("operator")
    run_to_end(operator, ["Contact", "Lead"])
    return operator


def _hand_made(console, name: str, values: list[str]) -> None:
    with console.state.web.database.transaction() as conn:
        EnumStore(conn).sync(name, [EnumValue(v, v) for v in values], label="by hand",
                             multiple=False, source="hand", replace=False)  # fmt: skip


def _result_row(html: str, name: str) -> list[str]:
    found = re.search(rf'<tr data-enumeration="{re.escape(name)}">(.*?)</tr>', html, re.S)
    assert found, f"no result row for {name}"
    return re.findall(r"<td>(.*?)</td>", found.group(1), re.S)


def _sync(client, choices: dict[str, str]):
    data = {"account": "sf", "csrf_token": page_csrf(client, "/enums")} | choices
    return client.post("/enums/sync", data=data)


def test_the_dialog_lists_picklists_and_offers_new_or_existing(signed_in, console, sf_sandbox):
    operator = _generated(signed_in, console, sf_sandbox)
    _hand_made(console, "leadSource", ["Fax"])
    dialog = operator.get("/enums/sync", params={"account": "sf"}).text
    assert "List of &#39;Lead Source&#39; from &#39;Contact&#39;" in dialog
    assert '<tr data-picklist="Contact_Interests__c">' in dialog and "(multiple)" in dialog
    assert '<tr data-picklist="Lead_Status">' in dialog
    assert 'name="replace:Contact_LeadSource"' in dialog
    assert '<option value="leadSource" >leadSource</option>' in dialog  # an existing one
    assert sf_sandbox.info()["password"] not in dialog


def test_sync_with_replace_and_without(signed_in, console, sf_sandbox):
    operator = _generated(signed_in, console, sf_sandbox)
    _hand_made(console, "leadSource", ["Fax"])
    _hand_made(console, "salutations", ["Sir"])
    answer = _sync(operator, {
        "target:Contact_LeadSource": "leadSource", "replace:Contact_LeadSource": "on",
        "target:Contact_Salutation": "salutations",
        "target:Contact_Interests__c": "(new)",
    })  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert _result_row(answer.text, "leadSource")[1:] == ["", "6", "0", "1"]  # Fax removed
    created, added = _result_row(answer.text, "salutations")[1:3]
    assert (created, int(added)) == ("", len(_salutations(console)) - 1)  # Sir kept, CRM's added
    assert _result_row(answer.text, "Contact_Interests__c")[1] == "yes"
    assert "Lead_Status" not in answer.text  # left at "do not sync"
    with console.state.web.database.connect() as conn:
        enums = EnumStore(conn)
        assert [v.value for v in enums.get("leadSource").values] == LEAD_SOURCES
        assert enums.get("salutations").values[0].value == "Sir"  # kept: values were added
        assert enums.get("Contact_Interests__c").multiple is True
        field = SchemaStore(conn).get("sf_contact").by_remote()["LeadSource"]
        assert field.enumeration == "leadSource"


def _salutations(console) -> list[str]:
    with console.state.web.database.connect() as conn:
        return [v.value for v in EnumStore(conn).get("salutations").values]


def test_a_resync_preselects_the_linked_enumeration(signed_in, console, sf_sandbox):
    operator = _generated(signed_in, console, sf_sandbox)
    _sync(operator, {"target:Contact_LeadSource": "(new)"})
    dialog = operator.get("/enums/sync", params={"account": "sf"}).text
    row = dialog.split('<tr data-picklist="Contact_LeadSource">')[1].split("</tr>")[0]
    assert '<option value="Contact_LeadSource" selected>' in row
    again = _sync(operator, {"target:Contact_LeadSource": "Contact_LeadSource"})
    assert _result_row(again.text, "Contact_LeadSource")[1:] == ["", "0", "0", "0"]


def test_list_and_values_with_inactive_ones_marked(signed_in, console, sf_sandbox):
    operator = _generated(signed_in, console, sf_sandbox)
    _sync(operator, {"target:Contact_LeadSource": "(new)"})
    viewer = signed_in("viewer")
    listed = viewer.get("/enums").text
    assert '<a href="/enums/Contact_LeadSource">Contact_LeadSource</a>' in listed
    assert "<td>sf/Contact.LeadSource</td>" in listed
    shown = viewer.get("/enums/Contact_LeadSource").text
    assert '<tr class="inactive"><td>Trade Show 2019</td>' in shown
    assert "<td>Web</td><td>Web</td><td>yes</td>" in shown


def test_a_viewer_may_read_but_not_sync(signed_in, console, sf_sandbox):
    _generated(signed_in, console, sf_sandbox)
    viewer = signed_in("viewer")
    assert viewer.get("/enums").status_code == 200
    assert "Synchronize enumerations" not in viewer.get("/enums").text
    assert viewer.get("/enums/sync", params={"account": "sf"}).status_code == 403
    assert _sync(viewer, {"target:Contact_LeadSource": "(new)"}).status_code == 403
    with console.state.web.database.connect() as conn:
        assert EnumStore(conn).names() == []


def test_sync_without_the_csrf_token_is_refused(signed_in, console, sf_sandbox):
    operator = _generated(signed_in, console, sf_sandbox)
    data = {"account": "sf", "target:Contact_LeadSource": "(new)"}
    assert operator.post("/enums/sync", data=data).status_code == 403


def test_a_bad_enumeration_name_is_refused(signed_in, console, sf_sandbox):
    operator = _generated(signed_in, console, sf_sandbox)
    answer = _sync(operator, {"target:Contact_LeadSource": "<b>x y"})
    assert answer.status_code == 400
    assert "<b>x" not in answer.text and "is not PICKLIST=ENUMERATION" in answer.text


def test_an_unknown_enumeration_is_404(signed_in):
    assert signed_in("viewer").get("/enums/nothing").status_code == 404
