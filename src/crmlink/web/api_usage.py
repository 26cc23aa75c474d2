"""API calls per account per day, from the run records (`activity_runs.api_calls`).

An activity's account is the `account:` of its config in the definition its run kept
(`workflow_runs.definition`), so a later edit of the workflow file does not move old
calls; an activity calling no account (or a definition that no longer parses) counts
under `NO_ACCOUNT`. A day is the UTC date the activity started.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import yaml
from sqlalchemy import select

from crmlink.db import Database
from crmlink.errors import CrmlinkError
from crmlink.workflow import yaml_source
from crmlink.workflow.tables import activity_runs, workflow_runs

NO_ACCOUNT = "(no account)"
Usage = dict[str, dict[dt.date, int]]  # account -> day -> calls


def window(today: dt.date, days: int) -> list[dt.date]:
    """The `days` dates ending with `today`, oldest first."""
    return [today - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]


def calls_per_day(database: Database, days: list[dt.date]) -> Usage:
    since = dt.datetime.combine(days[0], dt.time(), tzinfo=dt.UTC)
    a, r = activity_runs.c, workflow_runs.c
    query = (
        select(a.run_id, a.activity, a.api_calls, a.started_at, r.definition)
        .join(workflow_runs, r.id == a.run_id)
        .where(a.api_calls > 0, a.started_at >= since)
    )
    usage: Usage = defaultdict(lambda: defaultdict(int))
    accounts: dict[int, dict[str, str]] = {}
    with database.connect() as connection:
        for row in connection.execute(query):
            if row.run_id not in accounts:
                accounts[row.run_id] = _accounts(row.definition)
            account = accounts[row.run_id].get(row.activity, NO_ACCOUNT)
            usage[account][row.started_at.astimezone(dt.UTC).date()] += row.api_calls
    return {name: dict(per_day) for name, per_day in sorted(usage.items())}


def _accounts(definition: str) -> dict[str, str]:
    """activity -> the account its config names, read within the loader's YAML limits."""
    try:
        _, data = yaml_source.compose(definition, "<run definition>")
    except (yaml.YAMLError, CrmlinkError):
        return {}
    activities: Any = data.get("activities") if isinstance(data, dict) else None
    if not isinstance(activities, dict):
        return {}
    return {
        str(name): str(config["account"])
        for name, config in activities.items()
        if isinstance(config, dict) and config.get("account")
    }
