"""Workflows and runs in the console: the diagram, run now with live progress, the rejects
CSV, upload and validate, and the roles (SQLite and PostgreSQL, over TLS)."""

from __future__ import annotations

import csv
import io
import threading
import time
import xml.etree.ElementTree as ET
from typing import Literal

import pytest
from sqlalchemy import insert

from crmlink.catalog.recipient import recipient
from crmlink.cli.workflow import _write_csv
from crmlink.web.live_runs import live_runs
from crmlink.web.svg import diagram
from crmlink.workflow import catalog
from crmlink.workflow.activities import register, unregister
from crmlink.workflow.base import ActivityResult
from crmlink.workflow.config_base import ActivityConfig
from crmlink.workflow.loader import load_text
from tests.web.conftest import page_csrf

FLOW = """\
name: nightly
description: "imports <b>bold</b> & more"
schedule: "0 3 * * *"
activities:
  pick:
    type: query
    table: recipient
    fields: [email]
    next: [save]
  save:
    type: update
    table: recipient
    operation: insert
    mapping: {email: email, birth_date: email}
    rejects: [tidy]
  tidy: {type: dedup, keys: [email]}
"""
HOSTILE_EMAIL = '=HYPERLINK("http://evil")@x.org'
GATE = threading.Event()
SVG = "{http://www.w3.org/2000/svg}"


class GateConfig(ActivityConfig):
    type: Literal["gate"]


class Gate:
    """A test-only activity that runs until the test opens the gate."""

    def __init__(self, config: GateConfig) -> None:
        self.config = config

    def run(self, ctx, source) -> ActivityResult:
        GATE.wait(30)
        return ActivityResult()


@pytest.fixture(autouse=True)
def gate_activity():
    GATE.clear()
    register("gate", GateConfig, Gate)
    yield
    GATE.set()
    unregister("gate")


@pytest.fixture
def nightly(database, tmp_path, console):
    """`nightly` registered, two recipients to insert again (both rejected: no dates)."""
    with database.transaction() as connection:
        connection.execute(insert(recipient), [{"email": HOSTILE_EMAIL}, {"email": "b@x.org"}])
    path = tmp_path / "nightly.yaml"
    path.write_text(FLOW, encoding="utf-8")
    catalog.add(database, path)
    yield "nightly"
    live_runs(console.state).join()  # no run thread outlives the test's database


def _run_now(client, name: str):
    token = page_csrf(client, f"/workflows/{name}")
    return client.post(f"/workflows/{name}/run", data={"csrf_token": token},
                       follow_redirects=False)  # fmt: skip


def _wait_ended(client, location: str) -> str:
    """The progress fragment, polled as htmx polls it, once the run has ended."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        fragment = client.get(f"{location}/progress", headers={"hx-request": "true"}).text
        if 'data-status="running"' not in fragment:
            return fragment
        time.sleep(0.05)  # waiting for a condition: the run's status
    raise AssertionError(f"{location} still running")


def _svg(html: str) -> ET.Element:
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    return ET.fromstring(html[start:end])  # well-formed XML, or this raises


def test_diagram_has_every_activity_and_transition(signed_in, nightly):
    html = signed_in("viewer").get("/workflows/nightly").text
    svg = _svg(html)
    boxes = {g.get("data-name") for g in svg.iter(f"{SVG}g") if g.get("class") == "activity"}
    arrows = {(g.get("data-from"), g.get("data-to"), g.get("data-kind"))
              for g in svg.iter(f"{SVG}g") if g.get("class") == "transition"}  # fmt: skip
    assert boxes == {"pick", "save", "tidy"}
    assert arrows == {("pick", "save", "next"), ("save", "tidy", "rejects")}
    xs = {g.get("data-name"): float(g.find(f"{SVG}rect").get("x")) for g in svg.iter(f"{SVG}g")
          if g.get("class") == "activity"}  # fmt: skip
    assert xs["pick"] < xs["save"] < xs["tidy"]  # columns by depth
    assert '<pre class="yaml">' in html
    assert "imports &lt;b&gt;bold&lt;/b&gt; &amp; more" in html  # the YAML, escaped
    assert "0 3 * * *" in signed_in("viewer").get("/workflows").text


def test_hostile_activity_names_are_escaped_in_the_diagram():
    workflow = load_text("name: w\nactivities:\n  a: {type: query, table: recipient, next: [b]}\n"
                         "  b: {type: dedup, keys: [email]}\n")  # fmt: skip
    hostile, other = '<script>alert("x")</script>', "b&'<img src=x>"
    first = workflow.activities["a"].model_copy(update={"next": [other]})
    workflow.activities = {hostile: first, other: workflow.activities["b"]}
    drawn = diagram(workflow)
    assert "<script>" not in drawn and "<img" not in drawn
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in drawn
    svg = ET.fromstring(drawn)
    names = {g.get("data-name") for g in svg.iter(f"{SVG}g") if g.get("class") == "activity"}
    assert names == {hostile, other}  # the names survive, as text
    edge = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "transition")
    assert (edge.get("data-from"), edge.get("data-to")) == (hostile, other)


def test_run_now_finishes_with_counts(signed_in, nightly):
    operator = signed_in("operator")
    answer = _run_now(operator, "nightly")
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location == "/runs/1"
    fragment = _wait_ended(operator, location)
    assert 'data-status="succeeded"' in fragment
    assert "hx-trigger" not in fragment  # polling stops once the run has ended
    row = fragment.split('data-activity="save"')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[:7] == ["save", "update", "succeeded", "1", "2", "0", "2"]
    assert "run 1 of &#39;nightly&#39; started" in fragment  # the log tail
    detail = operator.get("/workflows/nightly").text
    assert "in 2 · out 0 · rejected 2" in detail  # the last run's counts on the box
    history = operator.get("/runs?workflow=nightly").text
    assert '<a href="/runs/1">1</a>' in history


def test_live_progress_while_running_and_one_run_at_a_time(signed_in, database, tmp_path,
                                                           console):  # fmt: skip
    path = tmp_path / "slow.yaml"
    path.write_text("name: slow\nactivities:\n  wait: {type: gate}\n", encoding="utf-8")
    catalog.add(database, path)
    operator = signed_in("operator")
    try:
        location = _run_now(operator, "slow").headers["location"]
        running = operator.get(f"{location}/progress", headers={"hx-request": "true"}).text
        assert 'data-status="running"' in running
        assert f'hx-get="{location}/progress" hx-trigger="every 1s"' in running
        again = _run_now(operator, "slow")
        assert again.status_code == 400
        assert "is already running" in again.text  # the engine's claim refused it
    finally:
        GATE.set()
        live_runs(console.state).join()
    assert 'data-status="succeeded"' in _wait_ended(operator, location)


def test_rejects_csv_has_the_cli_columns_and_no_formula(signed_in, nightly, database, tmp_path):
    viewer, operator = signed_in("viewer"), signed_in("operator")
    _wait_ended(operator, _run_now(operator, "nightly").headers["location"])
    answer = viewer.get("/runs/1/rejects.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    cli_file = tmp_path / "cli.csv"
    with database.connect() as connection:
        _write_csv(connection, 1, cli_file)
    with cli_file.open(encoding="utf-8", newline="") as handle:
        cli_rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(cli_rows[0]) == [
        "activity", "email", "error_code", "error_symbol", "error_message"]  # fmt: skip
    assert [r["email"] for r in rows] == ["'" + HOSTILE_EMAIL, "b@x.org"]  # no formula
    assert [r["email"] for r in cli_rows] == ["'" + HOSTILE_EMAIL, "b@x.org"]  # the CLI alike
    assert [r["error_symbol"] for r in rows] == ["birth_date", "birth_date"]
    shown = viewer.get("/runs/1/rejects").text
    assert "=HYPERLINK(&#34;http://evil&#34;)@x.org" in shown or "&quot;http" in shown


BAD = b"""\
name: broken
activities:
  pick:
    type: query
    tabel: recipient
  save: {type: nothing}
"""


def _upload(client, content: bytes, action: str = "validate", name: str = "w.yaml"):
    token = page_csrf(client, "/workflows/upload")
    return client.post("/workflows/upload", data={"csrf_token": token, "action": action},
                       files={"file": (name, content, "application/yaml")},
                       follow_redirects=False)  # fmt: skip


def _problems(html: str) -> dict[int, str]:
    found = {}
    for part in html.split('<tr class="problem" data-line="')[1:]:
        line, rest = part.split('"', 1)
        found[int(line)] = rest.split('<td class="error">')[1].split("</td>")[0]
    return found


def test_upload_shows_the_loaders_errors_at_their_line(signed_in):
    answer = _upload(signed_in("operator"), BAD)
    assert answer.status_code == 400
    problems = _problems(answer.text)
    assert set(problems) == {3, 5, 6}
    assert "activities.pick.table: is required" in problems[3]
    assert "activities.pick.tabel: unknown key; did you mean &#39;table&#39;?" in problems[5]
    assert "unknown activity type &#39;nothing&#39;" in problems[6]
    assert '<tr id="line-5" class="bad"><th scope="row">5</th><td><pre>    tabel: recipient' in (
        answer.text)  # fmt: skip


def test_upload_refuses_a_file_not_utf8_saying_why(signed_in):
    answer = _upload(signed_in("operator"), "name: w\n".encode("utf-16"))
    assert answer.status_code == 400
    assert "save it as UTF-8" in answer.text


def test_a_valid_upload_is_registered(signed_in, database, console):
    operator = signed_in("operator")
    checked = _upload(operator, FLOW.encode())
    assert checked.status_code == 200
    assert "is a valid workflow: nightly" in checked.text
    with pytest.raises(Exception, match="no registered workflow"):
        catalog.get(database, "nightly")  # validating does not register
    answer = _upload(operator, FLOW.encode(), "register", name="../../etc/x.yaml")
    assert (answer.status_code, answer.headers["location"]) == (303, "/workflows/nightly")
    registered = catalog.get(database, "nightly")
    assert registered.schedule == "0 3 * * *"
    assert registered.path == str(console.state.web.settings.home / "workflows" / "nightly.yaml")


def test_viewer_gets_403_on_run_and_upload(signed_in, client, nightly):
    viewer = signed_in("viewer")
    assert _run_now(viewer, "nightly").status_code == 403
    assert viewer.get("/workflows/upload").status_code == 403
    token = page_csrf(viewer)
    refused = viewer.post("/workflows/upload", data={"csrf_token": token},
                          files={"file": ("w.yaml", FLOW.encode())})  # fmt: skip
    assert refused.status_code == 403
    assert "Run now" not in viewer.get("/workflows/nightly").text
    operator = signed_in("operator")
    no_token = operator.post("/workflows/nightly/run", follow_redirects=False)
    assert no_token.status_code == 403  # CSRF
    for path in ("/workflows", "/workflows/nightly", "/runs", "/runs/1", "/runs/1/rejects.csv"):
        assert client.get(path, follow_redirects=False).headers["location"] == "/sign-in"


def test_unknown_run_and_workflow_are_404(signed_in):
    viewer = signed_in("viewer")
    assert viewer.get("/runs/99").status_code == 404
    assert viewer.get("/runs/99/rejects.csv").status_code == 404
    assert viewer.get("/runs/0").status_code == 422
    assert viewer.get("/workflows/nope").status_code == 404


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(signed_in):
    answer = _upload(signed_in("operator"), b"#" * (1024 * 1024 + 1))
    assert answer.status_code == 413
