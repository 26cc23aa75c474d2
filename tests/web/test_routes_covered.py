"""Every route of the console is requested by some test of tests/web.

COVERED maps each (method, path) of `create_app(...).routes` to the test module that
requests it (`module | text` when the module builds the path, e.g. from a redirect's
location: the text it writes); the check fails when a route has no entry, an entry names
a route that no longer exists, or the named module does not request that path (a literal of it, with
`{parameters}` standing for any segment). Then every GET page is tried signed out (sent to
/sign-in) and as a viewer (200, or 403 when the page needs a higher role)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from tests.web.conftest import sign_in

HERE = Path(__file__).parent
COVERED: dict[tuple[str, str], str] = {
    ("GET", "/"): "test_dashboard.py",
    ("GET", "/sign-in"): "test_security.py",
    ("POST", "/sign-in"): "test_security.py",
    ("POST", "/sign-out"): "test_security.py",
    ("GET", "/api/me"): "test_roles.py",
    ("GET", "/api/accounts"): "test_accounts.py",
    ("GET", "/accounts"): "test_accounts.py",
    ("POST", "/accounts"): "test_accounts.py",
    ("GET", "/accounts/new"): "test_accounts.py",
    ("GET", "/accounts/{name}"): "test_accounts.py",
    ("GET", "/accounts/{name}/edit"): "test_accounts.py",
    ("POST", "/accounts/{name}/edit"): "test_accounts.py",
    ("POST", "/accounts/{name}/remove"): "test_accounts.py",
    ("POST", "/accounts/{name}/test"): "test_accounts.py",
    ("GET", "/users"): "test_roles.py",
    ("POST", "/users"): "test_roles.py",
    ("POST", "/users/{name}/role"): "test_roles.py",
    ("POST", "/users/{name}/remove"): "test_roles.py",
    ("GET", "/wizard"): "test_wizard_page.py",
    ("GET", "/wizard/tables"): "test_wizard_page.py",
    ("POST", "/wizard/start"): "test_wizard_page.py",
    ("GET", "/wizard/runs/{run_id}"): "test_wizard_page.py",
    ("GET", "/wizard/runs/{run_id}/progress"): "test_wizard_page.py | {run_path}/progress",
    ("GET", "/schemas"): "test_schemas_page.py",
    ("GET", "/schemas/{name}"): "test_schemas_page.py",
    ("GET", "/enums"): "test_enums_page.py",
    ("GET", "/enums/sync"): "test_enums_page.py",
    ("POST", "/enums/sync"): "test_enums_page.py",
    ("GET", "/enums/{name}"): "test_enums_page.py",
    ("GET", "/workflows"): "test_workflows_page.py",
    ("GET", "/workflows/upload"): "test_workflows_page.py",
    ("POST", "/workflows/upload"): "test_workflows_page.py",
    ("GET", "/workflows/{name}"): "test_workflows_page.py",
    ("POST", "/workflows/{name}/run"): "test_workflows_page.py",
    ("GET", "/runs"): "test_workflows_page.py",
    ("GET", "/runs/{run_id}"): "test_workflows_page.py",
    ("GET", "/runs/{run_id}/progress"): "test_workflows_page.py | {location}/progress",
    ("GET", "/runs/{run_id}/rejects"): "test_workflows_page.py",
    ("GET", "/runs/{run_id}/rejects.csv"): "test_workflows_page.py",
}
# GET pages a viewer may not open (the roles each route `require`s)
ABOVE_VIEWER = {"/accounts/new", "/accounts/{name}/edit", "/users", "/wizard",
                "/wizard/tables", "/wizard/runs/{run_id}", "/wizard/runs/{run_id}/progress",
                "/enums/sync", "/workflows/upload"}  # fmt: skip
OPEN = {"/sign-in"}  # signed out too


def routes(app) -> set[tuple[str, str]]:
    return _walk(app.routes)


def _walk(table) -> set[tuple[str, str]]:
    """(method, path) of the API routes; recent FastAPI keeps an included router as one
    entry holding the router (whose routes carry the prefix already)."""
    found: set[tuple[str, str]] = set()
    for route in table:
        if isinstance(route, APIRoute):
            found |= {(method, route.path) for method in route.methods - {"HEAD"}}
        elif (router := getattr(route, "original_router", None)) is not None:
            found |= _walk(router.routes)
    return found


def literal(path: str) -> re.Pattern[str]:
    """A path as a test writes it: `{parameter}` is any segment (a value or an f-string
    field); the literal ends at a quote, `?` or `#`."""
    parts = [re.escape(p) for p in re.split(r"\{\w+\}", path)]
    return re.compile("[\"'](?:\\{?\\w*\\}?)?" + r"[^/\"'\s]+".join(parts) + "[\"'?#]")


def test_every_route_has_a_covering_test_and_no_entry_is_stale(console):
    actual = routes(console)
    assert sorted(actual - COVERED.keys()) == [], "routes with no test in COVERED"
    assert sorted(COVERED.keys() - actual) == [], "COVERED names routes that are gone"
    missing = []
    for (method, path), entry in COVERED.items():
        module, _, written = (part.strip() for part in entry.partition("|"))
        source = (HERE / module).read_text(encoding="utf-8")
        if not (written in source if written else literal(path).search(source)):
            missing.append((method, path, module))
    assert missing == [], "the named module does not request the path"


def test_the_literal_matcher_needs_the_whole_path():
    assert literal("/runs/{run_id}/rejects").search('f"/runs/{run_id}/rejects"')
    assert literal("/runs/{run_id}/rejects").search('"/runs/1/rejects?x"')
    assert not literal("/runs/{run_id}/rejects").search('"/runs/1/rejects.csv"')
    assert not literal("/accounts").search('"/accounts/new"')


def _get_pages(console) -> list[str]:
    return sorted(p for m, p in routes(console) if m == "GET" and not p.startswith("/api"))


def _concrete(path: str) -> str:
    return re.sub(r"\{\w+\}", "nothing", path)


def test_signed_out_every_page_sends_to_sign_in(console, client):
    for path in _get_pages(console):
        answer = client.get(_concrete(path), follow_redirects=False)
        if path in OPEN:
            assert answer.status_code == 200, path
        else:
            assert answer.status_code in (303, 307), (path, answer.status_code)
            assert answer.headers["location"].endswith("/sign-in"), path


@pytest.mark.parametrize("role", ["viewer"])
def test_a_viewer_opens_the_pages_its_role_allows(console, new_client, role):
    viewer = new_client()
    assert sign_in(viewer, role).status_code == 303
    for path in _get_pages(console):
        if "{" in path or path in OPEN:
            continue  # a page of a thing: needs the thing (the page tests open them)
        answer = viewer.get(path, follow_redirects=False)
        expected = 403 if path in ABOVE_VIEWER else 200
        assert answer.status_code == expected, (path, answer.status_code)
