"""A whole object is planned from the org's record count (`limits/recordCount`) when that
says it is large: no COUNT(), which scans every record (0.3 s of the 1,000,000-Contact
sandbox's time, and a timeout risk on a real org of millions). A smaller, missing or refused
count, and any read with a filter or a limit, is counted exactly as before."""

from __future__ import annotations

import re

import httpx
import pytest

from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.connectors.salesforce.read import RestReader
from crmlink.errors import AuthError
from crmlink.filters import ast
from tests.connectors.conftest import connector
from tests.connectors.test_http_boundary import salesforce, sf_api

TRUST_700 = Thresholds(rest_single=300, bulk=300, record_count_trusted=500)


def _rest_query(path: str) -> bool:
    """A REST query's path (`/services/data/v62.0/query`), not a Bulk job's (`…/jobs/query`)."""
    return re.search(r"/data/v[0-9.]+/query$", path) is not None


def _read(sandbox, limits: Thresholds, **options) -> tuple[list[str], object, int, list[str]]:
    """The Ids, the plan, the calls the read spent and the paths it asked."""
    with connector(sandbox, plan_limits=limits) as opened:
        opened.describe("Contact")
        before = opened.api_calls
        asked: list[str] = []
        opened.http.client.event_hooks["request"].append(lambda r: asked.append(r.url.path))
        ids = [row["Id"] for batch in opened.read("Contact", ["Id"], **options) for row in batch]
        return ids, opened.last_read_plan, opened.api_calls - before, asked


def test_a_large_object_by_its_record_count_asks_no_count(sf_700):
    ids, plan, calls, asked = _read(sf_700, TRUST_700)
    assert len(ids) == len(set(ids)) == 700
    assert plan.api == "bulk" and plan.count == 700
    assert "(the org's record count: no COUNT() asked)" in plan.reason
    assert asked[0].endswith("/limits/recordCount")
    assert not any(_rest_query(path) for path in asked)  # no COUNT(), no REST page
    assert calls == plan.calls == 1 + 4  # the record count, then one Bulk job


def test_a_count_below_the_trusted_size_is_counted_exactly(sf_700):
    _, plan, calls, asked = _read(sf_700, Thresholds(rest_single=300, bulk=300))
    assert plan.api == "bulk" and "record count" not in plan.reason
    assert asked[0].endswith("/limits/recordCount") and _rest_query(asked[1])  # COUNT()
    assert calls == 1 + 1 + 4


@pytest.mark.parametrize(
    "options",
    [
        {"where": ast.Comparison("LastName", ast.Op.NE, ast.String("-"))},
        {"limit": 650},
    ],
    ids=["filter", "limit"],
)
def test_a_filtered_or_limited_read_is_counted_exactly(sf_700, options):
    _, plan, _, asked = _read(sf_700, TRUST_700, **options)
    assert "record count" not in plan.reason
    assert not any(path.endswith("/limits/recordCount") for path in asked)


def _answering(status: int, body: object):
    handler, _ = sf_api(lambda request: httpx.Response(status, json=body))
    return RestReader(salesforce(handler))


def test_a_refused_or_unknown_record_count_is_none_and_a_failed_login_still_raises():
    listed = {"sObjects": [{"count": 12, "name": "Lead"}, {"count": 9, "name": "Contact"}]}
    assert _answering(200, listed).record_count("Contact") == 9
    assert _answering(200, {"sObjects": []}).record_count("Contact") is None  # not listed
    refused = [{"errorCode": "INSUFFICIENT_ACCESS", "message": "View Setup needed"}]
    assert _answering(403, refused).record_count("Contact") is None
    missing = [{"errorCode": "NOT_FOUND", "message": "no such resource (API < 40.0)"}]
    assert _answering(404, missing).record_count("Contact") is None
    disabled = [{"errorCode": "API_DISABLED_FOR_ORG", "message": "API is not enabled"}]
    with pytest.raises(AuthError):
        _answering(403, disabled).record_count("Contact")
