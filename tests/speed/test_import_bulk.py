"""A whole `crm` import through the fast path (Bulk 2.0 pages downloading five at once,
read ahead in a thread, per-column conversion, `executemany` / `COPY`) against the
Salesforce sandbox over TLS, on SQLite and PostgreSQL: the working table holds exactly
the org's rows, in the result set's order, once each."""

from __future__ import annotations

import threading

import pytest

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.sandbox.salesforce.models.bulk import query_jobs
from tests.workflow.crm.conftest import Flow, account_settings, capture_activity  # noqa: F401

pytestmark = pytest.mark.slow


class BulkFlow(Flow):
    """Reads of any size go to Bulk 2.0, in batches of 3 (pages of 7 rows: `server_pages`)."""

    def connector(self, account: str = "sfdc") -> SalesforceConnector:
        opened = SalesforceConnector(
            account_settings(self.sandbox), plan_limits=Thresholds(force="bulk")
        )
        opened.bulk.page_rows, opened.bulk.batch_size = 7, 3
        self.connectors.append(opened)
        return opened


@pytest.fixture(autouse=True)
def server_pages(monkeypatch):
    """The sandbox's `resultPages` pages of 7 rows (the client sends no page size)."""
    monkeypatch.setattr(query_jobs, "PAGE_RECORDS", 7)


@pytest.fixture
def flow(database, sf_fresh):
    made = BulkFlow(database, sf_fresh)
    yield made
    for connector in made.connectors:
        connector.close()


def test_a_bulk_import_holds_every_row_once_in_result_order(flow):
    run = flow.run("""
        name: full
        activities:
          read:
            type: crm
            operation: import
            account: sfdc
            object: Contact
            fields: [LastName, Email, Birthdate, Loyalty_Points__c, HasOptedOutOfEmail]
            order_by: [Id]
            next: keep
          keep: {type: capture, key: rows}
    """)
    assert run.succeeded, run.error
    rows = flow.rows("rows")
    with flow.connector() as check:
        check.bulk_read_threshold = 10**9  # the REST read, as the reference
        expected = [
            r
            for b in check.read("Contact", ["Id", "LastName", "Email", "Loyalty_Points__c"])
            for r in b
        ]
    assert [r["_wk_row"] for r in rows] == list(range(1, 51))
    assert [r["Id"] for r in rows] == sorted(r["Id"] for r in expected)
    by_id = {r["Id"]: r for r in expected}
    assert all(r["Email"] == by_id[r["Id"]]["Email"] for r in rows)
    assert all(r["Loyalty_Points__c"] == by_id[r["Id"]]["Loyalty_Points__c"] for r in rows)
    assert run.activities[0].rows_out == 50
    assert run.activities[0].rows_rejected == 0


def test_a_limit_stops_the_download_and_its_threads(flow):
    run = flow.run("""
        name: some
        activities:
          read:
            type: crm
            operation: import
            account: sfdc
            object: Contact
            fields: [LastName]
            limit: 4
            next: keep
          keep: {type: capture, key: rows}
    """)
    assert run.succeeded, run.error
    assert len(flow.rows("rows")) == 4
    names = {t.name for t in threading.enumerate()}
    assert not names & {"crmlink-result-page", "crmlink-read-ahead"}
