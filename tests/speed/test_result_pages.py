"""Bulk 2.0 results downloaded several pages at once against the Salesforce sandbox over
TLS: the rows are the REST read's, in the same order; one `results` call per page; the
`Sforce-Locator` chain when `resultPages` answers 404 (API versions before 58.0)."""

from __future__ import annotations

import math

import httpx
import pytest

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.filters import parse
from crmlink.model import OrderBy
from crmlink.sandbox.salesforce.models.bulk import query_jobs
from tests.conftest import tls
from tests.connectors.conftest import FAST_RETRY, account

FIELDS = ["Id", "LastName", "Email", "Birthdate", "SystemModstamp", "Loyalty_Points__c"]
PAGE_ROWS = 7


def stats(sandbox, reset: bool = False) -> dict[str, int]:
    url = f"{sandbox.url}/__sandbox__/stats"
    if reset:
        httpx.delete(url, verify=tls(sandbox)).raise_for_status()
        return {}
    return httpx.get(url, verify=tls(sandbox)).json()["by_endpoint"]


def opened(sandbox, bulk: bool, **changes) -> SalesforceConnector:
    connector = SalesforceConnector(
        account(sandbox, **changes),
        retry=FAST_RETRY,
        plan_limits=Thresholds(force="bulk" if bulk else "rest"),
    )
    connector.bulk.page_rows, connector.bulk.batch_size = PAGE_ROWS, 3  # the locator chain's
    return connector


def read(connector: SalesforceConnector) -> list[dict]:
    return [r for b in connector.read("Contact", FIELDS, order=[OrderBy("Id")]) for r in b]


@pytest.fixture
def server_pages(monkeypatch):
    """The sandbox's `resultPages` pages of PAGE_ROWS rows (Salesforce sizes its own:
    the client sends no size)."""
    monkeypatch.setattr(query_jobs, "PAGE_RECORDS", PAGE_ROWS)


@pytest.mark.parametrize("workers", [1, 5])
def test_parallel_pages_give_the_rest_rows_in_order(sf_fresh, workers, server_pages):
    with opened(sf_fresh, bulk=False) as rest, opened(sf_fresh, bulk=True) as bulk:
        bulk.bulk.workers = workers
        expected = read(rest)
        stats(sf_fresh, reset=True)
        got = read(bulk)
        calls = stats(sf_fresh)
        assert bulk.last_read_api == "bulk"
    assert len(got) == 50
    assert got == expected
    pages = math.ceil(len(got) / PAGE_ROWS)
    assert calls["GET bulk2 query results"] == pages  # one call per page, none repeated
    assert calls["GET bulk2 query resultPages"] == math.ceil(pages / 5)  # five links an answer


def test_without_result_pages_the_locator_chain_is_followed(sf_fresh):
    with opened(sf_fresh, bulk=False) as rest, opened(sf_fresh, True, api_version="57.0") as old:
        expected = read(rest)
        stats(sf_fresh, reset=True)
        got = read(old)
        calls = stats(sf_fresh)
    assert got == expected
    assert calls["GET bulk2 query resultPages"] == 1  # asked once: 404
    assert calls["GET bulk2 query results"] == math.ceil(len(got) / PAGE_ROWS)


def test_an_empty_result_set_gives_no_rows(sf_fresh):
    with opened(sf_fresh, bulk=True) as bulk:
        where = parse("LastName = 'nobody-by-this-name'")
        assert [r for b in bulk.read("Contact", FIELDS, where=where) for r in b] == []
