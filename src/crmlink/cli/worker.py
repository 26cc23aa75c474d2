"""`crmlink worker`: run registered workflows when their cron schedule is due."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated

import typer

from crmlink.cli.common import HomeOpt, cli_errors, open_catalog
from crmlink.errors import UsageError


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Check the schedules once, then exit.")
    ] = False,
    poll: Annotated[
        float, typer.Option("--poll", min=1, max=86_400, help="Seconds between checks.")
    ] = 30,
    home: HomeOpt = None,
) -> None:
    """Run registered workflows whose schedule is due (one run of a workflow at a time)."""
    from crmlink.workflow import stopping
    from crmlink.workflow.scheduler import serve

    with cli_errors(), stopping.on_signals():
        if not math.isfinite(poll):  # click's range lets nan through
            raise UsageError(f"--poll {poll} is not a number of seconds: give 1 to 86400")
        settings, database = open_catalog(home)
        serve(database, _say, poll, once, settings)


def _say(message: str) -> None:
    typer.echo(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} {message}")
