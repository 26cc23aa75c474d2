"""`crmlink user add|list|remove|passwd|role`: who may sign in to `crmlink web`, and as what.

A password never goes on the command line: it is asked for twice without echo on a
terminal, or read from an environment variable (`--password-from-env VAR`) or from the
first line of stdin (`--password-stdin`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmlink.catalog.roles import ROLES
from crmlink.cli.common import (
    HomeOpt,
    JsonOpt,
    YesOpt,
    cli_errors,
    fail,
    open_catalog,
    print_json,
    print_table,
)
from crmlink.errors import UsageError

if TYPE_CHECKING:  # the user store (SQLAlchemy, scrypt) is imported by the commands that run
    from crmlink.catalog.users import UserStore

app = typer.Typer(help="Users of the web console (crmlink web).", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="The user's name (letters, digits, . _ @ -).")]
RoleOpt = Annotated[
    str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.", show_default=True)
]
FromEnvOpt = Annotated[
    str | None,
    typer.Option("--password-from-env", help="Read the password from this environment variable."),
]
StdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")
]
MAX_LINE = 4096  # a password is short; a flood is cut here


def _store(home: Path | None) -> UserStore:
    from crmlink.catalog.users import UserStore

    _, database = open_catalog(home)
    return UserStore(database)


def _password(from_env: str | None, stdin: bool) -> str:
    """The password from the environment, stdin or a no-echo prompt (asked twice)."""
    from crmlink.catalog.users import check_new_password

    if from_env is not None and stdin:
        raise UsageError("give --password-from-env or --password-stdin, not both")
    if from_env is not None:
        if from_env not in os.environ:
            raise UsageError(f"--password-from-env {from_env[:64]}: the variable is not set")
        return check_new_password(os.environ[from_env])
    if stdin:
        return check_new_password(sys.stdin.readline(MAX_LINE + 1).rstrip("\r\n"))
    if not sys.stdin.isatty():
        raise UsageError(
            "stdin is not a terminal, so crmlink cannot ask for the password: use "
            "--password-from-env VAR or --password-stdin"
        )
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return check_new_password(password)


@app.command("add")
@cli_errors()
def add(
    name: NameArg,
    role: RoleOpt = "viewer",
    password_from_env: FromEnvOpt = None,
    password_stdin: StdinOpt = False,
    home: HomeOpt = None,
) -> None:
    """Add a user; the password is asked for (no echo), or read from env or stdin."""
    from crmlink.catalog.users import check_name, check_role

    check_name(name)
    check_role(role)
    store = _store(home)
    user = store.add(name, role, _password(password_from_env, password_stdin))
    typer.echo(f"Added user {user.name!r} ({user.role}); they can sign in to `crmlink web`.")


@app.command("list")
@cli_errors()
def list_(home: HomeOpt = None, json_: JsonOpt = False) -> None:
    """List the users and their roles."""
    found = _store(home).list()
    if json_:
        print_json([u.to_dict() for u in found])
    elif not found:
        typer.echo("No users yet: add one with `crmlink user add NAME --role admin`.", err=True)
    else:
        print_table(("name", "role", "created_at"), ([u.name, u.role, u.created_at] for u in found))


@app.command("remove")
@cli_errors()
def remove(name: NameArg, yes: YesOpt = False, home: HomeOpt = None) -> None:
    """Remove a user and end their sessions (asks first, unless --yes)."""
    store = _store(home)
    store.get(name)
    if not yes and not sys.stdin.isatty():
        raise UsageError(
            f"user {name!r} was not removed: stdin is not a terminal, so crmlink cannot ask; "
            "add --yes to remove it without asking"
        )
    if not yes and not typer.confirm(f"Remove user {name!r}?", default=False):
        raise fail(f"user {name!r} was not removed; add --yes to remove it without asking", 1)
    store.remove(name)
    typer.echo(f"Removed user {name!r}.")


@app.command("passwd")
@cli_errors()
def passwd(
    name: NameArg,
    password_from_env: FromEnvOpt = None,
    password_stdin: StdinOpt = False,
    home: HomeOpt = None,
) -> None:
    """Set a user's password; their browsers are signed out."""
    store = _store(home)
    store.get(name)
    store.set_password(name, _password(password_from_env, password_stdin))
    typer.echo(f"Password of {name!r} changed; their sessions were ended.")


@app.command("role")
@cli_errors()
def role(
    name: NameArg,
    new_role: Annotated[str, typer.Argument(help=f"One of {', '.join(ROLES)}.")],
    home: HomeOpt = None,
) -> None:
    """Change a user's role."""
    user = _store(home).set_role(name, new_role)
    typer.echo(f"User {user.name!r} is now {user.role}.")
