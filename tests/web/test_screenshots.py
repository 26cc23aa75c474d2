"""Screenshots of every console page at 1280 px and 390 px wide, saved as artifacts
(`$CRMLINK_ARTIFACTS`, default `<repo>/build/screenshots/<page>-<width>.png`).

One browser session seeds what the pages need (account `sf` against the Salesforce
sandbox, a wizard run, its schema, a synced enumeration, workflow `contacts` with a run and
its rejects) and walks every page; `test_accessibility` reuses the same walk for axe-core.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import pytest

from tests.web.test_browser import _sign_in, page, web_console  # noqa: F401 - fixtures
from tests.web.test_browser_catalog import _only, _run_wizard, _sync_dialog
from tests.web.test_browser_workflows import _prepare

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
WIDTHS = (1280, 390)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def artifacts() -> Path:
    folder = Path(os.environ.get("CRMLINK_ARTIFACTS") or REPO / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def seed(page, url: str, sandbox, tmp_path) -> dict[str, str]:  # noqa: F811 - the fixture
    """Everything the pages show, made through the console; {page name: path}."""
    _prepare(tmp_path, sandbox)  # account sf and workflow contacts, in the catalog
    _sign_in(page, url)
    _run_wizard(page, url)
    wizard_run = page.url.removeprefix(url)
    _sync_dialog(page)
    sync = page.url.removeprefix(url)
    _only(page, "Contact_LeadSource", "(new)", replace=False)
    page.goto(f"{url}/workflows/contacts")
    page.get_by_role("button", name="Run now").click()
    page.wait_for_url(re.compile(rf"{re.escape(url)}/runs/\d+$"))
    page.locator("#run-status").filter(has_text=re.compile("succeeded|failed")).wait_for()
    run = page.url.removeprefix(url)
    return {
        "dashboard": "/", "accounts": "/accounts", "account": "/accounts/sf",
        "account-form": "/accounts/new", "account-edit": "/accounts/sf/edit",
        "users": "/users", "wizard": "/wizard", "wizard-run": wizard_run,
        "schemas": "/schemas", "schema": "/schemas/sf_contact", "enums": "/enums",
        "enum": "/enums/Contact_LeadSource", "enum-sync": sync,
        "workflows": "/workflows", "workflow": "/workflows/contacts",
        "upload": "/workflows/upload", "runs": "/runs", "run": run,
        "rejects": f"{run}/rejects",
    }  # fmt: skip


def png_width(path: Path) -> int:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return struct.unpack(">I", head[16:20])[0]


def _shoot(page, name: str, width: int, folder: Path) -> Path:  # noqa: F811 - the fixture
    page.set_viewport_size({"width": width, "height": 900})
    path = folder / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_every_page_at_both_widths(web_console, page, sf_sandbox, tmp_path):  # noqa: F811
    paths = seed(page, web_console, sf_sandbox, tmp_path)
    folder = artifacts()
    shots: list[tuple[Path, int]] = []
    for name, path in paths.items():
        answer = page.goto(f"{web_console}{path}")
        assert answer is not None and answer.status == 200, (name, path)
        for width in WIDTHS:
            shots.append((_shoot(page, name, width, folder), width))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{web_console}/sign-in")
    shots += [(_shoot(page, "sign-in", width, folder), width) for width in WIDTHS]
    for shot, width in shots:
        assert shot.exists() and png_width(shot) == width, shot
    assert len(shots) == 2 * (len(paths) + 1)
    assert page.console_errors == []
