"""Registered workflows (for the worker) and their cursors: add, list, get, remove, reset.

Cursor commands accept any *known* workflow: registered, or with runs or cursors (a
workflow run from its file is never registered); another name is refused with the
known names closest to it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import RowMapping, delete, func, insert, select, union, update

from crmlink.db import Database
from crmlink.db.types import utcnow
from crmlink.errors import NotFoundError
from crmlink.workflow.loader import load_file, load_text
from crmlink.workflow.model import Workflow
from crmlink.workflow.tables import cursors, workflow_runs, workflows


@dataclass
class Registered:
    name: str
    path: str | None
    schedule: str | None
    enabled: bool
    added_at: dt.datetime
    definition: str
    last_run: dt.datetime | None = None
    last_status: str | None = None

    def workflow(self) -> Workflow:
        return load_text(self.definition, self.path or self.name)

    def base_time(self) -> dt.datetime:
        """When the schedule counts from: the last run's start, else the registration."""
        return self.last_run or self.added_at

    def next_due(self) -> dt.datetime | None:
        from croniter import croniter

        if not self.schedule:
            return None
        return croniter(self.schedule, self.base_time()).get_next(dt.datetime)


def add(database: Database, path: str | Path) -> Registered:
    """Validate the file and register (or re-register) it under its workflow name."""
    workflow = load_file(path)
    values = {
        "path": str(Path(path).resolve()),
        "definition": workflow.text,
        "schedule": workflow.schedule,
    }
    with database.transaction() as conn:
        key = workflows.c.name == workflow.name
        if conn.execute(select(workflows.c.name).where(key)).first():
            conn.execute(update(workflows).where(key).values(**values))
        else:
            conn.execute(
                insert(workflows).values(
                    name=workflow.name, enabled=True, added_at=utcnow(), **values
                )
            )
    return get(database, workflow.name)


def list_all(database: Database) -> list[Registered]:
    last = (
        select(workflow_runs.c.workflow, func.max(workflow_runs.c.id).label("run_id"))
        .group_by(workflow_runs.c.workflow)
        .subquery()
    )
    runs = workflow_runs.alias("r")
    query = (
        select(workflows, runs.c.started_at, runs.c.status)
        .outerjoin(last, last.c.workflow == workflows.c.name)
        .outerjoin(runs, runs.c.id == last.c.run_id)
        .order_by(workflows.c.name)
    )
    with database.connect() as conn:
        return [_registered(r) for r in conn.execute(query).mappings()]


def _registered(row: RowMapping) -> Registered:
    return Registered(
        name=row["name"],
        path=row["path"],
        schedule=row["schedule"],
        enabled=row["enabled"],
        added_at=row["added_at"],
        definition=row["definition"],
        last_run=row["started_at"],
        last_status=row["status"],
    )


def get(database: Database, name: str) -> Registered:
    found = {r.name: r for r in list_all(database)}
    if name not in found:
        raise NotFoundError(_unknown(name, list(found)), workflow=name)
    return found[name]


def _unknown(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; see `crmlink workflow list`"
    return f"no registered workflow named {name!r}{hint}"


def remove(database: Database, name: str) -> None:
    get(database, name)
    with database.transaction() as conn:
        conn.execute(delete(workflows).where(workflows.c.name == name))


def known_names(database: Database) -> list[str]:
    """Every workflow name the catalog knows: registered, with runs, or with cursors."""
    query = union(
        select(workflows.c.name), select(workflow_runs.c.workflow), select(cursors.c.workflow)
    )
    with database.connect() as conn:
        return sorted(conn.execute(query).scalars())


def require_known(database: Database, name: str) -> None:
    """NotFoundError naming the closest known workflows when `name` is not one of them."""
    names = known_names(database)
    if name in names:
        return
    close = difflib.get_close_matches(name, names, n=3)
    if close:
        hint = "did you mean " + " or ".join(repr(n) for n in close) + "?"
    else:
        hint = "see `crmlink workflow list` and `crmlink workflow runs`"
    raise NotFoundError(f"no workflow named {name!r}; {hint}", workflow=name)
