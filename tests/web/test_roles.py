"""Roles are checked on the server, on every route: a viewer changes nothing, an operator
neither accounts nor users; an admin does both."""

from __future__ import annotations

import pytest

from crmlink.catalog.accounts import AccountInput
from tests.web.conftest import page_csrf

ADMIN_POSTS = ["/accounts", "/accounts/sf/edit", "/accounts/sf/remove", "/users",
               "/users/viewer/role", "/users/viewer/remove"]  # fmt: skip
ADMIN_PAGES = ["/accounts/new", "/accounts/sf/edit", "/users"]
FORM = {"name": "x", "type": "salesforce", "url": "https://example.invalid", "auth": "soap",
        "username": "u", "role": "admin", "password": "a long password"}  # fmt: skip


@pytest.fixture
def account(console):
    store = console.state.web.accounts()
    store.add(
        AccountInput(name="sf", type="salesforce", url="https://login.example.com", auth="soap",
                     username="ada", secrets={"password": "pw", "security_token": ""})
    )  # fmt: skip
    return store


def _refused_everything(client, account, console, paths):
    token = page_csrf(client)
    for path in paths:
        answer = client.post(path, data=FORM | {"csrf_token": token})
        assert answer.status_code == 403, path
        assert "This needs the admin role" in answer.text or "operator role" in answer.text
    assert [a.name for a in account.list()] == ["sf"]
    assert account.get("sf").url == "https://login.example.com"
    assert [(u.name, u.role) for u in console.state.web.users().list()] == [
        ("admin", "admin"), ("operator", "operator"), ("viewer", "viewer")]  # fmt: skip


def test_a_viewer_cannot_change_anything(signed_in, account, console):
    viewer = signed_in("viewer")
    _refused_everything(viewer, account, console, [*ADMIN_POSTS, "/accounts/sf/test"])


def test_an_operator_cannot_change_accounts_or_users(signed_in, account, console):
    _refused_everything(signed_in("operator"), account, console, ADMIN_POSTS)


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_admin_pages_are_refused_below_admin(signed_in, account, role):
    client = signed_in(role)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path


def test_a_viewer_reads_the_dashboard_and_accounts(signed_in, account):
    viewer = signed_in("viewer")
    assert "Dashboard" in viewer.get("/").text
    listing = viewer.get("/accounts").text
    assert 'href="/accounts/sf"' in listing
    assert "Add an account" not in listing  # no button for what the role may not do
    page = viewer.get("/accounts/sf").text
    assert "Test connection" not in page and "Remove this account" not in page


def test_an_admin_manages_users(signed_in, console):
    admin = signed_in("admin")
    token = page_csrf(admin)
    users = console.state.web.users()
    data = {"name": "grace", "role": "operator", "password": "a long password"}
    answer = admin.post("/users", data=data | {"csrf_token": token})
    assert answer.status_code == 303
    assert users.get("grace").role == "operator"
    assert users.verify("grace", "a long password") is not None
    admin.post("/users/grace/role", data={"role": "viewer", "csrf_token": token})
    assert users.get("grace").role == "viewer"
    admin.post("/users/grace/remove", data={"csrf_token": token})
    assert "grace" not in [u.name for u in users.list()]


def test_a_role_change_applies_to_a_signed_in_user_at_once(signed_in, users):
    operator = signed_in("operator")
    assert operator.get("/api/me").json()["role"] == "operator"
    users.set_role("operator", "viewer")
    assert operator.get("/api/me").json()["role"] == "viewer"


def test_the_last_admin_is_kept(signed_in, console):
    admin = signed_in("admin")
    token = page_csrf(admin)
    answer = admin.post("/users/admin/role", data={"role": "viewer", "csrf_token": token})
    assert answer.status_code == 400
    assert "the last admin" in answer.text
    assert console.state.web.users().get("admin").role == "admin"


def test_a_bad_new_user_is_one_sentence(signed_in):
    admin = signed_in("admin")
    data = {"name": "bad name!", "role": "viewer", "password": "a long password",
            "csrf_token": page_csrf(admin)}  # fmt: skip
    answer = admin.post("/users", data=data)
    assert answer.status_code == 400
    assert "a user name is 1 to 64 letters" in answer.text
    assert "a long password" not in answer.text
