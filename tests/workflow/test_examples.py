"""The example workflows load and run."""

from __future__ import annotations

from pathlib import Path

from crmlink.workflow.engine import run_workflow
from tests.workflow.conftest import add_recipients, recipients

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_recipients_cleanup_runs(database):
    add_recipients(database, [
        {"email": "a@example.com", "first_name": "Ann", "last_name": None},
        {"email": "a@example.com", "first_name": "Anna", "last_name": "Lee"},
        {"email": "b@other.org", "first_name": "Bob", "last_name": None},
    ])  # fmt: skip
    record = run_workflow(database, EXAMPLES / "recipients-cleanup.yaml")
    assert record.status == "succeeded", record.error
    assert [a.rows_out for a in record.activities] == [2, 1, 1]
    assert recipients(database, "first_name") == [("Ann",), ("Anna",), ("Bob",)]
