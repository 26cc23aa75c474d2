"""No Python reprs (datetimes, cursors, dicts, None) in run logs and tables."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from crmlink.model import ReadCursor
from crmlink.workflow.readable import readable

pytestmark = pytest.mark.slow

REPRS = ("datetime.datetime(", "ReadCursor(", "None}", "{'")

INCREMENTAL = """
    name: inc-readable
    variables: {since: "2024-01-01", owner: ""}
    activities:
      read:
        type: crm
        operation: import
        account: sfdc
        object: Contact
        fields: [LastName, Email]
        incremental: true
        next: [keep]
      keep: {type: capture, key: rows}
"""


def test_run_show_of_an_incremental_import_has_no_reprs(flow, crmlink):
    first = flow.run(INCREMENTAL)
    second = flow.run(INCREMENTAL)  # reads from the committed cursor
    assert first.succeeded and second.succeeded
    for run in (first, second):
        result = crmlink("workflow", "run-show", str(run.id))
        assert result.exit_code == 0, result.output
        assert "cursor staged at" in result.stdout
        assert not [r for r in REPRS if r in result.stdout], result.stdout


def test_workflow_show_and_cursor_show_have_no_reprs(flow, crmlink, tmp_path):
    path = tmp_path / "inc.yaml"
    path.write_text(textwrap.dedent(INCREMENTAL), encoding="utf-8")
    assert crmlink("workflow", "add", str(path)).exit_code == 0
    assert flow.run(INCREMENTAL).succeeded
    shown = crmlink("workflow", "show", "inc-readable")
    assert shown.exit_code == 0, shown.output
    assert 'variables  since=2024-01-01, owner=""' in shown.stdout
    cursors = crmlink("workflow", "cursor", "show", "inc-readable")
    assert cursors.exit_code == 0, cursors.output
    assert " UTC " in cursors.stdout
    for output in (shown.stdout, cursors.stdout):
        assert not [r for r in REPRS if r in output], output


def test_readable_renders_cursors_datetimes_and_dicts():
    at = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert readable(ReadCursor(at, "003xx")) == "2024-05-01 10:00:00 UTC / 003xx"
    assert readable({"since": "2024-01-01", "owner": None}) == "since=2024-01-01, owner=(none)"
    assert readable(None) == ""
