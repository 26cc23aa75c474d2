"""The dashboard's API usage per account: calls per day from the run records' api_calls,
charted in SVG drawn on the server (no JS library), every name escaped."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from sqlalchemy import insert

from crmlink.web.svg import CHART_H, calls_chart
from crmlink.workflow.tables import activity_runs, workflow_runs

SVG = "{http://www.w3.org/2000/svg}"
DEFINITION = """\
name: sync
activities:
  read: {type: crm, operation: import, account: acme, object: Contact, next: [send]}
  send: {type: crm, operation: export, account: "<b>beta</b>", object: Contact}
  tidy: {type: dedup, keys: [email]}
"""


def _run(database, started: dt.datetime, calls: dict[str, int]) -> None:
    with database.transaction() as connection:
        run_id = connection.execute(
            insert(workflow_runs).values(
                workflow="sync",
                definition=DEFINITION,
                status="succeeded",
                variables="{}",
                started_at=started,
                resumes=0,
            )  # fmt: skip
        ).inserted_primary_key[0]
        rows = [
            {"run_id": run_id, "activity": name, "position": i, "type": "crm",
             "config_hash": "x", "status": "succeeded", "attempts": 1, "rows_in": 0,
             "rows_out": 0, "rows_rejected": 0, "api_calls": count, "started_at": started}
            for i, (name, count) in enumerate(calls.items())
        ]  # fmt: skip
        connection.execute(insert(activity_runs), rows)


def _charts(html: str) -> dict[str, dict[str, int]]:
    """account -> {day: calls} read back from each chart's bars."""
    charts = {}
    for part in html.split('<li class="usage-account" data-account="')[1:]:
        svg = part[part.index("<svg") : part.index("</svg>") + 6]
        root = ET.fromstring(svg)  # well-formed, or this raises
        label = root.get("aria-label").removeprefix("API calls per day of account ")
        bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
        charts[label] = {b.get("data-day"): int(b.get("data-calls")) for b in bars}
    return charts


def test_calls_per_day_per_account(signed_in, database):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    today, yesterday = now.date(), now.date() - dt.timedelta(days=1)
    _run(database, now, {"read": 5, "send": 2, "tidy": 0})
    _run(database, now - dt.timedelta(days=1), {"read": 3})
    _run(database, now - dt.timedelta(days=40), {"read": 1000})  # outside the window
    html = signed_in("viewer").get("/").text
    charts = _charts(html)
    assert set(charts) == {"acme", "<b>beta</b>"}
    acme = charts["acme"]
    assert len(acme) == 14
    assert (acme[today.isoformat()], acme[yesterday.isoformat()]) == (5, 3)
    assert sum(acme.values()) == 8
    assert sum(charts["<b>beta</b>"].values()) == 2
    assert "acme: 8 API calls" in html
    assert "&lt;b&gt;beta&lt;/b&gt;: 2 API calls" in html  # an account name is text
    assert "<b>beta</b>" not in html


def test_no_calls_yet(signed_in):
    assert "No API calls recorded in the last 14 days." in signed_in("viewer").get("/").text


def test_the_tallest_bar_is_full_height_and_others_in_proportion():
    days = [dt.date(2026, 1, d) for d in (1, 2, 3, 4)]
    root = ET.fromstring(calls_chart("a", days, {days[0]: 10, days[2]: 5}))
    heights = [int(r.get("height")) for r in root.iter(f"{SVG}rect")]
    full = heights[0]
    assert full > CHART_H / 2
    assert heights == [full, 0, round(full / 2), 0]
