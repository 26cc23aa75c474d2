"""An incremental import that finds nothing new is cheap: at most 3 API calls (login,
describe, one query whose first page counts the window) and under a second; its plan
says the first page counted it."""

from __future__ import annotations

from tests.workflow.crm.conftest import capture_activity, flow  # noqa: F401, F811

WORKFLOW = """
    name: incremental
    activities:
      read:
        type: crm
        operation: import
        account: sfdc
        object: Contact
        fields: [Email]
        incremental: true
"""


def test_nothing_changed_costs_at_most_three_calls(flow):  # noqa: F811
    first = flow.run(WORKFLOW)
    assert first.succeeded, first.error
    assert first.activities[0].rows_out == 50
    flow.advance(3600)  # past the overlap: the cursor's window holds no row
    again = flow.run(WORKFLOW)
    assert again.succeeded, again.error
    (read,) = again.activities
    assert read.rows_out <= 1  # the committed cursor's own row, re-read by the overlap
    assert read.api_calls <= 3
    assert read.seconds is not None  # how fast: the bench (`incremental none changed`)
    plans = [line for line in flow.log(again) if "read plan: " in line]
    assert len(plans) == 1 and plans[0].startswith("info: read plan: rest: ")
    assert plans[0].endswith("REST pages (the rows after the first page of 1) (1 API call)")
