"""A workflow run from its page in a real browser (Playwright, /usr/bin/chromium), against
the Salesforce sandbox over TLS: `crmlink web` as its own process runs it in the
background, htmx polls the progress until it has finished, and the rejects download as CSV.
"""

from __future__ import annotations

import csv

import pytest

from crmlink.catalog.accounts import AccountInput, AccountStore
from crmlink.catalog.secrets import SecretCipher
from crmlink.config import Settings
from crmlink.db import open_database
from crmlink.workflow import catalog
from tests.web.test_browser import _sign_in, page, web_console  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
FLOW = """\
name: contacts
activities:
  read:
    type: crm
    operation: import
    account: sf
    object: Contact
    fields: [Email, LastName]
    filter: "Email != null"
    order_by: [Email]
    limit: 5
    next: [save]
  save:
    type: update
    table: recipient
    operation: insert
    mapping: {email: Email, birth_date: LastName}
    rejects: [tidy]
  tidy: {type: dedup, keys: [Email]}
"""


def _prepare(tmp_path, sandbox) -> None:
    """The console's home (as `web_console` made it): account `sf` and `contacts`."""
    home = tmp_path / "home"
    env = {"CRMLINK_HOME": str(home), "CRMLINK_DATABASE_URL": f"sqlite:///{home}/crmlink.db"}
    settings = Settings.load(home, env=env)
    info = sandbox.info()
    account = AccountInput(
        name="sf", type="salesforce", url=info["url"], auth="password",
        username=info["username"], client_id=info["client_id"], ca_bundle=info["ca_bundle"],
        secrets={"password": info["password"], "security_token": info["security_token"],
                 "client_secret": info["client_secret"]},
    )  # fmt: skip
    flow = tmp_path / "contacts.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    with open_database(settings) as database:
        store = AccountStore(database, SecretCipher(settings.secret_key))
        store.add(store.check_new(account))
        catalog.add(database, flow)


def test_run_a_workflow_watch_it_finish_and_download_its_rejects(
    web_console,  # noqa: F811 - the fixture
    page,  # noqa: F811 - the fixture
    sf_sandbox,
    tmp_path,
):
    _prepare(tmp_path, sf_sandbox)
    _sign_in(page, web_console)
    page.get_by_role("link", name="Workflows", exact=True).click()
    page.get_by_role("link", name="contacts", exact=True).click()
    assert page.locator("svg.diagram g.activity").count() == 3
    page.get_by_role("button", name="Run now").click()
    page.wait_for_url(f"{web_console}/runs/1")
    status = page.locator("#run-status")
    page.wait_for_function(
        "() => ['succeeded', 'failed'].includes(document.querySelector('#run-status')"
        "?.textContent)",
        timeout=60_000,
    )  # htmx swapped the progress fragment in until the run ended
    assert status.inner_text() == "succeeded", page.locator("#run-progress").inner_text()
    save = page.locator('tr[data-activity="save"] td').all_inner_texts()
    assert save[:7] == ["save", "update", "succeeded", "1", "5", "0", "5"]
    read = page.locator('tr[data-activity="read"] td').all_inner_texts()
    assert int(read[7]) > 0  # API calls
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the rejects (CSV)").click()
    path = download_info.value.path()
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5
    assert list(rows[0]) == ["activity", "Id", "SystemModstamp", "Email", "LastName",
                             "error_code", "error_symbol", "error_message"]  # fmt: skip
    assert {r["error_symbol"] for r in rows} == {"birth_date"}
    assert page.console_errors == []  # htmx polled under the CSP: nothing refused
