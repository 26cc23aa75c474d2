"""The console in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

`crmlink web` runs as its own process against a home with a user; the browser signs in,
adds a Salesforce account for the in-process sandbox, tests it (htmx swaps the result in)
and sees the org id, then signs out. Chromium is never downloaded: a missing
/usr/bin/chromium skips these tests locally and fails them in CI (CRMLINK_REQUIRE_SERVICES=1,
as `.ci/run` sets it for PostgreSQL).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crmlink.catalog.users import UserStore
from crmlink.config import Settings
from crmlink.db import open_database
from tests.web.serving import free_port, wait_listening

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "browser test password"
pytestmark = pytest.mark.slow


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
    if os.environ.get("CRMLINK_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (CRMLINK_REQUIRE_SERVICES=1 requires it)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def web_console(tmp_path, monkeypatch):
    """`crmlink web` on a free port, for a home with an admin `ada`; its URL."""
    _require_chromium()
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMLINK_")}
    env |= {"CRMLINK_HOME": str(home), "CRMLINK_DATABASE_URL": f"sqlite:///{home}/crmlink.db"}
    with open_database(Settings.load(home, env=env)) as database:
        UserStore(database).add("ada", "admin", PASSWORD)
    port = free_port()
    command = [sys.executable, "-m", "crmlink.cli", "web", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stderr.close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    _require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox"],  # root in CI
        )
        context = browser.new_context()
        opened = context.new_page()
        opened.set_default_timeout(30_000)
        opened.console_errors = []
        opened.on("console", lambda m: m.type == "error" and opened.console_errors.append(m.text))
        yield opened
        context.close()
        browser.close()


def _sign_in(page, url: str) -> None:
    page.goto(f"{url}/accounts")
    assert page.url == f"{url}/sign-in"  # signed out: sent to sign in
    page.get_by_label("Name", exact=True).fill("ada")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()


def _add_account(page, sandbox) -> None:
    info = sandbox.info()
    page.get_by_role("link", name="Accounts", exact=True).click()
    page.get_by_role("link", name="Add an account").click()
    page.get_by_label("Name", exact=True).fill("sf")
    page.get_by_label("CRM", exact=True).select_option("salesforce")
    page.get_by_label("Auth method", exact=True).select_option("password")
    fields = {"URL": info["url"], "User name": info["username"], "Client id": info["client_id"],
              "CA bundle (path of a PEM file on the server)": info["ca_bundle"],
              "Password": info["password"], "Security token": info["security_token"],
              "Client secret": info["client_secret"]}  # fmt: skip
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Add the account").click()
    page.get_by_role("heading", name="Account sf").wait_for()


def test_sign_in_add_and_test_an_account_then_sign_out(web_console, page, sf_sandbox):
    _sign_in(page, web_console)
    _add_account(page, sf_sandbox)
    assert page.locator(".secret-state").all_inner_texts() == ["set", "set", "set"]
    page.get_by_role("button", name="Test connection").click()
    org = page.locator("#org-id")
    org.wait_for()
    assert org.inner_text() == sf_sandbox.org.org_id
    assert page.url == f"{web_console}/accounts/sf"  # htmx swapped the result in place
    assert sf_sandbox.info()["password"] not in page.content()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{web_console}/sign-in")
    page.goto(f"{web_console}/accounts/sf")
    assert page.url == f"{web_console}/sign-in"
    assert page.console_errors == []  # htmx runs under the CSP: no refused script or style


def test_a_wrong_password_stays_on_the_sign_in_page(web_console, page):
    page.goto(f"{web_console}/sign-in")
    page.get_by_label("Name", exact=True).fill("ada")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "The name or the password is wrong."
