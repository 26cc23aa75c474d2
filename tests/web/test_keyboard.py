"""The console by keyboard alone (Playwright driving /usr/bin/chromium): Tab reaches every
interactive element of the sign-in page and of the dashboard (nav included), in page
order, and the focused element shows a visible :focus-visible outline."""

from __future__ import annotations

import pytest

from tests.web.test_browser import PASSWORD, page, web_console  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
INTERACTIVE = (
    "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, "
    "textarea, [tabindex]:not([tabindex='-1'])"
)
# The focused element: a description, whether it matches :focus-visible, its outline.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  return {id: e.outerHTML.slice(0, 80), visible: e.matches(':focus-visible'),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def _interactive(page) -> list[str]:  # noqa: F811 - the fixture
    return page.eval_on_selector_all(
        INTERACTIVE, "els => els.filter(e => e.offsetParent !== null)"
        ".map(e => e.outerHTML.slice(0, 80))"
    )  # fmt: skip


def _tab_through(page, stops: int) -> list[str]:  # noqa: F811 - the fixture
    """The elements focus visits from where it is (an autofocused field) over `stops` Tabs,
    each once, in order; every stop showed a visible outline."""
    reached: list[str] = []
    for press in range(stops + 1):
        if press:
            page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue  # focus left the page for the browser's own UI; the next Tab returns
        assert focused["visible"], focused
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
        if focused["id"] not in reached:
            reached.append(focused["id"])
    return reached


def _in_page_order(reached: list[str], expected: list[str]) -> bool:
    """Reached is expected started anywhere (after the last element, Tab wraps round)."""
    if not reached:
        return False
    first = expected.index(reached[0])
    return reached == expected[first:] + expected[:first]


def test_tab_reaches_the_sign_in_form_then_the_nav(web_console, page):  # noqa: F811
    page.goto(f"{web_console}/sign-in")
    expected = _interactive(page)
    assert len(expected) >= 4  # brand link, name, password, Sign in
    assert _in_page_order(_tab_through(page, 2 * len(expected) + 2), expected)
    page.goto(f"{web_console}/sign-in")  # sign in by keyboard only
    # the name is autofocused on a first visit; Chromium may skip autofocus on a revisit, so
    # Tab to it (a bounded number of stops)
    for _ in range(len(expected) + 1):
        if page.evaluate("document.activeElement && document.activeElement.id") == "name":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.type("ada")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{web_console}/")
    expected = _interactive(page)
    reached = _tab_through(page, 2 * len(expected) + 2)
    assert _in_page_order(reached, expected), (reached, expected)
    nav = page.get_by_role("navigation", name="Main").get_by_role("link").count()
    assert nav >= 7 and len(reached) > nav  # every nav link, sign out and the page's own


def test_the_focus_outline_is_not_the_default_when_unfocused(web_console, page):  # noqa: F811
    """The outline comes from :focus-visible: an element not focused has none."""
    page.goto(f"{web_console}/sign-in")
    outline = page.eval_on_selector("button", "e => getComputedStyle(e).outlineStyle")
    assert outline == "none"
