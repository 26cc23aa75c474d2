"""axe-core (bundled by axe-playwright-python, no download at run time) on every console
page, signed in as admin with the pages seeded as `test_screenshots` seeds them, and on the
sign-in page: no violation of impact serious or critical."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
import pytest

from tests.web.test_browser import page, web_console  # noqa: F401 - fixtures
from tests.web.test_screenshots import WIDTHS, seed

pytestmark = pytest.mark.slow
AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")
BLOCKING = {"serious", "critical"}
AXE_SOURCE = AXE.read_text(encoding="utf-8") if AXE.is_file() else ""


def violations(page) -> list[str]:  # noqa: F811 - the fixture
    """axe's serious and critical violations of the page: 'rule: target, …'."""
    # evaluated through the DevTools protocol: the console's CSP refuses injected <script>s
    page.evaluate(AXE_SOURCE)
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): " + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in found
        if v["impact"] in BLOCKING
    ]


def test_no_serious_violations_on_any_page(web_console, page, sf_sandbox, tmp_path):  # noqa: F811
    assert AXE.is_file()
    paths = seed(page, web_console, sf_sandbox, tmp_path)
    problems: dict[str, list[str]] = {}
    for name, path in paths.items():
        page.goto(f"{web_console}{path}")
        for width in WIDTHS:  # at 390 px wide tables scroll: they must stay reachable
            page.set_viewport_size({"width": width, "height": 900})
            if found := violations(page):
                problems[f"{name}-{width}"] = found
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{web_console}/sign-in")
    if found := violations(page):
        problems["sign-in"] = found
    assert problems == {}


def test_axe_finds_a_violation_it_should(web_console, page):  # noqa: F811
    """The check is live: an image without alt text on a page is reported."""
    page.goto(f"{web_console}/sign-in")
    page.evaluate("() => { const i = document.createElement('img'); i.src = '/static/favicon.svg';"
                  " document.querySelector('main').append(i); }")  # fmt: skip
    assert any(v.startswith("image-alt") for v in violations(page))
