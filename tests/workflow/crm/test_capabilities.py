"""The crm activity takes the CRM's habits from its connector spec (`Capabilities`), not
from Salesforce facts written into the activity."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from crmlink.connectors import registry
from tests.workflow.crm.test_deleted import DELETED
from tests.workflow.crm.test_export import EXPORT, campaign_table, people

pytestmark = pytest.mark.slow


def with_capabilities(monkeypatch, **changes) -> None:
    """Give the salesforce spec other capabilities for this test."""
    spec = registry.SPECS["salesforce"]
    capabilities = dataclasses.replace(spec.capabilities, **changes)
    monkeypatch.setitem(
        registry.SPECS, "salesforce", dataclasses.replace(spec, capabilities=capabilities)
    )


def matched(flow, run) -> str:
    [line] = [line for line in flow.log(run) if "export to Contact:" in line]
    return line.split(", ")[2]


def existing_in_upper_case(flow, tag: str) -> list[dict]:
    rows = people(2, tag)
    email = rows[0]["email"].upper()
    [existing] = flow.connector().write("Contact", [{"LastName": "Old", "Email": email}], "insert")
    assert existing.success
    campaign_table(flow.database, rows)
    return rows


def test_the_first_import_deleted_run_looks_back_as_far_as_the_spec_says(flow, monkeypatch):
    with_capabilities(monkeypatch, first_deleted_lookback=dt.timedelta(days=3))
    run = flow.run(DELETED % "")
    assert run.succeeded, run.error
    assert any("(first run: 3 days)" in line for line in flow.log(run))
    text = flow.variables("rows")["crmStartDate"]
    start = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert abs(run.started_at - dt.timedelta(days=3) - start) < dt.timedelta(seconds=1)


def test_match_on_ignores_case_where_the_crm_compares_without_case(flow):
    existing_in_upper_case(flow, "folded")
    run = flow.run(EXPORT % "match_on: Email")
    assert run.succeeded, run.error
    assert matched(flow, run) == "1 matched (already present)"


def test_match_on_compares_exactly_where_the_crm_compares_with_case(flow, monkeypatch):
    with_capabilities(monkeypatch, case_insensitive_match=False)
    existing_in_upper_case(flow, "exact")
    run = flow.run(EXPORT % "match_on: Email")
    assert run.succeeded, run.error
    assert matched(flow, run) == "0 matched (already present)"
