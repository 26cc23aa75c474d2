"""The configuration wizard page against the Salesforce sandbox: tables listed with labels and
API names, search and select all, Start runs in the server with progress and log, the
result links to the schemas; roles and CSRF enforced."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from crmlink.catalog.accounts import AccountInput
from crmlink.catalog.schemas import SchemaStore
from crmlink.errors import UsageError
from crmlink.web.routes.wizard import Runs
from tests.web.conftest import page_csrf

RUN_PAGE = re.compile(r"^/wizard/runs/[\w-]+$")


def sf_account(console, sandbox, name: str = "sf") -> str:
    """An account for the sandbox in the console's catalog, as `account add` makes it."""
    info = sandbox.info()
    store = console.state.web.accounts()
    data = store.check_new(AccountInput(
        name=name, type="salesforce", url=info["url"], auth="password",
        username=info["username"], client_id=info["client_id"], ca_bundle=info["ca_bundle"],
    ))  # fmt: skip
    secrets = {k: info[k] for k in ("password", "security_token", "client_secret")}
    store.add(replace(data, secrets=secrets))
    return name


def start(client, tables: list[str], account: str = "sf"):
    data = {"account": account, "table": tables, "csrf_token": page_csrf(client, "/wizard")}
    return client.post("/wizard/start", data=data)


def wait_finished(client, run_path: str, within: float = 60.0) -> str:
    """The run's progress fragment once it says finished (polled as the page's htmx does)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        fragment = client.get(f"{run_path}/progress", headers={"HX-Request": "true"}).text
        if 'data-finished="yes"' in fragment:
            return fragment
        time.sleep(0.1)  # waiting for a condition: the run's thread finishing
    raise AssertionError(f"the wizard run {run_path} did not finish within {within} s")


def run_to_end(client, tables: list[str]) -> str:
    answer = start(client, tables)
    assert answer.status_code == 303, answer.text
    assert RUN_PAGE.match(answer.headers["location"])
    return wait_finished(client, answer.headers["location"])


def test_the_page_lists_the_crm_tables_with_labels_and_api_names(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    shown = signed_in("operator").get("/wizard", params={"account": "sf"})
    assert shown.status_code == 200, shown.text[-800:]
    assert 'value="Subscription__c"' in shown.text and ">Subscription</label>" in shown.text
    assert "<td>Subscription__c</td>" in shown.text
    assert "8 of 8 tables shown" in shown.text
    assert sf_sandbox.info()["password"] not in shown.text


def test_search_filters_and_keeps_the_ticked_tables(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    operator = signed_in("operator")
    params = {"account": "sf", "q": "camp", "table": ["Contact"]}
    fragment = operator.get("/wizard/tables", params=params, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="wizard-tables">')
    assert 'value="Campaign"' in fragment.text and 'value="CampaignMember"' in fragment.text
    assert 'type="checkbox" id="table-1" name="table" value="Account"' not in fragment.text
    assert '<input type="hidden" name="table" value="Contact">' in fragment.text
    assert "2 of 8 tables shown" in fragment.text


def test_select_all_ticks_every_shown_table(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    operator = signed_in("operator")
    params = {"account": "sf", "all": "1"}
    fragment = operator.get("/wizard/tables", params=params, headers={"HX-Request": "true"}).text
    assert fragment.count(" checked>") == 8


def test_start_runs_with_progress_log_and_links_to_the_schemas(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    done = run_to_end(signed_in("operator"), ["Contact", "Lead"])
    assert "Finished: 2 of 2 tables done." in done
    assert '<a href="/schemas/sf_contact">sf_contact</a>' in done
    assert '<a href="/schemas/sf_lead">sf_lead</a>' in done
    assert "Discovering table structure &#39;Contact&#39;" in done
    warning = '<li class="warning">warning: Contact.MailingAddress not stored: compound address'
    assert warning in done
    assert 'hx-trigger="every 1s"' not in done  # finished: the page stops polling
    with console.state.web.database.connect() as conn:
        assert {"sf_contact", "sf_lead"} <= set(SchemaStore(conn).names())


def test_a_running_page_polls_its_progress(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    operator = signed_in("operator")
    answer = start(operator, ["Account"])
    run_path = answer.headers["location"]
    wait_finished(operator, run_path)
    shown = operator.get(run_path).text  # the full page, once finished
    assert "Wizard run on sf" in shown and "Finished: 1 of 1 tables done." in shown


def test_a_rerun_migrates_and_shows_unchanged(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    operator = signed_in("operator")
    run_to_end(operator, ["Contact"])
    again = run_to_end(operator, ["Contact"])
    assert "<td>Contact</td><td>unchanged</td>" in again


def test_an_unknown_table_is_refused_before_any_run(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    answer = start(signed_in("operator"), ["Contact", "NoSuchTable"])
    assert answer.status_code == 400
    assert "the CRM has no table &#39;NoSuchTable&#39;" in answer.text


def test_an_unreachable_crm_is_said_on_the_page(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    console.state.web.accounts().edit("sf", {"url": "https://127.0.0.1:9"}, {})
    shown = signed_in("operator").get("/wizard", params={"account": "sf"})
    assert shown.status_code == 200, shown.text[-800:]
    assert 'role="alert">the connection to Salesforce failed' in shown.text


def test_a_viewer_may_not_open_or_start_the_wizard(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    viewer = signed_in("viewer")
    assert viewer.get("/wizard").status_code == 403
    data = {"account": "sf", "table": ["Contact"], "csrf_token": page_csrf(viewer)}
    assert viewer.post("/wizard/start", data=data).status_code == 403
    with console.state.web.database.connect() as conn:
        assert SchemaStore(conn).names() == []


def test_start_without_the_csrf_token_is_refused(signed_in, console, sf_sandbox):
    sf_account(console, sf_sandbox)
    answer = signed_in("operator").post("/wizard/start", data={"account": "sf", "table": "Contact"})
    assert answer.status_code == 403


def test_another_session_cannot_guess_a_run(signed_in):
    assert signed_in("operator").get("/wizard/runs/not-a-run").status_code == 404


def test_a_second_start_on_a_running_account_is_refused():
    runs = Runs()
    first = runs.new("sf", ["Contact"])
    with pytest.raises(UsageError, match="already running on 'sf'"):
        runs.new("sf", ["Lead"])
    assert runs.new("other", ["Lead"]).account == "other"  # another account may run
    first.finished = True
    assert runs.new("sf", ["Lead"]).account == "sf"  # once it is finished, it may run again
