"""The preflight: check every name a workflow uses before its first activity runs.

    check(workflow, session, variables)    # raises one UsageError listing every problem

Each activity's config knows what it names (`preflight(checker) -> list[Problem]`, beside
its run code): campaign tables and their columns, CRM accounts, objects and fields, the
fields its filter references, and the columns it reads from its input population when
the upstream activity's output columns are known (`Checker.produces`). The activities are
checked in workflow order; a run that names anything missing fails before anything is
read or written, with one line per problem:

    f.yaml: activities.save.table: no schema or table named 'recipients' (did you mean 'recipient'?)

`{{variables}}` known when the run starts are substituted first; an option still holding
one (set later by an upstream activity, e.g. crmStartImport) is left to the run. The run
itself still checks everything again, as before.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import Connection, Table, select

from crmlink.connectors.base import Connector
from crmlink.db import Database
from crmlink.db.tables import accounts
from crmlink.errors import FilterError, NotFoundError, UsageError
from crmlink.filters import fields_of, parse, validate
from crmlink.filters.render.sql import describe_table
from crmlink.model import FieldKind, RemoteTable
from crmlink.workflow.base import OK
from crmlink.workflow.config_base import ActivityConfig
from crmlink.workflow.model import Workflow

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # described without listing objects first


class PreflightError(UsageError):
    """The workflow names things that do not exist: every problem, one a line."""

    def __init__(self, lines: list[str], path: str) -> None:
        super().__init__("\n".join(lines), file=path)
        self.problems = lines


@dataclass(frozen=True)
class Problem:
    activity: str
    option: str
    message: str

    def line(self, path: str) -> str:
        return f"{path}: activities.{self.activity}.{self.option}: {self.message}"


class Session(Protocol):
    """What the preflight needs of the run (`crmlink.workflow.context.RunSession`)."""

    database: Database

    def connector(self, account: str) -> Connector: ...


def check(workflow: Workflow, session: Session, variables: dict[str, str]) -> None:
    """Check every activity of `workflow`; raise a PreflightError listing the problems.

    It only reads, on a reading connection of its own (on SQLite it takes no write lock,
    and it holds no transaction open while a CRM answers): the run's is left alone."""
    incoming = workflow.incoming()
    problems: list[Problem] = []
    with session.database.connect() as conn:
        checker = Checker(conn, session.connector)
        for name in workflow.order():
            config = _substituted(workflow.activities[name], variables)
            checker.start(name, _input_columns(checker, incoming[name]))
            method = getattr(config, "preflight", None)  # test-only types may have none
            if method is not None:
                problems += method(checker)
    if problems:
        path = workflow.path or workflow.name
        raise PreflightError(list(dict.fromkeys(p.line(path) for p in problems)), path)


def _input_columns(checker: Checker, ups: list[tuple[str, str]]) -> tuple[str, list[str] | None]:
    if not ups:
        return "", None
    upstream, output = ups[0]
    return upstream, checker.produced(upstream) if output == OK else None


def _substituted(config: ActivityConfig, variables: dict[str, str]) -> ActivityConfig:
    """The config with the variables known now substituted; unknown ones kept as written."""
    data = config.model_dump(mode="python")
    replaced = {k: v if k == "filter" else _walk(v, variables) for k, v in data.items()}
    if replaced == data:
        return config
    try:
        return type(config).model_validate(replaced)
    except ValidationError:  # the run reports it, naming the option
        return config


def _walk(value: Any, variables: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _walk(v, variables) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, variables) for v in value)
    return value


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the names close to `name` (any case), else ``."""
    by_lower: dict[str, str] = {}
    for known in names:
        by_lower.setdefault(known.lower(), known)
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {' or '.join(repr(by_lower[c]) for c in close)}?)"


class Checker:
    """Look-ups for the activities' `preflight` methods; each returns what it found, or
    `Problem`s naming the activity being checked and the option."""

    def __init__(self, conn: Connection, connector: Callable[[str], Connector]) -> None:
        self.conn = conn
        self._connector = connector
        self._outputs: dict[str, list[str] | None] = {}
        self._remote: dict[tuple[str, str], RemoteTable | Problem] = {}
        self._accounts: list[str] | None = None
        self._tables: dict[str, dict[str, str]] = {}
        self.activity = ""
        self.upstream = ""  # the activity whose output feeds this one
        self.input: list[str] | None = None  # its columns, when known before the run

    def start(self, activity: str, source: tuple[str, list[str] | None]) -> None:
        self.activity = activity
        self.upstream, self.input = source

    def produced(self, activity: str) -> list[str] | None:
        return self._outputs.get(activity)

    def produces(self, columns: Iterable[str] | None) -> None:
        """The columns of this activity's `ok` output (None: only known when it runs)."""
        self._outputs[self.activity] = None if columns is None else list(columns)

    def problem(self, option: str, message: str) -> Problem:
        return Problem(self.activity, option, message)

    @staticmethod
    def known(value: str | None) -> bool:
        """The value is given and holds no variable left for the run to substitute."""
        return bool(value) and "{{" not in str(value)

    # -- campaign tables --------------------------------------------------------------
    def table(self, option: str, name: str) -> Table | Problem:
        """The campaign table behind `name` (`recipient`, a schema, a table)."""
        from crmlink.workflow.activities.targets import resolve_table, table_names

        try:
            return resolve_table(self.conn, name)
        except NotFoundError:
            hint = did_you_mean(name, table_names(self.conn)) or " (see `crmlink schema list`)"
            return self.problem(option, f"no schema or table named {name!r}{hint}")
        except UsageError as exc:
            return self.problem(option, exc.message)

    def columns(self, option: str, table: Table, names: Iterable[str]) -> list[Problem]:
        """The `names` that are not columns of the campaign table."""
        return self.fields(option, describe_table(table), names, "column")

    def table_filter(self, option: str, text: str | None, table: Table) -> list[Problem]:
        return self.filter(option, text, describe_table(table), "column")

    # -- CRM objects ------------------------------------------------------------------
    def remote(self, account: str, object_: str) -> RemoteTable | Problem:
        """The CRM object `object_` of `account` (described once per run)."""
        key = (account, object_.lower())
        if key not in self._remote:
            catalog = self._account_names()
            self.conn.rollback()  # no transaction (nor PostgreSQL lock) open while the CRM answers
            connector = self._open(account, catalog)
            if isinstance(connector, Problem):
                self._remote[key] = connector
            else:
                self._remote[key] = self._describe(connector, account, object_)
        return self._remote[key]

    def _open(self, account: str, catalog: list[str]) -> Connector | Problem:
        if account in catalog:
            return self._connector(account)
        try:  # a run may be given its own connectors (tests, embedding): ask them
            return self._connector(account)
        except Exception:  # noqa: BLE001 - not in the catalog, and not openable either
            hint = did_you_mean(account, catalog) or " (see `crmlink account list`)"
            return self.problem("account", f"no account named {account!r}{hint}")

    def _account_names(self) -> list[str]:
        if self._accounts is None:
            self._accounts = list(self.conn.scalars(select(accounts.c.name)))
        return self._accounts

    def _describe(self, connector: Connector, account: str, object_: str) -> RemoteTable | Problem:
        """The describe of an object. A plain API name (letters, digits, underscores) is
        described at once, one call; any other name, or one the CRM does not know by that
        spelling, is looked up in the CRM's list of objects first: a name that is not in
        its metadata (`Contact/../Lead`, `Contact?x`) never reaches a URL."""
        if _PLAIN_NAME.fullmatch(object_):
            try:
                return connector.describe(object_)
            except NotFoundError:
                pass  # another spelling ("contact" on Dataverse) or a hint: the list says
        try:
            names = self._objects(account, connector)
            if object_.lower() not in names:
                hint = did_you_mean(object_, names.values())
                return self.problem(
                    "object", f"account {account!r} has no object {object_!r}{hint}"
                )
            return connector.describe(names[object_.lower()])
        except NotFoundError:
            hint = did_you_mean(object_, self._objects(account, connector).values())
            return self.problem("object", f"account {account!r} has no object {object_!r}{hint}")
        except UsageError as exc:
            return self.problem("object", exc.message)

    def _objects(self, account: str, connector: Connector) -> dict[str, str]:
        """The account's object names by lower case (listed once per run)."""
        if account not in self._tables:
            self._tables[account] = {t.name.lower(): t.name for t in connector.list_tables()}
        return self._tables[account]

    # -- fields and filters (CRM objects and campaign tables alike) -------------------
    def fields(
        self, option: str, table: RemoteTable, names: Iterable[str], what: str = "field"
    ) -> list[Problem]:
        """The `names` that are not fields of `table` (or are compound fields)."""
        problems = []
        for name in dict.fromkeys(n for n in names if self.known(n)):
            field = table.field(name)
            if field is None:
                hint = did_you_mean(name, [f.name for f in table.fields])
                message = f"unknown {what} {name!r} on {table.name}{hint}"
                problems.append(self.problem(option, message))
            elif field.kind == FieldKind.COMPOUND:
                parts = ", ".join(f.name for f in table.fields if f.compound_of == field.name)
                message = f"{field.name} on {table.name} is a compound field: name its parts"
                problems.append(self.problem(option, f"{message} ({parts})"))
        return problems

    def filter(
        self, option: str, text: str | None, table: RemoteTable, what: str = "field"
    ) -> list[Problem]:
        """Problems of a filter against `table`: syntax, unknown fields, ill-typed values
        (its `{{variables}}` are values, typed when the run binds them)."""
        if not text:
            return []
        try:
            expr = parse(str(text))
        except FilterError as exc:
            return [self.problem(option, exc.message)]
        unknown = [name for name in fields_of(expr) if table.field(name) is None]
        if unknown:
            return self.fields(option, table, unknown, what)
        try:
            validate(expr, table)
        except FilterError as exc:
            return [self.problem(option, exc.message)]
        return []

    # -- the input population ---------------------------------------------------------
    def source(self, option: str, names: Iterable[str]) -> list[Problem]:
        """The `names` the input population lacks (nothing when its columns are unknown)."""
        if self.input is None:
            return []
        problems = []
        have = {c.lower() for c in self.input}
        for name in dict.fromkeys(n for n in names if self.known(n)):
            if name.lower() not in have:
                hint = did_you_mean(name, self.input)
                message = f"the input population (from {self.upstream!r}) has no column {name!r}"
                problems.append(self.problem(option, message + hint))
        return problems
