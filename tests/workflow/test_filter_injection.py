"""A `{{variable}}` in a filter is a value, never filter syntax: a hostile value cannot
widen a CRM import (SOQL) or a query activity (SQL); an incremental import's filter
cannot escape its window."""

from __future__ import annotations

import uuid

import pytest

from crmlink.workflow.engine import run_workflow
from crmlink.workflow.loader import WorkflowFileError, load_text
from tests.conftest import sf_client
from tests.workflow.conftest import add_recipients
from tests.workflow.crm.conftest import capture_activity, flow, shared_flow  # noqa: F401
from tests.workflow.crm.test_incremental import WORKFLOW, contact_ids, ids_of, touch

HOSTILE = "x' or Email != null or Email = 'y"

CRM_IMPORT = """
    name: inject
    activities:
      read:
        type: crm
        operation: import
        account: sfdc
        object: Contact
        fields: [Email]
        filter: "Email = '{{email}}'"
        next: keep
      keep: {type: capture, key: rows}
"""


def test_a_hostile_variable_matches_no_contact_in_a_crm_import(shared_flow):  # noqa: F811
    tag = uuid.uuid4().hex[:10]
    sf_client(shared_flow.sandbox).Contact.create({"LastName": tag, "Email": f"{tag}@example.com"})
    run = shared_flow.run(CRM_IMPORT, {"email": HOSTILE})
    assert run.succeeded, run.error
    assert shared_flow.rows("rows") == []


def test_a_plain_variable_still_selects_its_contact(shared_flow):  # noqa: F811
    tag = uuid.uuid4().hex[:10]
    sf_client(shared_flow.sandbox).Contact.create({"LastName": tag, "Email": f"{tag}@example.com"})
    run = shared_flow.run(CRM_IMPORT, {"email": f"{tag}@example.com"})
    assert run.succeeded, run.error
    assert [r["Email"] for r in shared_flow.rows("rows")] == [f"{tag}@example.com"]


QUERY = """
    name: inject-sql
    activities:
      q: {type: query, table: recipient, filter: "email = '{{email}}'"}
"""


def test_a_hostile_variable_matches_only_its_literal_text_in_a_query(database, write):
    add_recipients(database, [{"email": "a@x.com"}, {"email": "b@y.com"}, {"email": HOSTILE}])
    record = run_workflow(database, write("q.yaml", QUERY), {"email": HOSTILE})
    assert record.status == "succeeded", record.error
    assert record.activities[0].rows_out == 1


def test_a_filter_cannot_close_the_incremental_window_s_parenthesis():
    text = (WORKFLOW % 'filter: "LastName != null) or (LastName = null"').replace("\n    ", "\n")
    with pytest.raises(WorkflowFileError) as caught:
        load_text(text, "inc.yaml")
    (problem,) = caught.value.problems
    assert problem.startswith("inc.yaml:12: activities.read.filter: expected 'and', 'or'")


@pytest.mark.slow
def test_an_or_filter_reads_only_the_window(flow):  # noqa: F811
    ids = contact_ids(flow)
    flow.advance(-600)
    options = (
        "index_field: LastModifiedDate\n        filter: \"LastName = 'none' or LastName != null\""
    )
    assert flow.run(WORKFLOW % options).activities[0].rows_out == len(ids)
    touch(flow, ids[10:13], "windowed")
    run = flow.run(WORKFLOW % options)
    assert run.succeeded, run.error
    assert set(ids[10:13]) <= set(ids_of(flow)) and len(ids_of(flow)) <= 4
