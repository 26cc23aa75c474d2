"""`crmlink user add|list|remove|passwd|role`: passwords never on the command line, scrypt
hashes, one sentence and exit 2 for bad input."""

from __future__ import annotations

import json

from sqlalchemy import select

from crmlink.catalog.users import UserStore, check_password, users
from crmlink.db import open_database

PASSWORD = "a long enough password"


def test_add_from_stdin_and_list_json(crmlink, database_url):
    added = crmlink("user", "add", "ada", "--role", "admin", "--password-stdin", input=PASSWORD)
    assert added.exit_code == 0, added.output
    assert "Added user 'ada' (admin)" in added.output
    listed = json.loads(crmlink("user", "list", "--json").output)
    assert [(u["name"], u["role"]) for u in listed] == [("ada", "admin")]
    assert PASSWORD not in added.output


def test_the_password_is_stored_as_a_salted_scrypt_hash(crmlink, database_url):
    for name in ("ada", "grace"):
        crmlink("user", "add", name, "--password-stdin", input=PASSWORD)
    with open_database(database_url) as database, database.connect() as connection:
        hashes = connection.execute(select(users.c.password_hash)).scalars().all()
    assert all(h.startswith("scrypt$32768$8$1$") for h in hashes)
    assert hashes[0] != hashes[1]  # a salt of its own each
    assert all(check_password(PASSWORD, h) and not check_password("other", h) for h in hashes)


def test_add_from_an_environment_variable(crmlink, database_url):
    result = crmlink(
        "user", "add", "ada", "--password-from-env", "ADA_PW", env_extra={"ADA_PW": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    with open_database(database_url) as database:
        assert UserStore(database).verify("ada", PASSWORD) is not None


def test_no_password_option_on_the_command_line(crmlink):
    result = crmlink("user", "add", "ada", "--password", PASSWORD)
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_without_a_terminal_or_a_source_it_says_how(crmlink):
    result = crmlink("user", "add", "ada")
    assert result.exit_code == 2
    assert "--password-from-env VAR or --password-stdin" in result.output


def test_bad_input_is_one_sentence_and_exit_2(crmlink):
    cases = [
        (("user", "add", "bad name", "--password-stdin"), PASSWORD, "a user name is 1 to 64"),
        (("user", "add", "ada", "--role", "root", "--password-stdin"), PASSWORD, "role 'root'"),
        (("user", "add", "ada", "--password-stdin"), "short", "10 to 1024 characters"),
        (("user", "passwd", "nobody", "--password-stdin"), PASSWORD, "no user named 'nobody'"),
        (("user", "remove", "nobody", "--yes"), None, "no user named 'nobody'"),
    ]
    for args, given, said in cases:
        result = crmlink(*args, input=given)
        assert result.exit_code == 2, (args, result.output)
        assert said in result.output
        assert result.output.count("\n") == 1, result.output


def test_a_taken_name_is_refused(crmlink):
    crmlink("user", "add", "ada", "--password-stdin", input=PASSWORD)
    again = crmlink("user", "add", "ada", "--password-stdin", input=PASSWORD)
    assert again.exit_code == 2
    assert "already exists" in again.output


def test_passwd_role_and_remove(crmlink, database_url):
    crmlink("user", "add", "ada", "--role", "admin", "--password-stdin", input=PASSWORD)
    crmlink("user", "add", "bob", "--password-stdin", input=PASSWORD)
    assert (
        crmlink("user", "passwd", "bob", "--password-stdin", input="new password 1").exit_code == 0
    )
    assert crmlink("user", "role", "bob", "operator").exit_code == 0
    with open_database(database_url) as database:
        store = UserStore(database)
        assert store.verify("bob", "new password 1").role == "operator"
        assert store.verify("bob", PASSWORD) is None
    assert crmlink("user", "remove", "bob", "--yes").exit_code == 0
    assert [u["name"] for u in json.loads(crmlink("user", "list", "--json").output)] == ["ada"]


def test_the_last_admin_stays(crmlink):
    crmlink("user", "add", "ada", "--role", "admin", "--password-stdin", input=PASSWORD)
    for args in (("user", "remove", "ada", "--yes"), ("user", "role", "ada", "viewer")):
        result = crmlink(*args)
        assert result.exit_code == 2
        assert "'ada' is the last admin" in result.output


def test_remove_without_a_terminal_needs_yes(crmlink):
    crmlink("user", "add", "ada", "--password-stdin", input=PASSWORD)
    result = crmlink("user", "remove", "ada")
    assert result.exit_code == 2
    assert "add --yes" in result.output
