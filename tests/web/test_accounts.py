"""Account pages: create, edit, remove and test (against the Salesforce sandbox); secrets are
write-only: no page ever carries one."""

from __future__ import annotations

from tests.web.conftest import page_csrf

SECRETS = {"password": "Pw-7f3a91c2-never-shown", "security_token": "Tok-5be0d4-never-shown",
           "client_secret": "Cs-19ae77-never-shown"}  # fmt: skip
EVERY_PAGE = ["/", "/accounts", "/accounts/sf", "/accounts/sf/edit", "/accounts/new", "/users",
              "/api/accounts", "/api/me"]  # fmt: skip


def _form(sandbox, **extra) -> dict:
    info = sandbox.info()
    values = {"name": "sf", "type": "salesforce", "auth": "password", "url": info["url"],
              "username": info["username"], "client_id": info["client_id"],
              "ca_bundle": info["ca_bundle"]}  # fmt: skip
    return values | {f"secret_{k}": v for k, v in secrets_of(sandbox).items()} | extra


def secrets_of(sandbox) -> dict:
    info = sandbox.info()
    return {k: info[k] for k in ("password", "security_token", "client_secret")}


def _create(admin, sandbox, **extra):
    data = _form(sandbox, **extra) | {"csrf_token": page_csrf(admin)}
    return admin.post("/accounts", data=data)


def _all_html(client) -> str:
    return "\n".join(client.get(path).text for path in EVERY_PAGE)


def test_create_then_test_shows_the_org(signed_in, sf_sandbox, console):
    admin = signed_in("admin")
    answer = _create(admin, sf_sandbox)
    assert (answer.status_code, answer.headers["location"]) == (303, "/accounts/sf")
    settings = console.state.web.accounts().settings("sf")
    assert settings.secrets == secrets_of(sf_sandbox)
    tested = admin.post("/accounts/sf/test", data={"csrf_token": page_csrf(admin)})
    assert tested.status_code == 200
    assert f'<dd id="org-id">{sf_sandbox.org.org_id}</dd>' in tested.text
    assert sf_sandbox.info()["username"] in tested.text
    assert "calls" in tested.text


def test_htmx_test_gets_only_the_result_fragment(signed_in, sf_sandbox):
    admin = signed_in("admin")
    _create(admin, sf_sandbox)
    fragment = admin.post(
        "/accounts/sf/test", data={"csrf_token": page_csrf(admin)}, headers={"HX-Request": "true"}
    )
    assert fragment.text.lstrip().startswith('<section id="test-result"')
    assert sf_sandbox.org.org_id in fragment.text
    assert "<html" not in fragment.text


def test_an_operator_may_test(signed_in, sf_sandbox):
    _create(signed_in("admin"), sf_sandbox)
    operator = signed_in("operator")
    tested = operator.post("/accounts/sf/test", data={"csrf_token": page_csrf(operator)})
    assert sf_sandbox.org.org_id in tested.text


def test_a_failed_test_is_one_sentence_on_the_page(signed_in, sf_sandbox):
    admin = signed_in("admin")
    _create(admin, sf_sandbox, secret_password="wrong password")
    tested = admin.post("/accounts/sf/test", data={"csrf_token": page_csrf(admin)})
    assert tested.status_code == 200
    assert 'class="error"' in tested.text
    assert "org-id" not in tested.text


def test_secrets_never_reach_a_page(signed_in, console, sf_sandbox):
    admin = signed_in("admin")
    info = sf_sandbox.info()  # the sandbox refuses these secrets: the failed test's page too
    data = {"name": "sf", "type": "salesforce", "auth": "password", "url": info["url"],
            "ca_bundle": info["ca_bundle"], "username": info["username"],
            "client_id": info["client_id"], "csrf_token": page_csrf(admin)}  # fmt: skip
    data |= {f"secret_{k}": v for k, v in SECRETS.items()}
    assert admin.post("/accounts", data=data).status_code == 303
    assert console.state.web.accounts().settings("sf").secrets == SECRETS
    refused = admin.post("/accounts", data=data | {"url": "ftp://nope"})  # shown again
    assert refused.status_code == 400
    failed = admin.post("/accounts/sf/test", data={"csrf_token": page_csrf(admin)})
    assert 'class="error"' in failed.text
    html = _all_html(admin) + refused.text + failed.text
    for role in ("operator", "viewer"):
        html += _all_html(signed_in(role))
    for value in SECRETS.values():
        assert value not in html
        assert value[-6:] not in html  # not even a tail of it
    detail = admin.get("/accounts/sf").text
    assert detail.count('class="secret-state">set<') == 3


def test_edit_keeps_secrets_left_empty_and_replaces_typed_ones(signed_in, sf_sandbox, console):
    admin = signed_in("admin")
    _create(admin, sf_sandbox)
    form = {"url": sf_sandbox.info()["url"], "username": sf_sandbox.info()["username"],
            "client_id": sf_sandbox.info()["client_id"], "api_version": "58.0",
            "ca_bundle": sf_sandbox.info()["ca_bundle"], "secret_client_secret": "new secret",
            "csrf_token": page_csrf(admin)}  # fmt: skip
    answer = admin.post("/accounts/sf/edit", data=form)
    assert answer.status_code == 303
    settings = console.state.web.accounts().settings("sf")
    assert settings.api_version == "58.0"
    assert settings.secrets == secrets_of(sf_sandbox) | {"client_secret": "new secret"}
    assert "new secret" not in admin.get("/accounts/sf/edit").text


def test_a_refused_edit_changes_nothing(signed_in, sf_sandbox, console):
    admin = signed_in("admin")
    _create(admin, sf_sandbox)
    answer = admin.post(
        "/accounts/sf/edit", data={"url": "not a url", "csrf_token": page_csrf(admin)}
    )
    assert answer.status_code == 400
    assert 'class="error"' in answer.text
    assert console.state.web.accounts().get("sf").url == sf_sandbox.info()["url"]


def test_remove(signed_in, sf_sandbox, console):
    admin = signed_in("admin")
    _create(admin, sf_sandbox)
    answer = admin.post("/accounts/sf/remove", data={"csrf_token": page_csrf(admin)})
    assert (answer.status_code, answer.headers["location"]) == (303, "/accounts")
    assert console.state.web.accounts().list() == []
    assert admin.get("/accounts/sf").status_code == 404


def test_a_hostile_name_is_refused_and_escaped(signed_in, sf_sandbox):
    admin = signed_in("admin")
    answer = _create(admin, sf_sandbox, name="<script>alert(1)</script>")
    assert answer.status_code == 400
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;" in answer.text


def test_dashboard_counts_accounts(signed_in, sf_sandbox):
    admin = signed_in("admin")
    _create(admin, sf_sandbox)
    html = admin.get("/").text
    assert "<strong>1</strong> external account<" in html
    assert "No runs yet" in html
