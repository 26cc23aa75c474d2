"""`crmlink account add|list|show|remove` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import stat

import pytest
from sqlalchemy import text

from crmlink.db import open_database
from tests.catalog.helpers import AUTH_CASES, SECRETS, SF_URL, stored_settings, write_pem_pair

ADD = ("account", "add", "sf", "--type", "salesforce", "--url", SF_URL)


@pytest.fixture
def pem(tmp_path):
    return write_pem_pair(tmp_path)


def auth_args(auth: str, key_path) -> list[str]:
    flags = list(AUTH_CASES[auth][0])
    return [*ADD, "--auth", auth, *(flags + [str(key_path)] if auth == "jwt" else flags)]


def accounts(crmlink) -> list[dict]:
    result = crmlink("account", "list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("auth", list(AUTH_CASES))
def test_add_with_secrets_from_env(crmlink, crmlink_home, database_url, pem, auth):
    needed = AUTH_CASES[auth][1]
    env = {f"SF_{name.upper()}": SECRETS[name] for name in needed}
    flags = [f"--secret-from-env=SF_{name.upper()}={name}" for name in needed]
    result = crmlink(*auth_args(auth, pem[0]), *flags, env_extra=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Added account 'sf' (salesforce, {auth}); check it with `crmlink account test sf`.\n"
    )
    settings = stored_settings(crmlink_home, database_url, "sf")
    assert settings.secrets == {name: SECRETS[name] for name in needed}
    assert (settings.auth, settings.url) == (auth, SF_URL)


@pytest.mark.parametrize("auth", list(AUTH_CASES))
def test_add_with_secrets_from_stdin(crmlink, crmlink_home, database_url, pem, auth):
    needed = AUTH_CASES[auth][1]
    lines = "# secrets\n\n" + "".join(f"{name}={SECRETS[name]}\n" for name in needed)
    result = crmlink(*auth_args(auth, pem[0]), "--secrets-stdin", input=lines)
    assert result.exit_code == 0, result.output
    assert stored_settings(crmlink_home, database_url, "sf").secrets == {
        name: SECRETS[name] for name in needed
    }


def test_secrets_are_prompted_without_echo(crmlink, crmlink_home, database_url, monkeypatch):
    monkeypatch.setattr("crmlink.cli.account._stdin_is_terminal", lambda: True)
    args = [*ADD, "--auth", "password", "--username", "u@x", "--client-id", "3MVG9"]
    typed = f"{SECRETS['password']}\n\n{SECRETS['client_secret']}\n"
    result = crmlink(*args, input=typed)
    assert result.exit_code == 0, result.output
    assert "Password: " in result.output
    assert "Security token (press Enter if none): " in result.output
    assert "Client secret: " in result.output
    assert SECRETS["password"] not in result.output
    assert SECRETS["client_secret"] not in result.output
    secrets = stored_settings(crmlink_home, database_url, "sf").secrets
    assert secrets == {
        "password": SECRETS["password"],
        "security_token": "",
        "client_secret": SECRETS["client_secret"],
    }


def test_only_missing_secrets_are_prompted(crmlink, monkeypatch):
    monkeypatch.setattr("crmlink.cli.account._stdin_is_terminal", lambda: True)
    env = {"SFP": SECRETS["password"]}
    args = [*ADD, "--auth", "soap", "--username", "u@x", "--secret-from-env", "SFP=password"]
    result = crmlink(*args, input="\n", env_extra=env)
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output and "Security token" in result.output


def refused(crmlink, args, message, **kwargs):
    result = crmlink(*args, **kwargs)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")
    assert "Traceback" not in result.output
    assert accounts(crmlink) == []
    return result


SOAP = [*ADD, "--auth", "soap", "--username", "u@x"]
SECRET_ENV = {"SFP": SECRETS["password"], "SFT": ""}
WITH_SECRETS = ["--secret-from-env", "SFP=password", "--secret-from-env", "SFT=security_token"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["account", "add", "sf", "--type", "salesforce", "--url", "http://acme.my.salesforce.com",
          "--auth", "soap", "--username", "u@x", *WITH_SECRETS],
         "crmlink only talks to CRMs over https; use https://acme.my.salesforce.com "
         "(TLS verification is always on)."),
        (["account", "add", "sf", "--type", "nosuchcrm", "--url", SF_URL, "--auth", "soap"],
         "unknown CRM type 'nosuchcrm': use --type salesforce, --type dynamics or --type "
         "hubspot."),
        ([*ADD, "--auth", "oauth"],
         "salesforce accounts have no --auth 'oauth': use one of soap, password, "
         "client-credentials, jwt, refresh-token."),
        ([*ADD, "--auth", "soap", *WITH_SECRETS],
         "--auth soap needs --username: add --username USER (the CRM user's login)."),
        ([*ADD, "--auth", "password", "--username", "u@x"],
         "--auth password needs --client-id: add --client-id ID (the client id of the CRM app "
         "the account signs in with)."),
        ([*ADD, "--auth", "jwt", "--username", "u@x", "--client-id", "3MVG9"],
         "--auth jwt needs --private-key: add --private-key FILE (the PEM private key of the "
         "certificate the CRM app trusts)."),
        ([*SOAP, "--tenant-id", "t1", *WITH_SECRETS],
         "--auth soap does not use --tenant-id: leave it out."),
        (["account", "add", "bad name", "--type", "salesforce", "--url", SF_URL, "--auth", "soap"],
         "account name 'bad name' is not valid: use 1 to 64 letters, digits, '-' or '_'."),
        ([*ADD, "--auth", "soap", "--url", "acme.my.salesforce.com"],
         "--url 'acme.my.salesforce.com' is not a CRM address: give one like "
         "https://mydomain.my.salesforce.com."),
        ([*SOAP, "--api-version", "latest"],
         "--api-version 'latest' is not a version: give one like 59.0."),
        (SOAP,
         "--auth soap needs a password secret: add --secret-from-env VAR=password, or a "
         "password=… line on stdin with --secrets-stdin (a terminal asks for it)."),
        ([*SOAP, "--secret-from-env", "SFP=passwd"],
         "--secret-from-env 'SFP=passwd' is not VAR=field: write e.g. SF_PASSWORD=password "
         "(field: password, security_token, client_secret, refresh_token, access_token)."),
        ([*SOAP, "--secret-from-env", "NOPE_UNSET=password"],
         "--secret-from-env NOPE_UNSET=password: the variable NOPE_UNSET is not set."),
        ([*SOAP, *WITH_SECRETS, "--secret-from-env", "SFP=client_secret"],
         "--auth soap does not use a client_secret secret: leave it out."),
        ([*SOAP, *WITH_SECRETS, "--secret-from-env", "SFP=password"],
         "the password secret is given twice: give it once."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_is_stored(crmlink, args, message):
    refused(crmlink, args, message, env_extra=SECRET_ENV)


def test_empty_password_is_refused(crmlink):
    refused(crmlink, [*SOAP, *WITH_SECRETS], "the password secret is empty: give its value.",
            env_extra={"SFP": "", "SFT": ""})  # fmt: skip


def test_bad_stdin_line_is_refused_without_echoing_it(crmlink):
    result = refused(
        crmlink, [*SOAP, "--secrets-stdin"],
        "line 1 of stdin is not field=value with a field among password, security_token, "
        "client_secret, refresh_token, access_token.",
        input=f"{SECRETS['password']}\n",
    )  # fmt: skip
    assert SECRETS["password"] not in result.output


@pytest.mark.parametrize("flag", ["--private-key", "--ca-bundle"])
def test_missing_file_is_refused(crmlink, tmp_path, flag):
    missing = tmp_path / "nope.pem"
    jwt = [*ADD, "--auth", "jwt", "--username", "u", "--client-id", "c"]
    args = [*(SOAP if flag == "--ca-bundle" else jwt), flag, str(missing)]
    message = f"{flag} {missing}: No such file or directory; give a readable PEM file."
    refused(crmlink, args, message)


def test_folder_as_private_key_is_refused(crmlink, tmp_path):
    args = [*ADD, "--auth", "jwt", "--username", "u", "--client-id", "c", "--private-key"]
    refused(crmlink, [*args, str(tmp_path)],
            f"--private-key {tmp_path}: Is a directory; give a readable PEM file.")  # fmt: skip


def test_private_key_that_is_not_pem_is_refused(crmlink, pem):
    args = [*ADD, "--auth", "jwt", "--username", "u", "--client-id", "c", "--private-key"]
    refused(crmlink, [*args, str(pem[1])],
            f"--private-key {pem[1]} holds no PEM private key: give a PEM file.")  # fmt: skip


def test_ca_bundle_and_api_version_are_stored(crmlink, crmlink_home, database_url, pem):
    args = [*SOAP, *WITH_SECRETS, "--ca-bundle", str(pem[1]), "--api-version", "59", "--sandbox"]
    assert crmlink(*args, env_extra=SECRET_ENV).exit_code == 0
    settings = stored_settings(crmlink_home, database_url, "sf")
    assert settings.ca_bundle == str(pem[1])
    assert (settings.api_version, settings.sandbox) == ("59.0", True)


def add_soap(crmlink, name="sf"):
    args = ["account", "add", name, *ADD[3:], "--auth", "soap", "--username", "u@x"]
    result = crmlink(*args, *WITH_SECRETS, env_extra=SECRET_ENV)
    assert result.exit_code == 0, result.output


def test_duplicate_name_is_refused_and_the_first_kept(crmlink):
    add_soap(crmlink)
    result = crmlink(*SOAP, *WITH_SECRETS, env_extra=SECRET_ENV)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: an account named 'sf' already exists: choose another name or remove it "
        "first with `crmlink account remove sf`.\n"
    )
    assert [a["name"] for a in accounts(crmlink)] == ["sf"]


def test_list_shows_accounts_as_text_and_json(crmlink):
    add_soap(crmlink, "sf-b")
    add_soap(crmlink, "sf-a")
    assert [a["name"] for a in accounts(crmlink)] == ["sf-a", "sf-b"]
    text_out = crmlink("account", "list").stdout
    header = ["name", "type", "auth", "url", "username", "api_version", "sandbox"]
    assert text_out.splitlines()[0].split() == header
    assert "sf-a" in text_out and SF_URL in text_out


def test_empty_list_says_how_to_add(crmlink):
    result = crmlink("account", "list")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "No accounts yet: add one with `crmlink account add`.\n"


def test_show_masks_secrets(crmlink):
    add_soap(crmlink)
    shown = crmlink("account", "show", "sf")
    as_json = crmlink("account", "show", "sf", "--json")
    for result in (shown, as_json):
        assert result.exit_code == 0 and SECRETS["password"] not in result.output
    data = json.loads(as_json.stdout)
    assert data["secrets"] == {"password": "••••YZ", "security_token": "(empty)"}
    assert data["url"] == SF_URL and data["username"] == "u@x"
    assert "secret password        ••••YZ" in shown.stdout


def test_unknown_account_names_close_ones(crmlink):
    add_soap(crmlink, "sf-prod")
    result = crmlink("account", "show", "sf-prd")
    assert result.exit_code == 2
    assert result.stderr == "Error: no account named 'sf-prd': did you mean 'sf-prod'?\n"


def test_remove_with_yes(crmlink):
    add_soap(crmlink)
    result = crmlink("account", "remove", "sf", "--yes")
    assert (result.exit_code, result.stdout) == (0, "Removed account 'sf'.\n")
    assert accounts(crmlink) == []


def test_remove_asks_first(crmlink, monkeypatch):
    monkeypatch.setattr("crmlink.cli.account._stdin_is_terminal", lambda: True)
    add_soap(crmlink)
    result = crmlink("account", "remove", "sf", input="n\n")
    assert result.exit_code == 1
    assert "account 'sf' was not removed; add --yes to remove it without asking." in result.stderr
    assert len(accounts(crmlink)) == 1
    assert crmlink("account", "remove", "sf", input="y\n").exit_code == 0
    assert accounts(crmlink) == []


def test_remove_unknown_account(crmlink):
    result = crmlink("account", "remove", "ghost", "--yes")
    assert result.exit_code == 2 and result.stderr.startswith("Error: no account named 'ghost'")


def test_secrets_are_encrypted_at_rest(crmlink, database_url, crmlink_home):
    add_soap(crmlink)
    with open_database(database_url) as database, database.connect() as connection:
        raw = connection.execute(text("SELECT * FROM accounts")).mappings().one()
    assert SECRETS["password"] not in json.dumps({k: str(v) for k, v in raw.items()})
    assert raw["secrets"].startswith("gAAAA")  # a Fernet token
    if database_url.startswith("sqlite"):
        raw_file = (crmlink_home.parent / "campaign.db").read_bytes()
        assert SECRETS["password"].encode() not in raw_file


def test_key_file_is_made_0600_and_refused_when_others_can_read(crmlink, crmlink_home):
    add_soap(crmlink)
    key = crmlink_home / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key.chmod(0o644)
    result = crmlink("account", "show", "sf")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: the secret key file {key} is readable by others (mode 0644): "
        f"run `chmod 600 {key}`.\n"
    )


def test_another_key_cannot_decrypt(crmlink, crmlink_home):
    from cryptography.fernet import Fernet

    add_soap(crmlink)
    other = {"CRMLINK_SECRET_KEY": Fernet.generate_key().decode()}
    result = crmlink("account", "show", "sf", env_extra=other)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot decrypt the secrets of account 'sf'")


def test_home_option_overrides_the_environment(crmlink, tmp_path):
    other = tmp_path / "other-home"
    no_url = {"CRMLINK_DATABASE_URL": ""}
    result = crmlink("account", "list", "--home", str(other), env_extra=no_url)
    assert result.exit_code == 0
    assert (other / "crmlink.db").exists()
