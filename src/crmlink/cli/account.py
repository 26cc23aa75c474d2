"""`crmlink account add|edit|list|show|remove|test`: the external accounts that reach CRMs.

Secrets never go on the command line: they are asked for without echo on a terminal, or
read from environment variables (`--secret-from-env VAR=field`) or from stdin
(`--secrets-stdin`, one `field=value` a line).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmlink.cli.common import (
    HomeOpt,
    JsonOpt,
    YesOpt,
    cli_errors,
    fail,
    open_catalog,
    print_fields,
    print_json,
    print_table,
)
from crmlink.cli.crm_help import (
    GeneratedHelpOption,
    auth_help,
    secret_fields_help,
    setting_help,
    types_help,
)
from crmlink.connectors.registry import spec_for
from crmlink.errors import UsageError

if TYPE_CHECKING:  # the catalog (SQLAlchemy, cryptography) is imported by the commands that run
    from crmlink.catalog.accounts import AccountEdit, AccountInput, AccountStore
    from crmlink.model import Identity

app = typer.Typer(help="External accounts: how crmlink reaches each CRM.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="The account's name (letters, digits, - and _).")]
LIST_COLUMNS = ("name", "type", "auth", "url", "username", "api_version", "sandbox")


def _store(home: Path | None) -> AccountStore:
    from crmlink.catalog.accounts import AccountStore
    from crmlink.catalog.secrets import SecretCipher

    settings, database = open_catalog(home)
    return AccountStore(database, SecretCipher(settings.secret_key))


@app.command("add")
@cli_errors()
def add(
    name: NameArg,
    crm_type: Annotated[
        str | None, GeneratedHelpOption(types_help, "--type", show_default=False)
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="The CRM's https:// address.", show_default=False)
    ] = None,
    auth: Annotated[str | None, GeneratedHelpOption(auth_help, show_default=False)] = None,
    username: Annotated[
        str | None, GeneratedHelpOption(setting_help("The CRM user's login", "username"))
    ] = None,
    client_id: Annotated[
        str | None, GeneratedHelpOption(setting_help("The CRM app's client id", "client_id"))
    ] = None,
    api_version: Annotated[str | None, typer.Option(help="API version, e.g. 59.0.")] = None,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="A Salesforce sandbox org.")] = False,
    ca_bundle: Annotated[
        Path | None, typer.Option(help="PEM file of CAs to trust for this CRM.")
    ] = None,
    private_key: Annotated[
        Path | None, GeneratedHelpOption(setting_help("PEM private key", "private_key"))
    ] = None,
    tenant_id: Annotated[
        str | None, GeneratedHelpOption(setting_help("Azure AD tenant id", "tenant_id"))
    ] = None,
    secret_from_env: Annotated[
        list[str] | None,
        GeneratedHelpOption(
            lambda: (
                "Read a secret from an environment variable: VAR=field "
                f"(field: {secret_fields_help()}). Repeatable."
            )
        ),
    ] = None,
    secrets_stdin: Annotated[
        bool,
        typer.Option("--secrets-stdin", help="Read secrets from stdin, one field=value a line."),
    ] = False,
    from_sandbox: Annotated[
        Path | None,
        typer.Option(
            help="Take --type, --url, --ca-bundle and the credentials from the ready line of "
            "the sandbox started with --state-dir DIR (waits for it).",
            show_default=False,
        ),
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Add an external account; secrets are asked for (no echo), or read from env or stdin."""
    from crmlink.catalog.accounts import AccountInput, check
    from crmlink.cli.secret_input import given_secrets

    from_box: dict[str, str] = {}
    if from_sandbox is not None:
        from crmlink.cli.from_sandbox import sandbox_values

        box = sandbox_values(from_sandbox, crm_type, auth)
        crm_type, auth, url = box.type, box.auth, url or box.url
        ca_bundle = ca_bundle or Path(box.ca_bundle)
        username = username or box.settings.get("username")
        client_id = client_id or box.settings.get("client_id")
        tenant_id = tenant_id or box.settings.get("tenant_id")
        private_key = private_key or _path(box.settings.get("private_key"))
        from_box = box.secrets
    if crm_type is None or url is None or auth is None:
        missing = [f for f, v in (("--type", crm_type), ("--url", url), ("--auth", auth)) if not v]
        raise UsageError(
            f"account add needs {', '.join(missing)}: give them, or --from-sandbox DIR to take "
            "them from a sandbox started with --state-dir DIR"
        )
    data = check(
        AccountInput(
            name=name,
            type=crm_type,
            url=url,
            auth=auth,
            username=username,
            client_id=client_id,
            api_version=api_version,
            sandbox=sandbox,
            ca_bundle=None if ca_bundle is None else str(ca_bundle),
            private_key=None if private_key is None else str(private_key),
            tenant_id=tenant_id,
        )
    )
    store = _store(home)
    data = store.check_new(data)
    secrets = from_box | given_secrets(secret_from_env or [], sys.stdin if secrets_stdin else None)
    if not secrets_stdin:
        secrets |= _asked_secrets(data, secrets)
    account = store.add(replace(data, secrets=secrets))
    typer.echo(
        f"Added account {account.name!r} ({account.type}, {account.auth}); "
        f"check it with `crmlink account test {account.name}`."
    )


def _path(value: str | None) -> Path | None:
    return None if value is None else Path(value)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _asked_secrets(data: AccountInput, given: dict[str, str]) -> dict[str, str]:
    """Ask, without echo, for the secrets the auth method needs and nobody gave."""
    from crmlink.catalog.accounts import auth_rule

    missing = [name for name in auth_rule(data.type, data.auth).secrets() if name not in given]
    if not missing or not _stdin_is_terminal():
        return {}
    return {name: _ask(name, data.type) for name in missing}


def _ask(name: str, crm_type: str) -> str:
    from crmlink.catalog.secrets import secret_label

    label = secret_label(name)
    if name in spec_for(crm_type).empty_secrets:
        label += " (press Enter if none)"
        return typer.prompt(label, hide_input=True, default="", show_default=False)
    return typer.prompt(label, hide_input=True)


@app.command("edit")
@cli_errors()
def edit(
    name: NameArg,
    url: Annotated[str | None, typer.Option(help="The CRM's new https:// address.")] = None,
    ca_bundle: Annotated[
        Path | None, typer.Option(help="PEM file of CAs to trust for this CRM.")
    ] = None,
    api_version: Annotated[str | None, typer.Option(help="API version, e.g. 59.0.")] = None,
    username: Annotated[
        str | None, GeneratedHelpOption(setting_help("The CRM user's login", "username"))
    ] = None,
    client_id: Annotated[
        str | None, GeneratedHelpOption(setting_help("The CRM app's client id", "client_id"))
    ] = None,
    tenant_id: Annotated[
        str | None, GeneratedHelpOption(setting_help("Azure AD tenant id", "tenant_id"))
    ] = None,
    private_key: Annotated[
        Path | None, GeneratedHelpOption(setting_help("PEM private key", "private_key"))
    ] = None,
    sandbox: Annotated[
        bool | None,
        typer.Option("--sandbox/--no-sandbox", help="The org is (not) a Salesforce sandbox."),
    ] = None,
    secret_from_env: Annotated[
        list[str] | None,
        GeneratedHelpOption(
            lambda: (
                "Replace a secret with an environment variable's value: VAR=field "
                f"(field: {secret_fields_help()}). Repeatable."
            )
        ),
    ] = None,
    secrets_stdin: Annotated[
        bool,
        typer.Option(
            "--secrets-stdin", help="Read new secrets from stdin, one field=value a line."
        ),
    ] = False,
    ask_secrets: Annotated[
        bool,
        typer.Option("--ask-secrets", help="On a terminal, ask (no echo) for the secrets anew."),
    ] = False,
    home: HomeOpt = None,
) -> None:
    """Change an account's settings or secrets, checked as `add` checks them."""
    given = {
        "url": url,
        "ca_bundle": None if ca_bundle is None else str(ca_bundle),
        "api_version": api_version,
        "username": username,
        "client_id": client_id,
        "tenant_id": tenant_id,
        "private_key": None if private_key is None else str(private_key),
        "sandbox": sandbox,
    }
    changes = {key: value for key, value in given.items() if value is not None}
    if not (changes or secret_from_env or secrets_stdin or ask_secrets):
        raise UsageError(
            "nothing to edit: give a setting (e.g. --url https://…) or new secrets "
            "(--secret-from-env VAR=field, --secrets-stdin, --ask-secrets); see --help"
        )
    if ask_secrets and (secrets_stdin or not _stdin_is_terminal()):
        raise UsageError(
            "--ask-secrets needs a terminal: use --secret-from-env VAR=field or --secrets-stdin"
        )
    from crmlink.catalog.accounts import auth_rule
    from crmlink.cli.secret_input import given_secrets

    store = _store(home)
    account = store.get(name)
    secrets = given_secrets(secret_from_env or [], sys.stdin if secrets_stdin else None)
    if ask_secrets:
        rule = auth_rule(account.type, account.auth)
        asked = {
            field: _ask(field, account.type) for field in rule.secrets() if field not in secrets
        }
        secrets |= asked
    _say_edited(store.edit(name, changes, secrets))


def _say_edited(edited: AccountEdit) -> None:
    name = edited.account.name
    if not edited.changed:
        typer.echo(f"Account {name!r} unchanged: it already has these values.")
        return
    typer.echo(f"Account {name!r} updated:")
    for key, before, after in edited.settings:
        typer.echo(f"  {key}: {_shown(before)} -> {_shown(after)}")
    for key in edited.secrets:
        typer.echo(f"  secret {key}: replaced")


def _shown(value: object) -> str:
    return "(not set)" if value is None else str(value)


@app.command("list")
@cli_errors()
def list_(home: HomeOpt = None, json_: JsonOpt = False) -> None:
    """List the external accounts."""
    accounts = _store(home).list()
    if json_:
        print_json([{k: getattr(a, k) for k in (*LIST_COLUMNS, "created_at")} for a in accounts])
    elif not accounts:
        typer.echo("No accounts yet: add one with `crmlink account add`.", err=True)
    else:
        print_table(LIST_COLUMNS, ([getattr(a, k) for k in LIST_COLUMNS] for a in accounts))


@app.command("show")
@cli_errors()
def show(name: NameArg, home: HomeOpt = None, json_: JsonOpt = False) -> None:
    """Show one account; secrets are masked."""
    shown = _store(home).show(name)
    if json_:
        print_json(shown)
        return
    secrets = shown.pop("secrets")
    print_fields([*shown.items(), *((f"secret {k}", v) for k, v in secrets.items())])


@app.command("remove")
@cli_errors()
def remove(name: NameArg, yes: YesOpt = False, home: HomeOpt = None) -> None:
    """Remove an account (asks first, unless --yes)."""
    store = _store(home)
    store.get(name)
    if not yes and not _stdin_is_terminal():
        raise UsageError(
            f"account {name!r} was not removed: stdin is not a terminal, so crmlink cannot ask; "
            "add --yes to remove it without asking"
        )
    if not yes and not typer.confirm(f"Remove account {name!r}?", default=False):
        raise fail(f"account {name!r} was not removed; add --yes to remove it without asking", 1)
    store.remove(name)
    typer.echo(f"Removed account {name!r}.")


@app.command("test")
@cli_errors()
def test(name: NameArg, home: HomeOpt = None, json_: JsonOpt = False) -> None:
    """Log in to the account's CRM; print org id, user, API version and API usage."""
    from crmlink.catalog.account_test import probe

    settings = _store(home).settings(name)
    identity, usage = probe(settings)
    if json_:
        print_json({"account": name, **_identity_dict(identity), "usage": usage})
        return
    typer.echo(f"Account {name!r}: connected to {identity.instance_url}.")
    print_fields(
        [
            ("org id", identity.org_id),
            ("user", identity.user),
            ("API version", identity.api_version),
            ("API usage", f"{usage.used} / {usage.limit} calls"),
        ]
    )


def _identity_dict(identity: Identity) -> dict:
    return {
        "org_id": identity.org_id,
        "user": identity.user,
        "api_version": identity.api_version,
        "instance_url": identity.instance_url,
    }
