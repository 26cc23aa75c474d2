"""The export activity logs how many records it inserted, updated, matched and rejected."""

from __future__ import annotations

import pytest

from tests.workflow.crm.test_export import EXPORT, campaign_table, people

pytestmark = pytest.mark.slow


def summary(flow, run) -> list[str]:
    return [line for line in flow.log(run) if "export to Contact:" in line]


def test_an_upsert_logs_inserted_then_updated(flow):
    rows = people(4, "count")
    rows[2]["channel"] = "Pigeon"  # not in the restricted picklist: rejected
    campaign_table(flow.database, rows)
    first = flow.run(EXPORT % "key: External_Id__c")
    assert first.succeeded, first.error
    assert summary(flow, first) == [
        "info: export to Contact: 3 inserted, 0 updated, 0 matched (already present), 1 rejected"
    ]
    second = flow.run(EXPORT % "key: External_Id__c", fresh=True)
    assert second.succeeded, second.error
    assert summary(flow, second) == [
        "info: export to Contact: 0 inserted, 3 updated, 0 matched (already present), 1 rejected"
    ]


def test_match_on_logs_the_records_already_present(flow):
    rows = people(3, "counted")
    [existing] = flow.connector().write(
        "Contact", [{"LastName": "Old", "Email": rows[0]["email"]}], "insert"
    )
    assert existing.success
    campaign_table(flow.database, rows)
    run = flow.run(EXPORT % "match_on: Email")
    assert run.succeeded, run.error
    assert summary(flow, run) == [
        "info: export to Contact: 2 inserted, 0 updated, 1 matched (already present), 0 rejected"
    ]
