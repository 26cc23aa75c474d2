"""The hostile-input harness: one input, a fresh crmlink home, the database compared before
and after, and the answer checked to be one sentence.

    from tests.hostile.harness import Hostile   # fixtures `hostile`, `hostile_pg` in conftest

    def test_a_path_in_an_object_name_is_refused(hostile, sf_sandbox):
        hostile.add_account("sfdc", sf_sandbox)            # `account add --from-sandbox`
        path = hostile.write("w.yaml", WORKFLOW_TEXT)      # text or bytes, in the home's folder
        result = hostile.refuses("workflow", "run", str(path), says="not an object of")
        # exit 2 (give code=1 for a failed job), stderr one sentence "Error: ….",
        # no Traceback, no raw exception class name, the database dump unchanged

    hostile.accepts("workflow", "run", str(path))   # exit 0; returns the CliRunner Result
    hostile.dump()                                  # {table: sorted rows}, every table
    hostile.cli("schema", "list")                   # just run it (in-process, CliRunner)

The CLI runs in-process (typer's CliRunner, as the other CLI tests do) with CRMLINK_HOME and
CRMLINK_DATABASE_URL set; an exception escaping the command is a harness failure, not an
answer. The dump compares every table of the database except the run bookkeeping a refused
run may legitimately leave (`RUN_BOOKKEEPING`: the record that a run was tried and failed);
pass `ignore=()` to compare those too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select
from typer.testing import CliRunner, Result

from crmlink.cli import app
from crmlink.db import open_database

# a refused run is recorded (its row, its activities, its log, its lock): data it is not
RUN_BOOKKEEPING = frozenset({"workflow_runs", "activity_runs", "run_log", "workflow_locks"})

# what a raw exception leaks: a class name (KeyError, psycopg.errors.NumericValueOutOfRange…),
# a module path, a traceback
_RAW = re.compile(
    r"Traceback|\b\w*(Error|Exception|Warning)\b(?<!\bError)|\bpsycopg\b|sqlalchemy|\bFile \""
)
Dump = dict[str, list[tuple[Any, ...]]]


def raw_exception(text: str) -> str | None:
    """The first trace of a raw exception in `text` (None if there is none)."""
    found = _RAW.search(text.replace("Error: ", "", 1))
    return found.group(0) if found else None


def one_sentence(text: str) -> str:
    """The one sentence `text` holds (`Error: ` stripped); fails if it holds more or a trace."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{text}"
    (line,) = lines
    assert raw_exception(line) is None, f"raw exception in: {line}"
    assert line.rstrip().endswith((".", "?", "!")), f"not a sentence: {line}"
    return line.removeprefix("Error: ")


class Hostile:
    """A fresh crmlink home and campaign database; runs the CLI and compares dumps."""

    def __init__(self, home: Path, database_url: str) -> None:
        self.home, self.database_url = home, database_url
        self.runner = CliRunner()
        self.env = {"CRMLINK_HOME": str(home), "CRMLINK_DATABASE_URL": database_url}
        self.cli("schema", "list")  # creates the home and migrates the database

    # -- running ------------------------------------------------------------------------------
    def cli(self, *args: str, input: str | bytes | None = None) -> Result:
        result = self.runner.invoke(app, list(args), input=input, env=self.env)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    def accepts(self, *args: str, input: str | bytes | None = None) -> Result:
        result = self.cli(*args, input=input)
        assert result.exit_code == 0, result.output
        assert raw_exception(result.output) is None, result.output
        return result

    def refuses(  # noqa: PLR0913 - the input, then what to expect of it, keyword-only
        self,
        *args: str,
        code: int = 2,
        says: str | Iterable[str] = (),
        input: str | bytes | None = None,
        ignore: Iterable[str] = RUN_BOOKKEEPING,
    ) -> str:
        """Run `args`; expect exit `code`, one sentence on stderr (returned, `Error: ` off)
        containing each of `says`, and every table but `ignore` unchanged."""
        ignored = frozenset(ignore)
        before = self.dump(ignored)
        result = self.cli(*args, input=input)
        after = self.dump(ignored)
        assert result.exit_code == code, (
            f"exit {result.exit_code}, expected {code}:\n{result.output}"
        )
        assert "Traceback" not in result.output, result.output
        sentence = one_sentence(result.stderr)
        for part in [says] if isinstance(says, str) else says:
            assert part in sentence, f"{part!r} not in: {sentence}"
        assert_same(before, after)
        return sentence

    # -- setting up ---------------------------------------------------------------------------
    def write(self, name: str, content: str | bytes) -> Path:
        path = self.home / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def add_account(self, name: str, sandbox: Any) -> None:
        """`account add NAME --from-sandbox` for a running sandbox (either CRM)."""
        self.accepts("account", "add", name, "--from-sandbox", str(sandbox.state_dir))

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Rows put straight into a table of the database (a campaign table to work on)."""
        with open_database(self.database_url) as database, database.engine.begin() as conn:
            found = MetaData()
            found.reflect(conn, only=[table])
            conn.execute(found.tables[table].insert(), rows)

    # -- comparing ----------------------------------------------------------------------------
    def dump(self, ignore: Iterable[str] = ()) -> Dump:
        """Every table's rows, sorted (by their text form: any column types compare)."""
        skipped = set(ignore)
        with open_database(self.database_url) as database:
            found = MetaData()
            found.reflect(database.engine)
            with database.engine.connect() as conn:
                return {
                    name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
                    for name, table in sorted(found.tables.items())
                    if name not in skipped
                }


def assert_same(before: Dump, after: Dump) -> None:
    """Table by table, so a failure names the table that changed."""
    assert sorted(after) == sorted(before), "tables added or dropped"
    for name in before:
        assert after[name] == before[name], f"table {name!r} changed"
