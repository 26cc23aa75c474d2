"""What every command shares: options, opening the catalog, output, the one-sentence exit.

@app.command("list")
@cli_errors()                       # CrmlinkError -> "Error: …" on stderr, its exit code
def list_(home: HomeOpt = None, json_: JsonOpt = False) -> None:
    settings, database = open_catalog(home)   # closed when the command ends
    …
    print_json(rows) if json_ else print_table(["name", …], rows)
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmlink.errors import CrmlinkError, clip
from crmlink.model import to_jsonable

if TYPE_CHECKING:  # imported where used: most commands never open the database or draw a table
    from rich.console import Console

    from crmlink.config import Settings
    from crmlink.db import Database

HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="crmlink home folder (default: $CRMLINK_HOME, else ~/.crmlink).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one sentence on stderr and return the exit to raise (2 = bad input)."""
    typer.echo(f"Error: {_sentence(terminal_safe(message))}", err=True)
    return typer.Exit(code)


MAX_WORD = 240  # a path is rarely longer; a pasted 10 000-character value always is
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD + 1},}}")


def terminal_safe(message: str, max_word: int = MAX_WORD) -> str:
    """`message` fit for a terminal: control and invisible format characters (ESC, a
    right-to-left override) escaped, each over-long word cut with "…"."""
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in message):
        message = "".join(
            c if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf")
            else c.encode("unicode_escape").decode("ascii")
            for c in message
        )  # fmt: skip
    return _LONG_WORD.sub(lambda m: m.group(0)[:max_word] + "…", message)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn a CrmlinkError into its one sentence and exit code; use with `with` or as `@`.

    Failures of the environment get a sentence too: a database error (locked past the
    busy timeout, full, read-only, damaged, a dropped catalog table: `db.failures`) and
    a Python package that is not installed.
    """
    try:
        yield
    except CrmlinkError as exc:
        raise fail(exc.message, exc.exit_code) from None
    except OSError as exc:  # a path the user gave that the system refuses (too long…)
        if exc.filename is None:
            raise
        raise fail(f"cannot use {clip(exc.filename, 240)}: {exc.strerror or exc}") from None
    except ModuleNotFoundError as exc:
        package = (exc.name or "?").split(".")[0]
        raise fail(
            f"crmlink needs the Python package {package!r}, which is not installed: "
            f"`pip install {package}` (or reinstall crmlink with its dependencies)",
            1,
        ) from None
    except Exception as exc:
        said = _database_failure(exc)
        if said is None:
            raise
        raise fail(*said) from None


def _database_failure(exc: Exception) -> tuple[str, int] | None:
    """The sentence and exit code of a database error, None for anything else.

    Only a command that loaded SQLAlchemy can raise its errors, so this imports nothing
    for the commands that never touch the database.
    """
    if "sqlalchemy.exc" not in sys.modules:
        return None
    from sqlalchemy.exc import DatabaseError, NoSuchTableError

    from crmlink.db.failures import database_failure, failure_exit_code, missing_table

    unchanged = "; nothing was changed by this command"
    if isinstance(exc, DatabaseError):
        return database_failure(exc) + unchanged, failure_exit_code(exc)
    if isinstance(exc, NoSuchTableError):  # reflecting a catalog table that was dropped
        return missing_table(str(exc)) + unchanged, 2
    return None


def _sentence(message: str) -> str:
    return message if message.endswith((".", "?", "!")) else message + "."


def open_catalog(home: Path | None) -> tuple[Settings, Database]:
    """Settings (from `--home` and the environment) and the migrated campaign database.

    Inside a command the database is closed when the command ends.
    """
    from crmlink.config import Settings
    from crmlink.db import open_database

    settings = Settings.load(home)
    database = open_database(settings)
    context = typer.main.get_current_context(silent=True)  # typer runs its own copy of click
    if context is not None:
        context.call_on_close(database.close)
    return settings, database


def print_json(obj: Any) -> None:
    typer.echo(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False))


def console() -> Console:
    """A rich console on stdout, wide enough not to wrap tables when piped."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None
) -> None:
    from rich.table import Table

    table = Table(*columns, title=title, box=None, header_style="bold", pad_edge=False)
    for row in rows:
        table.add_row(*("" if v is None else str(to_jsonable(v)) for v in row))
    console().print(table)


def print_fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """`name  value` lines, names aligned: the text form of `show` commands."""
    pairs = list(pairs)
    width = max((len(name) for name, _ in pairs), default=0)
    for name, value in pairs:
        shown = "" if value is None else to_jsonable(value)
        typer.echo(f"{name.ljust(width)}  {shown}")
